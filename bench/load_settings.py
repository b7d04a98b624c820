"""Bench-only settings for bench_load: the production settings with one change, a fast password hash.

200 simulated learners log in within ten seconds; with PBKDF2 (a second of CPU each on purpose)
the first minute would measure password hashing, not the learner's mix. Never used outside
`make bench`.
"""

from cms.settings import *  # noqa: F403

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
