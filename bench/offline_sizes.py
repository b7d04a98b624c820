"""Issue 18, item 6: what the installable app adds to a first visit, and what a saved course weighs.

Both are sizes, not timings, so a test asserts them too (tests/cms/test_offline_app.py). They are
measured with Django's test client, the way cms/offline.js and the service worker fetch them:
- first visit: the service worker, the manifest, offline.js, the two offline pages the worker keeps
  at install and the icon a phone fetches to offer "Add to home screen", gzip-compressed as sent
  (GZipMiddleware for pages, whitenoise's .gz files for static files);
- saved course: the course page and its lessons as "Save for offline" fetches them, and each image,
  script and style sheet they name (H5P players excepted, see docs/decisions.md), uncompressed as
  the Cache Storage keeps them; with H5P_PACKAGE_ORIGIN, also what each H5P activity's warm-up page
  keeps at its package's origin (the player, its scripts, the package's and its libraries' files).
"""

import gzip
from html.parser import HTMLParser
from urllib.parse import urlsplit

FIRST_VISIT_BUDGET = 15 * 1024
SAVED_COURSE_BUDGET = 2 * 1024 * 1024


def _static_bytes(url: str) -> bytes:
    from django.conf import settings
    from django.contrib.staticfiles import finders
    from django.contrib.staticfiles.storage import staticfiles_storage

    name = url.removeprefix(settings.STATIC_URL).split("?")[0]
    if staticfiles_storage.exists(name):  # collected (hashed names with DEBUG off)
        with staticfiles_storage.open(name, "rb") as handle:
            return handle.read()
    path = finders.find(name)
    if path is None:
        raise FileNotFoundError(url)
    with open(path, "rb") as handle:
        return handle.read()


def _get(client, url: str, **headers) -> bytes:
    from django.conf import settings

    if url.startswith(settings.STATIC_URL):
        return _static_bytes(url)
    if url.startswith(settings.MEDIA_URL):  # served by the web server, or by Django when DEBUG is on
        from django.core.files.storage import default_storage

        with default_storage.open(url.removeprefix(settings.MEDIA_URL), "rb") as handle:
            return handle.read()
    response = client.get(url, **headers)
    if response.status_code != 200:
        raise AssertionError(f"{url}: {response.status_code}")
    return b"".join(response.streaming_content) if response.streaming else response.content


def _gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def first_visit_bytes(client) -> dict[str, int]:
    """Compressed bytes of each thing the app adds to a first visit."""
    from django.templatetags.static import static
    from django.urls import reverse

    from cms.offline import offline_pages

    urls = ["/sw.js", reverse("web_manifest"), static("cms/offline.js"), static("cms/icon-192.png"),
            *offline_pages().values()]
    sizes = {}
    for url in urls:
        data = _get(client, url)
        # PNG is compressed already: servers send it as it is.
        sizes[url] = len(data) if url.endswith(".png") else _gzipped(data)
    return sizes


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.warm: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("img", "script") and attrs.get("src"):
            self.urls.append(attrs["src"])
        elif tag == "link" and attrs.get("href") and attrs.get("rel") in ("stylesheet", "icon"):
            self.urls.append(attrs["href"])
        elif tag == "iframe" and attrs.get("data-h5p-warm"):
            self.warm.append(attrs["data-h5p-warm"])


def saved_course_bytes(client, course) -> int:
    """Bytes "Save for offline" keeps for `course`, fetched as the signed-in client."""
    pages = [course.url, *(lesson.url for lesson in course.get_children().live().specific())]
    seen: set[str] = set()
    total = 0
    for page in pages:
        html = _get(client, page, HTTP_X_SANGKAT_SAVE="1")
        total += len(html)
        parser = _Assets()
        parser.feed(html.decode())
        for url in parser.urls:
            path = urlsplit(url).path
            if url in seen or path.startswith("/h5p/") or urlsplit(url).netloc:
                continue
            seen.add(url)
            total += len(_get(client, url))
        for url in parser.warm:
            if url not in seen:
                seen.add(url)
                total += _warmed_bytes(client, url)
    return total


def _warmed_bytes(client, url: str) -> int:
    """Bytes an H5P activity's warm-up page keeps at its package's origin (courses/h5p/static/h5p/warm.js)."""
    import json

    parts = urlsplit(url)
    host = parts.netloc
    html = _get(client, f"{parts.path}?{parts.query}", HTTP_HOST=host).decode()
    opening = '<script id="h5p-warm" type="application/json">'
    start = html.index(opening) + len(opening)
    files = json.loads(html[start:html.index("</script>", start)])["files"]
    return sum(len(_get(client, file, HTTP_HOST=host)) for file in files)


def demo_course_sizes(client) -> dict[str, int]:
    """Each English demo course (seed_demo) saved for offline, in bytes."""
    from courses.models import CoursePage

    return {course.title: saved_course_bytes(client, course)
            for course in CoursePage.objects.live().filter(locale__language_code="en").order_by("path")}
