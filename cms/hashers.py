"""Password hashing: Argon2id with OWASP's minimum settings (see docs/decisions.md)."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class SangkatArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id, 19 MiB, 2 passes, 1 lane: about 40 ms of one core per check.

    Django's own Argon2 settings (100 MiB, 8 lanes) would cost 0.27 s and 100 MiB per login on a
    2-core server; hashes made with other settings are rewritten at the next login (must_update).
    """

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
