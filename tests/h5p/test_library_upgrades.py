"""One editor cannot change another editor's activities (issue 15, item 2: trust boundaries).

Libraries are shared: an upload that brings a newer patch of one only stores it aside. Switching
every activity to it is an explicit act of someone who may manage libraries, shown first (which
activities change), then audited.
"""

import io
import json
import zipfile

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cms.models import AuditAction, AuditEntry
from courses.h5p import services
from courses.h5p.models import H5PLibrary, H5PLibraryUpgrade, H5PPackage
from tests.factories import UserFactory
from tests.h5p.conftest import good_package, rebuild, stored_files

pytestmark = pytest.mark.django_db

ADD = "wagtailsnippets_h5p_h5ppackage:add"
LIB = "Sangkat.Choice-1.0"
ORIGINAL_JS = "h5p/libraries/Sangkat.Choice-1.0.0/choice.js"


def newer_patch(patch: int = 1, *, code: bytes = b"/* editor B's code */", **overrides) -> bytes:
    """The demo package with a newer patch of Sangkat.Choice whose script is different."""
    package = good_package(**overrides)
    library = json.loads(zipfile.ZipFile(io.BytesIO(package)).read(f"{LIB}/library.json"))
    library["patchVersion"] = patch
    return rebuild(package, replace={f"{LIB}/library.json": json.dumps(library).encode(), f"{LIB}/choice.js": code})


def _group(name: str, *codenames: str) -> Group:
    group, _created = Group.objects.get_or_create(name=name)
    group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    for codename in codenames:
        group.permissions.add(Permission.objects.get(content_type__app_label="h5p", codename=codename))
    return group


def _client(django_client_class, user):
    client = django_client_class()
    client.force_login(user)
    return client


@pytest.fixture
def people(client):
    """Two editors who may add H5P activities (not superusers), and a library manager."""
    editors = _group("h5p-editors", "add_h5ppackage", "change_h5ppackage", "view_h5ppackage")
    managers = _group("h5p-library-managers", "upgrade_h5plibrary")
    amara, bopha, manager = (UserFactory(username=name, is_staff=True) for name in ("amara", "bopha", "libby"))
    amara.groups.add(editors)
    bopha.groups.add(editors)
    manager.groups.add(managers)
    client_class = type(client)
    return {name: (user, _client(client_class, user)) for name, user in
            (("amara", amara), ("bopha", bopha), ("manager", manager))}


def upload(people, who: str, data: bytes, capture) -> H5PPackage:
    user, client = people[who]
    with capture(execute=True):
        response = client.post(reverse(ADD), {
            "title": "", "package_url": "",
            "package_file": SimpleUploadedFile("activity.h5p", data, content_type="application/zip"),
        })
    assert response.status_code == 302, response.content.decode()[:2000]
    return H5PPackage.objects.filter(uploaded_by=user).latest("pk")


