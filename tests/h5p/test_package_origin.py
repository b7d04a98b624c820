"""H5P_PACKAGE_ORIGIN: each package on an origin of its own. Its host answers only with that
package's player, files and our worker; the main site never answers there; a package origin that
is the same site as the main one is refused; package files are never served as workers."""

import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from wagtail.models import PageViewRestriction

from cms import package_origin
from courses.h5p.checks import package_origin_check
from courses.h5p.models import H5PLibrary
from courses.h5p.packaging import demo_package
from courses.h5p.services import install_package
from tests.h5p.conftest import BLOCK_ID, good_package, lesson_with_activity

pytestmark = pytest.mark.django_db

TEMPLATE = "http://p{package}.h5p.localhost:8000"


@pytest.fixture
def own_origins(settings):
    settings.H5P_PACKAGE_ORIGIN = TEMPLATE
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, ".h5p.localhost"]
    return settings


@pytest.fixture
def package(media):
    return install_package(source=io.BytesIO(good_package()))


@pytest.fixture
def other_package(media):
    return install_package(source=io.BytesIO(demo_package("km")))


@pytest.fixture
def lesson(site, package):
    return lesson_with_activity(site, package)


def host(package) -> str:
    return f"p{package.pk}.h5p.localhost:8000"


def on(package_or_host, path: str, *, client=None, **headers):
    name = package_or_host if isinstance(package_or_host, str) else host(package_or_host)
    return (client or Client()).get(path, HTTP_HOST=name, headers=headers)


def frame_of(html: str) -> str:
    start = html.index('<iframe class="h5p-frame"')
    return html[start:html.index("</iframe>", start)]


def attribute(tag: str, name: str) -> str:
    start = tag.index(f'{name}="') + len(name) + 2
    return tag[start:tag.index('"', start)].replace("&amp;", "&")


def player_path(learner_client, lesson) -> str:
    """The player's path and query as the lesson frames it at the package's origin."""
    src = urlsplit(attribute(frame_of(learner_client.get(lesson.url).content.decode()), "src"))
    return f"{src.path}?{src.query}"


# ---- the lesson ---------------------------------------------------------------------------------

def test_unset_the_lesson_keeps_the_opaque_sandbox(learner_client, lesson, package):
    response = learner_client.get(lesson.url)
    frame = frame_of(response.content.decode())
    assert 'sandbox="allow-scripts"' in frame and "data-origin" not in frame and "data-h5p-warm" not in frame
    assert "h5p.localhost" not in response["Content-Security-Policy"]
    # And no package host answers: it is not even an allowed host.
    assert on(package, f"/h5p/files/content/{package.pk}/h5p.json").status_code == 400


def test_the_lesson_frames_the_player_at_its_package_origin(own_origins, learner_client, lesson, package):
    response = learner_client.get(lesson.url)
    frame = frame_of(response.content.decode())
    assert 'sandbox="allow-scripts allow-same-origin"' in frame
    assert attribute(frame, "data-origin") == f"http://{host(package)}"
    src = urlsplit(attribute(frame, "src"))
    assert f"{src.scheme}://{src.netloc}" == f"http://{host(package)}"
    assert src.path == f"/h5p/play/{lesson.translation_key}/{BLOCK_ID}/"
    query = parse_qs(src.query)
    assert query["parent"] == ["http://testserver"] and query["lang"] == ["en"]
    warm = urlsplit(attribute(frame, "data-h5p-warm"))
    assert warm.netloc == host(package) and warm.path == f"/h5p/warm/{lesson.translation_key}/{BLOCK_ID}/"
    frame_src = [d for d in response["Content-Security-Policy"].split(";") if d.strip().startswith("frame-src")][0]
    assert "http://*.h5p.localhost:8000" in frame_src.split()
    script_src = [d for d in response["Content-Security-Policy"].split(";") if d.strip().startswith("script-src")][0]
    assert "h5p.localhost" not in script_src and "unsafe-inline" not in script_src and "blob:" not in script_src


# ---- the player on its own origin ----------------------------------------------------------------

def test_the_player_keeps_its_origin_and_only_the_lesson_frames_it(own_origins, learner_client, lesson, package):
    response = on(package, player_path(learner_client, lesson))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "sandbox allow-scripts allow-same-origin" in policy
    assert "frame-ancestors http://testserver" in policy and "script-src 'self'" in policy
    assert not response.cookies and "Set-Cookie" not in response
    html = response.content.decode()
    assert 'src="/h5p/static/h5p/player.js"' in html
    config = json.loads(html.split('<script id="h5p-config" type="application/json">')[1].split("</script>")[0])
    assert config["lessonOrigin"] == "http://testserver" and config["worker"] == "/h5p/sw.js"
    assert "csrf" not in html.lower() and "account" not in html


def test_the_session_of_the_site_means_nothing_on_a_package_host(own_origins, learner_client, lesson, package):
    PageViewRestriction.objects.create(page=lesson, restriction_type=PageViewRestriction.LOGIN)
    path = player_path(learner_client, lesson)
    bare = path.split("&grant=")[0]
    # The learner's own session cookie, sent to the package host, is not read there: no grant, no player.
    assert on(package, bare, client=learner_client).status_code == 403
    assert on(package, path, client=Client()).status_code == 200  # the lesson's signed grant


