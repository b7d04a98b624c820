"""Helpers for tests that run Sangkat's production processes (gunicorn, db_worker) on loopback."""

import os
from urllib.parse import quote

from django.db import connection

ROOT_ENV = {
    "DJANGO_SETTINGS_MODULE": "cms.settings",
    "DEBUG": "0",
    "SECRET_KEY": "deploy-tests-only-secret-key-0123456789-abcdefghijklmnop",
    "ALLOWED_HOSTS": "127.0.0.1",
    # Plain HTTP on loopback: a real deployment's TLS proxy is not in the picture.
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    "LOG_LEVEL": "ERROR",
}


def database_url() -> str:
    """The database this test process uses, so that other processes see what the test wrote."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{db['NAME']}"


def production_env(**extra: str) -> dict:
    env = dict(os.environ, **ROOT_ENV, DATABASE_URL=database_url())
    env.pop("TASKS_BACKEND", None)
    env.update(extra)
    return env
