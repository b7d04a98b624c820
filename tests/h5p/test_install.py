"""Installing packages: files through the storage API, libraries stored once, clean failures."""

import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage

from courses.h5p import services
from courses.h5p.models import H5PLibrary, H5PLibraryUpgrade, H5PPackage
from courses.h5p.validation import PackageRejected
from tests.h5p.conftest import good_package, rebuild, stored_files, zip_of

pytestmark = pytest.mark.django_db


def test_install_writes_content_and_library(media):
    package = services.install_package(source=io.BytesIO(good_package()))
    assert package.title == "Strong passwords"
    assert package.main_library == "Sangkat.Choice 1.0"
    assert package.storage_path == f"h5p/content/{package.pk}"
    files = stored_files(media)
    assert f"h5p/content/{package.pk}/h5p.json" in files
    assert f"h5p/content/{package.pk}/content/content.json" in files
    assert "h5p/libraries/Sangkat.Choice-1.0.0/choice.js" in files
    assert [str(library) for library in package.libraries.all()] == ["Sangkat.Choice-1.0"]
    content = json.loads(default_storage.open(f"h5p/content/{package.pk}/content/content.json").read())
    assert content["question"] == "Which is strongest?"


def test_shared_library_is_stored_once(media):
    first = services.install_package(source=io.BytesIO(good_package()))
    second = services.install_package(source=io.BytesIO(good_package(title="Another")))
    assert H5PLibrary.objects.count() == 1
    assert list(first.libraries.all()) == list(second.libraries.all())
    library_files = [name for name in stored_files(media) if name.startswith("h5p/libraries/")]
    assert len(library_files) == 4  # library.json, choice.js, choice.css, semantics.json: once


def test_package_without_its_library_uses_the_installed_one(media):
    services.install_package(source=io.BytesIO(good_package()))
    lib = "Sangkat.Choice-1.0"
    bare = rebuild(good_package(), drop={f"{lib}/library.json", f"{lib}/choice.js", f"{lib}/choice.css", f"{lib}/semantics.json"})
    package = services.install_package(source=io.BytesIO(bare))
    assert [str(library) for library in package.libraries.all()] == ["Sangkat.Choice-1.0"]


def test_export_layout_with_several_libraries(media):
    """A Lumi/h5p.org export: libraries at the zip root as H5P.Foo-1.2/, depending on each other."""
    source = zipfile.ZipFile(io.BytesIO(good_package()))
    files = {info.filename: source.read(info.filename) for info in source.infolist()}
    library = json.loads(files["Sangkat.Choice-1.0/library.json"])
    library["preloadedDependencies"] = [{"machineName": "H5P.JoubelUI", "majorVersion": 1, "minorVersion": 3}]
    files["Sangkat.Choice-1.0/library.json"] = json.dumps(library).encode()
    files["H5P.JoubelUI-1.3/library.json"] = json.dumps({
        "title": "Joubel UI", "machineName": "H5P.JoubelUI", "majorVersion": 1, "minorVersion": 3,
        "patchVersion": 9, "runnable": 0, "preloadedJs": [{"path": "js/joubel-ui.js"}],
        "preloadedCss": [{"path": "css/joubel-ui.css"}],
    }).encode()
    files["H5P.JoubelUI-1.3/js/joubel-ui.js"] = b"H5P.JoubelUI = {};"
    files["H5P.JoubelUI-1.3/css/joubel-ui.css"] = b".h5p-joubelui-button{}"
    files["H5P.JoubelUI-1.3/fonts/icons.woff2"] = b"wOF2"
    files["__MACOSX/._h5p.json"] = b"resource fork"
    package = services.install_package(source=io.BytesIO(zip_of(files)))
    assert sorted(str(library) for library in package.libraries.all()) == ["H5P.JoubelUI-1.3", "Sangkat.Choice-1.0"]
    assert "h5p/libraries/H5P.JoubelUI-1.3.9/fonts/icons.woff2" in stored_files(media)
    assert not any("MACOSX" in name for name in stored_files(media))


def test_a_newer_patch_is_stored_aside_and_not_used(media, django_capture_on_commit_callbacks):
    """Other packages keep their code: only services.upgrade_library switches (test_library_upgrades)."""
    with django_capture_on_commit_callbacks(execute=True):
        first = services.install_package(source=io.BytesIO(good_package()))
    source = zipfile.ZipFile(io.BytesIO(good_package()))
    library = json.loads(source.read("Sangkat.Choice-1.0/library.json"))
    library["patchVersion"] = 3
    newer = rebuild(good_package(), replace={"Sangkat.Choice-1.0/library.json": json.dumps(library).encode()})
    with django_capture_on_commit_callbacks(execute=True):
        second = services.install_package(source=io.BytesIO(newer))
    stored = H5PLibrary.objects.get()
    assert (stored.patch_version, stored.storage_path) == (0, "h5p/libraries/Sangkat.Choice-1.0.0")
    assert list(first.libraries.all()) == list(second.libraries.all()) == [stored]
    waiting = H5PLibraryUpgrade.objects.get()
    assert (waiting.library, waiting.patch_version, waiting.offered_with) == (stored, 3, second)
    names = stored_files(media)
    assert "h5p/libraries/Sangkat.Choice-1.0.0/choice.js" in names
    assert "h5p/libraries/Sangkat.Choice-1.0.3/choice.js" in names


def test_a_failure_while_writing_removes_every_file(media, monkeypatch):
    original = services._Writer.copy
    calls = {"n": 0}

    def failing_copy(self, zip_name, target):
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError("disk full")
        return original(self, zip_name, target)

    monkeypatch.setattr(services._Writer, "copy", failing_copy)
    with pytest.raises(OSError):
        services.install_package(source=io.BytesIO(good_package()))
    assert calls["n"] == 5
    assert stored_files(media) == []
    assert H5PPackage.objects.count() == 0 and H5PLibrary.objects.count() == 0


def test_rejected_package_leaves_installed_ones_alone(media):
    services.install_package(source=io.BytesIO(good_package()))
    before = stored_files(media)
    with pytest.raises(PackageRejected):
        services.install_package(source=io.BytesIO(rebuild(good_package(), drop={"content/content.json"})))
    assert stored_files(media) == before
    assert H5PPackage.objects.count() == 1


def test_deleting_a_package_removes_its_content_but_not_shared_libraries(media, django_capture_on_commit_callbacks):
    package = services.install_package(source=io.BytesIO(good_package()))
    with django_capture_on_commit_callbacks(execute=True):
        package.delete()
    names = stored_files(media)
    assert not any(name.startswith("h5p/content/") for name in names)
    assert "h5p/libraries/Sangkat.Choice-1.0.0/choice.js" in names