@pytest.mark.parametrize("grant", [
    "", "nonsense", signing.dumps({"l": "00000000-0000-0000-0000-000000000000", "b": BLOCK_ID}, salt="sangkat.h5p.package-grant"),
    signing.dumps({"l": "x", "b": BLOCK_ID}, salt="another salt"),
])
def test_a_restricted_lesson_needs_its_own_grant(own_origins, learner_client, lesson, package, grant):
    PageViewRestriction.objects.create(page=lesson, restriction_type=PageViewRestriction.LOGIN)
    path = player_path(learner_client, lesson).split("&grant=")[0]
    assert on(package, f"{path}&grant={grant}").status_code == 403


@pytest.mark.parametrize("parent", [
    "", "https://evil.example", "http://testserver/path", "http://testserver@evil.example",
    "http://p1.h5p.localhost:8000", "javascript:alert(1)", "http://*.testserver", "http://testserver:99999",
])
def test_only_an_origin_of_the_site_may_frame_the_player(own_origins, learner_client, lesson, package, parent):
    path = player_path(learner_client, lesson)
    query = parse_qs(urlsplit(path).query)
    query["parent"] = [parent]
    from urllib.parse import urlencode

    hostile = f"{urlsplit(path).path}?{urlencode(query, doseq=True)}"
    assert on(package, hostile).status_code == 404


def test_another_package_host_does_not_play_this_block(own_origins, learner_client, lesson, other_package):
    assert on(other_package, player_path(learner_client, lesson)).status_code == 404


def test_the_warm_up_page_lists_the_player_and_every_file_it_loads(own_origins, learner_client, lesson, package):
    path = player_path(learner_client, lesson).replace("/h5p/play/", "/h5p/warm/")
    response = on(package, path)
    assert response.status_code == 200
    html = response.content.decode()
    config = json.loads(html.split('<script id="h5p-warm" type="application/json">')[1].split("</script>")[0])
    files = config["files"]
    assert files[0].startswith(f"/h5p/play/{lesson.translation_key}/{BLOCK_ID}/?")
    assert f"/h5p/files/content/{package.pk}/h5p.json" in files
    assert f"/h5p/files/content/{package.pk}/content/content.json" in files
    assert "/h5p/files/libraries/Sangkat.Choice-1.0/choice.js" in files
    assert "/h5p/static/h5p-standalone/main.bundle.js" in files
    for url in files[1:]:  # every one of them answers on this host
        assert on(package, url).status_code == 200, url


# ---- routing on package hosts --------------------------------------------------------------------

def test_a_package_host_serves_its_own_files(own_origins, package):
    response = on(package, f"/h5p/files/content/{package.pk}/content/content.json",
                  **{"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Dest": "script"})
    assert response.status_code == 200  # its player's own code, on its own origin
    assert "Access-Control-Allow-Origin" not in response
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert on(package, "/h5p/files/libraries/Sangkat.Choice-1.0/choice.js").status_code == 200
    assert on(package, "/h5p/static/h5p/player.js").status_code == 200


def test_another_packages_files_are_not_found(own_origins, package, other_package):
    assert on(package, f"/h5p/files/content/{other_package.pk}/h5p.json").status_code == 404
    assert on(other_package, f"/h5p/files/content/{package.pk}/h5p.json").status_code == 404
    # A library the package does not play is not served at its origin (it still is at the site's).
    library = H5PLibrary.objects.get(machine_name="Sangkat.Choice")
    package.libraries.remove(library)
    other_package.libraries.remove(library)
    assert on(package, "/h5p/files/libraries/Sangkat.Choice-1.0/choice.js").status_code == 404


@pytest.mark.parametrize("path", [
    "/", "/en/", "/km/", "/admin/", "/sw.js", "/xapi/statements", "/health/", "/en/accounts/login/",
    "/static/cms/offline.js", "/static/h5p/player.js", "/media/x", "/h5p/user-data/{key}/{block}/",
    "/h5p/play/{key}/{block}", "/h5p/static/cms/site.css", "/h5p/static/h5p/../cms/offline.js",
    "/h5p/static/h5p-standalone/h5p.d.ts", "/h5p/static/h5p/%2e%2e/cms/offline.js", "/h5p/static/",
    "/h5p/files/content/{pk}/../../settings.py", "/h5p/files/content/{pk}/content/..%2F..%2Fx",
    "/h5p/files/content/{pk}/library.json", "/h5p/files/libraries/Sangkat.Choice-1.0/../../content/1/h5p.json",
    "/h5p/files/libraries/H5P.Nothing-1.0/x.js", "/h5p/warm/not-a-uuid/x/", "/h5p/sw.js/x", "/%00",
])
def test_nothing_else_answers_on_a_package_host(own_origins, client, lesson, package, path):
    response = on(package, path.format(key=lesson.translation_key, block=BLOCK_ID, pk=package.pk), client=client)
    assert response.status_code == 404
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies


