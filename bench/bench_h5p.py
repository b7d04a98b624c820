"""Issue 3: time to validate, and to validate and install, a 20 MB H5P package (mostly media)."""

import io
import os
import statistics
import tempfile
import time
import zipfile

from bench.common import Row, django_setup

RUNS = 5
MEDIA_FILES = 20
MEDIA_BYTES = 1024 * 1024  # 20 × 1 MiB of incompressible "video"
TARGET_SECONDS = 3.0


def _package() -> bytes:
    from courses.h5p.packaging import demo_package

    buffer = io.BytesIO(demo_package("en"))
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        for number in range(MEDIA_FILES):
            archive.writestr(f"content/videos/clip-{number}.mp4", os.urandom(MEDIA_BYTES))
    return buffer.getvalue()


def run() -> list[Row]:
    django_setup()
    from django.test import override_settings

    from courses.h5p.services import install_package
    from courses.h5p.validation import validate_package

    data = _package()
    validate_times, install_times = [], []
    with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
        for _ in range(RUNS):
            started = time.perf_counter()
            validate_package(io.BytesIO(data))
            validate_times.append(time.perf_counter() - started)
        for _ in range(RUNS):
            started = time.perf_counter()
            package = install_package(source=io.BytesIO(data))
            install_times.append(time.perf_counter() - started)
            package.delete()
    size = f"{len(data) / 1024 / 1024:.0f} MB"
    validate, install = statistics.median(validate_times), statistics.median(install_times)
    return [
        Row("h5p", f"validate a {size} package (median of {RUNS})", f"{validate:.2f} s"),
        Row("h5p", f"validate + install a {size} package (median of {RUNS})", f"{install:.2f} s",
            f"< {TARGET_SECONDS:.0f} s", install < TARGET_SECONDS),
    ]
