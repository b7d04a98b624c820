"""The production profile picks its backends from the environment: media storage and task queue.

Each case imports the settings in a fresh process with its own environment (no network).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-secret-key-for-tests-" + "q" * 20,
    "ALLOWED_HOSTS": "sangkat.example.org",
}
PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.core.files.storage import storages
from django_tasks import task_backends
media = storages["default"]
print(json.dumps({
    "storage": f"{type(media).__module__}.{type(media).__name__}",
    "url": media.url("h5p/content/1/h5p.json"),
    "bucket": getattr(media, "bucket_name", None),
    "tasks": f"{type(task_backends['default']).__module__}.{type(task_backends['default']).__name__}",
    "img_src": [str(x) for x in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]],
    "admin_img_src": [str(x) for x in settings.SANGKAT_ADMIN_CSP["img-src"]],
}))
"""


def probe(**env) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k not in {"TASKS_BACKEND", "DEBUG"}}
    clean["DJANGO_SETTINGS_MODULE"] = "cms.settings"
    clean.update(env)
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_media_goes_to_an_s3_compatible_bucket_when_one_is_configured():
    found = probe(
        **PRODUCTION,
        AWS_STORAGE_BUCKET_NAME="sangkat-media",
        AWS_S3_ENDPOINT_URL="https://s3.example.org",
        AWS_S3_REGION_NAME="ap-southeast-1",
        AWS_ACCESS_KEY_ID="test-key",
        AWS_SECRET_ACCESS_KEY="test-secret",
    )
    assert found["storage"] == "storages.backends.s3.S3Storage"
    assert found["bucket"] == "sangkat-media"
    # Signed, expiring links to the bucket, under the media/ prefix (computed locally, no request).
    assert found["url"].startswith("https://s3.example.org/sangkat-media/media/h5p/content/1/h5p.json?")
    assert "Signature=" in found["url"] or "X-Amz-Signature=" in found["url"]
    # Pages may show pictures from there (the Content-Security-Policy names the bucket's host).
    assert "https://s3.example.org" in found["img_src"]


def test_the_admin_shows_pictures_from_a_bucket_inside_the_citys_network_too():
    found = probe(**PRODUCTION, AWS_STORAGE_BUCKET_NAME="sangkat-media", AWS_S3_ENDPOINT_URL="http://minio.internal:9000",
                  AWS_ACCESS_KEY_ID="test-key", AWS_SECRET_ACCESS_KEY="test-secret")
    assert found["url"].startswith("http://minio.internal:9000/sangkat-media/")
    assert "http://minio.internal:9000" in found["img_src"]
    assert "http://minio.internal:9000" in found["admin_img_src"]


@pytest.mark.parametrize(("bucket_env", "origin"), [
    ({"AWS_S3_CUSTOM_DOMAIN": "media.sangkat.example.org"}, "https://media.sangkat.example.org"),
    ({"AWS_S3_REGION_NAME": "ap-southeast-1"}, "https://sangkat-media.s3.amazonaws.com"),
])
def test_pages_may_show_pictures_from_the_bucket_wherever_it_serves_them(bucket_env, origin):
    found = probe(**PRODUCTION, AWS_STORAGE_BUCKET_NAME="sangkat-media", AWS_ACCESS_KEY_ID="test-key",
                  AWS_SECRET_ACCESS_KEY="test-secret", **bucket_env)
    assert found["url"].startswith(origin + "/")
    assert origin in found["img_src"]


def test_without_a_bucket_pictures_come_only_from_here_and_the_map_tiles(production):
    assert not any("amazonaws" in source or "s3." in source for source in production["img_src"])


@pytest.fixture(scope="module")
def production():
    return probe(**PRODUCTION)


def test_media_stays_on_local_disk_without_a_bucket(production):
    found = production
    assert found["storage"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert found["url"] == "/media/h5p/content/1/h5p.json"


def test_production_queues_background_work_in_the_database_for_the_worker(production):
    assert production["tasks"] == "django_tasks_db.backend.DatabaseBackend"


def test_development_runs_background_work_at_once_unless_told_otherwise():
    assert probe(DEBUG="1")["tasks"] == "django_tasks.backends.immediate.ImmediateBackend"
    chosen = probe(DEBUG="1", TASKS_BACKEND="django_tasks_db.DatabaseBackend")
    assert chosen["tasks"] == "django_tasks_db.backend.DatabaseBackend"