@pytest.mark.parametrize("name", [
    "p0.h5p.localhost:8000", "px.h5p.localhost:8000", "h5p.localhost:8000", "www.h5p.localhost:8000",
    "p1.h5p.localhost:9999", "p1.p2.h5p.localhost:8000", "p01.h5p.localhost:8000",
])
def test_a_host_under_the_package_domain_that_names_no_package_is_not_found(own_origins, package, name):
    assert on(name.replace("p1.", f"p{package.pk}."), f"/h5p/files/content/{package.pk}/h5p.json").status_code == 404


def test_a_package_host_only_reads(own_origins, package):
    response = Client().post(f"/h5p/files/content/{package.pk}/h5p.json", HTTP_HOST=host(package))
    assert response.status_code == 405


# ---- workers -------------------------------------------------------------------------------------

@pytest.mark.parametrize("destination", ["worker", "sharedworker", "serviceworker"])
@pytest.mark.parametrize("site", ["same-origin", "same-site", "cross-site", "none"])
def test_package_files_are_never_served_as_a_worker(own_origins, package, destination, site):
    headers = {"Sec-Fetch-Site": site, "Sec-Fetch-Dest": destination}
    for path in (f"/h5p/files/content/{package.pk}/content/content.json", "/h5p/files/libraries/Sangkat.Choice-1.0/choice.js"):
        assert on(package, path, **headers).status_code == 403  # on its own origin
        assert Client().get(path, headers=headers).status_code == 403  # and on the site's
    assert on(package, "/h5p/static/h5p/player.js", **headers).status_code == 403


def test_our_worker_is_the_one_script_served_as_a_service_worker(own_origins, package):
    response = on(package, "/h5p/sw.js", **{"Sec-Fetch-Dest": "serviceworker", "Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/javascript")
    assert "sangkat-h5p" in response.content.decode()
    assert on(package, "/h5p/sw.js", **{"Sec-Fetch-Dest": "script"}).status_code == 404
    assert Client().get("/h5p/sw.js").status_code != 200  # not on the site's origin


# ---- the setting ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("template", "hosts"), [
    ("https://p{package}.h5p.sangkat.org", ["sangkat.org"]),
    ("https://p{package}.sangkat.org", ["www.sangkat.org"]),
    ("https://p{package}.h5p.sangkat.org", [".sangkat.org"]),
    ("https://p{package}.learn.sangkat.org.kh", ["sangkat.org.kh"]),
    ("https://p{package}.h5p.sangkat.co.uk", ["www.sangkat.co.uk"]),
])
def test_a_package_origin_on_the_main_site_is_refused(template, hosts):
    with pytest.raises(package_origin.BadPackageOrigin, match="same site"):
        package_origin.check(template, hosts)


@pytest.mark.parametrize(("template", "hosts"), [
    ("https://p{package}.h5p-sangkat.org", ["sangkat.org", "www.sangkat.org"]),
    ("https://p{package}.sangkat-activities.net", ["sangkat.org.kh"]),
    ("http://p{package}.h5p.localhost:8000", ["127.0.0.1", "localhost", "[::1]", "testserver"]),
])
def test_a_package_origin_on_another_site_is_accepted(template, hosts):
    origins = package_origin.check(template, hosts)
    assert origins.package_of(urlsplit(origins.origin(12)).netloc) == 12


@pytest.mark.parametrize("template", [
    "ftp://p{package}.h5p-x.org", "https://h5p-x.org", "https://x.p{package}.h5p-x.org", "https://{package}",
    "https://p{package}.h5p-x.org/path", "https://p{package}{package}.h5p-x.org", "https://p{package}.h5p_x.org",
    "https://user@p{package}.h5p-x.org", "https://p{package}.h5p-x.org:http",
])
def test_a_malformed_package_origin_is_refused(template):
    with pytest.raises(package_origin.BadPackageOrigin):
        package_origin.parse(template)


def test_the_system_check_refuses_a_same_site_package_origin(settings):
    settings.ALLOWED_HOSTS = ["sangkat.org", ".h5p.sangkat.org"]
    settings.H5P_PACKAGE_ORIGIN = "https://p{package}.h5p.sangkat.org"
    errors = package_origin_check()
    assert [error.id for error in errors] == ["h5p.E001"] and "same site" in errors[0].msg
    settings.H5P_PACKAGE_ORIGIN = "https://p{package}.h5p-sangkat.org"
    assert [error.id for error in package_origin_check()] == ["h5p.E003"]  # its hosts are not allowed
    settings.ALLOWED_HOSTS = ["sangkat.org", ".h5p-sangkat.org"]
    assert package_origin_check() == []


def test_the_facilitators_help_says_whether_h5p_plays_offline(client, facilitator, settings):
    client.force_login(facilitator)
    body = client.get(reverse("facilitate")).content.decode()
    assert "H5P activities still need a connection." in body
    settings.H5P_PACKAGE_ORIGIN = TEMPLATE
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, ".h5p.localhost"]
    body = client.get(reverse("facilitate")).content.decode()
    assert "quizzes and H5P activities then open on her phone without a connection" in body