def refused(response) -> bool:
    """Wagtail's admin answers PermissionDenied with a redirect to its dashboard and a message."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home"))


def served_library_code(client) -> bytes:
    response = client.get(reverse("h5p_file_library", kwargs={"folder": LIB, "path": "choice.js"}))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.fixture
def two_activities(people, media, django_capture_on_commit_callbacks):
    """Amara's activity with Sangkat.Choice 1.0.0, then Bopha's bringing 1.0.1 with other code."""
    first = upload(people, "amara", good_package(title="Amara's quiz"), django_capture_on_commit_callbacks)
    original = served_library_code(people["amara"][1])
    second = upload(people, "bopha", newer_patch(title="Bopha's quiz"), django_capture_on_commit_callbacks)
    return first, second, original


def test_an_upload_with_a_newer_patch_does_not_change_another_editors_activity(people, two_activities, media):
    amara_package, bopha_package, original = two_activities
    library = H5PLibrary.objects.get()
    assert (library.version, library.storage_path) == ("1.0.0", "h5p/libraries/Sangkat.Choice-1.0.0")
    assert served_library_code(people["amara"][1]) == original != b"/* editor B's code */"
    assert ORIGINAL_JS in stored_files(media)
    # Bopha's activity is installed and plays the installed version too; hers waits aside.
    assert bopha_package.status == H5PPackage.Status.READY
    assert list(bopha_package.libraries.all()) == list(amara_package.libraries.all()) == [library]
    waiting = H5PLibraryUpgrade.objects.get()
    assert (waiting.library, waiting.version, waiting.offered_by, waiting.offered_with) == (
        library, "1.0.1", people["bopha"][0], bopha_package)
    assert "h5p/libraries/Sangkat.Choice-1.0.1/choice.js" in stored_files(media)
    assert not AuditEntry.objects.filter(action=AuditAction.H5P_LIBRARY_UPGRADE).exists()


def test_the_editor_is_told_her_newer_version_waits(people, two_activities):
    _amara, bopha_package, _original = two_activities
    edit = reverse("wagtailsnippets_h5p_h5ppackage:edit", args=[bopha_package.pk])
    html = people["bopha"][1].get(edit).content.decode()
    assert "This activity brought version 1.0.1 of Sangkat.Choice" in html
    assert "plays the installed version 1.0.0" in html


def test_the_same_newer_patch_twice_waits_once(people, two_activities, django_capture_on_commit_callbacks):
    upload(people, "bopha", newer_patch(title="Again"), django_capture_on_commit_callbacks)
    assert H5PLibraryUpgrade.objects.count() == 1
    assert H5PLibrary.objects.get().version == "1.0.0"


def test_an_editor_cannot_see_or_apply_an_upgrade(people, two_activities):
    waiting = H5PLibraryUpgrade.objects.get()
    _bopha, client = people["bopha"]
    assert refused(client.get(reverse("h5p_libraries")))
    url = reverse("h5p_library_upgrade", args=[waiting.pk])
    assert refused(client.get(url))
    assert refused(client.post(url, {"action": "upgrade"}))
    assert refused(client.post(url, {"action": "discard"}))
    assert H5PLibrary.objects.get().version == "1.0.0" and H5PLibraryUpgrade.objects.count() == 1
    assert "H5P libraries" not in client.get(reverse("wagtailadmin_home")).content.decode()
    with pytest.raises(PermissionDenied):
        services.upgrade_library(actor=people["bopha"][0], upgrade_id=waiting.pk)


def test_a_library_manager_sees_which_activities_change_then_upgrades(
    people, two_activities, media, django_capture_on_commit_callbacks,
):
    amara_package, bopha_package, original = two_activities
    waiting = H5PLibraryUpgrade.objects.get()
    manager, client = people["manager"]
    assert "H5P libraries" in client.get(reverse("wagtailadmin_home")).content.decode()
    listing = client.get(reverse("h5p_libraries")).content.decode()
    assert reverse("h5p_library_upgrade", args=[waiting.pk]) in listing and "1.0.0" in listing

    url = reverse("h5p_library_upgrade", args=[waiting.pk])
    page = client.get(url).content.decode()
    assert "from version 1.0.0 to 1.0.1" in page
    assert "These 2 activities will play the new code" in page
    for text in ("Amara&#x27;s quiz", "Bopha&#x27;s quiz", "amara", "bopha"):
        assert text in page
    assert H5PLibrary.objects.get().version == "1.0.0"  # looking changes nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "upgrade"})
    assert response.status_code == 302 and response["Location"] == reverse("h5p_libraries")
    library = H5PLibrary.objects.get()
    assert (library.version, library.storage_path) == ("1.0.1", "h5p/libraries/Sangkat.Choice-1.0.1")
    assert served_library_code(people["amara"][1]) == b"/* editor B's code */"
    assert H5PLibraryUpgrade.objects.count() == 0
    assert not any(name.startswith("h5p/libraries/Sangkat.Choice-1.0.0/") for name in stored_files(media))
    entry = AuditEntry.objects.get(action=AuditAction.H5P_LIBRARY_UPGRADE)
    assert entry.actor == manager
    assert entry.details == {
        "library": LIB, "from_version": "1.0.0", "to_version": "1.0.1",
        "packages": [amara_package.pk, bopha_package.pk],
        "brought_with": bopha_package.pk, "brought_by": people["bopha"][0].pk,
    }


def test_a_library_manager_can_discard_a_waiting_version(people, two_activities, media, django_capture_on_commit_callbacks):
    waiting = H5PLibraryUpgrade.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = people["manager"][1].post(reverse("h5p_library_upgrade", args=[waiting.pk]), {"action": "discard"})
    assert response.status_code == 302
    assert H5PLibrary.objects.get().version == "1.0.0" and H5PLibraryUpgrade.objects.count() == 0
    assert not any(name.startswith("h5p/libraries/Sangkat.Choice-1.0.1/") for name in stored_files(media))
    assert ORIGINAL_JS in stored_files(media)


def test_a_missing_or_malformed_upgrade_id_is_404(people, two_activities):
    client = people["manager"][1]  # (a 404 under /admin/ is first sent to /en/admin/...: followed)
    missing = reverse("h5p_library_upgrade", args=[999999])
    assert client.get(missing, follow=True).status_code == 404
    assert client.post(missing, {"action": "upgrade"}, follow=True).status_code == 404
    assert client.get("/admin/h5p/libraries/upgrades/abc/", follow=True).status_code == 404
    assert client.get("/admin/h5p/libraries/upgrades/1%00/", follow=True).status_code == 404
    assert H5PLibrary.objects.get().version == "1.0.0"


def test_the_newest_waiting_patch_supersedes_older_ones(people, two_activities, media, django_capture_on_commit_callbacks):
    upload(people, "bopha", newer_patch(3, code=b"/* patch 3 */", title="Third"), django_capture_on_commit_callbacks)
    assert sorted(H5PLibraryUpgrade.objects.values_list("patch_version", flat=True)) == [1, 3]
    newest = H5PLibraryUpgrade.objects.get(patch_version=3)
    with django_capture_on_commit_callbacks(execute=True):
        services.upgrade_library(actor=people["manager"][0], upgrade_id=newest.pk)
    assert H5PLibrary.objects.get().version == "1.0.3"
    assert H5PLibraryUpgrade.objects.count() == 0
    libraries = {name.split("/")[2] for name in stored_files(media) if name.startswith("h5p/libraries/")}
    assert libraries == {"Sangkat.Choice-1.0.3"}
    # An older patch brought afterwards is not offered again.
    upload(people, "amara", newer_patch(2, title="Old one"), django_capture_on_commit_callbacks)
    assert H5PLibraryUpgrade.objects.count() == 0


def test_a_superuser_upload_does_not_upgrade_either(media, django_capture_on_commit_callbacks):
    admin = UserFactory(is_superuser=True, is_staff=True)
    services.install_package(source=io.BytesIO(good_package()), uploaded_by=admin)
    services.install_package(source=io.BytesIO(newer_patch()), uploaded_by=admin)
    assert H5PLibrary.objects.get().version == "1.0.0"
    assert H5PLibraryUpgrade.objects.get().offered_by == admin
