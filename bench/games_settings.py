"""Bench-only settings for bench_games: the project's settings plus django-gamification 0.3.2, the
library the gamification engine is compared with (issue 4). Never used outside `make bench`.

django-gamification 0.3.2 (2018) is not maintained: its migration 0003 imports
django.utils.datetime_safe, removed in Django 5.0. A two-line stand-in lets its migrations run.
"""

import datetime
import importlib.util
import sys
import types

import django.utils

from cms.settings import *  # noqa: F403

if "django.utils.datetime_safe" not in sys.modules:
    _shim = types.ModuleType("django.utils.datetime_safe")
    _shim.datetime = datetime.datetime
    sys.modules["django.utils.datetime_safe"] = _shim
    django.utils.datetime_safe = _shim

if importlib.util.find_spec("django_gamification"):  # bench_games reports it missing otherwise
    INSTALLED_APPS = [*INSTALLED_APPS, "django_gamification"]  # noqa: F405
