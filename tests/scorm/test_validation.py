"""A SCORM zip is checked completely before anything is stored; every refusal names the problem."""

import io
import os
import zipfile

import pytest

from courses.scorm.packaging import DEMO, manifest_12, manifest_2004
from courses.scorm.validation import PackageRejected, validate_package
from tests.scorm.conftest import package_12, package_2004, with_manifest


def rejected(data: bytes) -> str:
    with pytest.raises(PackageRejected) as caught:
        validate_package(io.BytesIO(data))
    return caught.value.message


def test_scorm_12_package_is_described():
    validated = validate_package(io.BytesIO(package_12()))
    assert validated.version == "1.2"
    assert validated.title == "Keeping your phone safe"
    assert validated.items == [{"identifier": "phone-safety", "title": "Keeping your phone safe",
                                "href": "phone-safety/index.html"}]
    assert validated.unsupported == []
    assert "shared/sco.js" in validated.files


def test_scorm_2004_lists_its_items_in_order():
    validated = validate_package(io.BytesIO(package_2004()))
    assert validated.version == "2004"
    assert [item["identifier"] for item in validated.items] == ["passwords", "photos"]


def test_sequencing_rules_are_said_at_upload():
    scos = DEMO["en"]["scorm2004"]["scos"]
    manifest = manifest_2004(title="T", scos=scos, sequencing=(
        '<imsss:sequencingRules><imsss:preConditionRule><imsss:ruleConditions>'
        '<imsss:ruleCondition condition="satisfied"/></imsss:ruleConditions>'
        '<imsss:ruleAction action="skip"/></imsss:preConditionRule></imsss:sequencingRules>'))
    validated = validate_package(io.BytesIO(with_manifest(manifest, base=package_2004())))
    assert any("sequencingRules" in note for note in validated.unsupported)


def test_external_entity_is_refused():
    manifest = ('<?xml version="1.0"?><!DOCTYPE manifest [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                '<manifest>&x;</manifest>')
    assert "DTD or entities" in rejected(with_manifest(manifest))


def test_entity_expansion_is_refused():
    manifest = ('<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">'
                '<!ENTITY c "&b;&b;&b;&b;&b;&b;">]><manifest>&c;</manifest>')
    assert "DTD or entities" in rejected(with_manifest(manifest))


def test_deep_manifest_is_refused():
    manifest = "<manifest>" + "<x>" * 100 + "</x>" * 100 + "</manifest>"
    assert "levels deep" in rejected(with_manifest(manifest))


def test_huge_manifest_is_refused():
    manifest = "<manifest><!--" + os.urandom(600 * 1024).hex() + "--></manifest>"
    assert "bigger than" in rejected(with_manifest(manifest))


def test_missing_launch_file_is_refused():
    message = rejected(with_manifest(
        manifest_12(title="T", scos=DEMO["en"]["scorm12"]["scos"]).replace(
            '<file href="phone-safety/index.html"/>', ""),
        drop=["phone-safety/index.html"]))
    assert "phone-safety/index.html" in message and "not in the package" in message


def test_listed_file_that_is_missing_is_refused():
    message = rejected(with_manifest(manifest_12(title="T", scos=DEMO["en"]["scorm12"]["scos"],
                                                 extra_resource_files=["media/intro.mp3"])))
    assert "media/intro.mp3" in message


@pytest.mark.parametrize("href", ["../outside.html", "https://evil.example/x.html", "/etc/passwd", "a/../../b.html"])
def test_resource_outside_the_package_is_refused(href):
    manifest = manifest_12(title="T", scos=DEMO["en"]["scorm12"]["scos"]).replace(
        'href="phone-safety/index.html">', f'href="{href}">')
    assert "outside the package" in rejected(with_manifest(manifest))


def test_not_scorm_is_refused():
    assert "imsmanifest.xml" in rejected(with_manifest(b"", drop=["imsmanifest.xml"]))
    assert "schemaversion" in rejected(with_manifest("<manifest><organizations/><resources/></manifest>"))
    assert "well-formed" in rejected(with_manifest("<manifest><unclosed></manifest>"))


def test_zip_defences_are_h5ps(settings):
    # The same checks as an H5P upload: here a path leaving the zip and a zip bomb.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../evil.html", "x")
    assert "outside the package" in rejected(buffer.getvalue())
    bomb = with_manifest(manifest_12(title="T", scos=DEMO["en"]["scorm12"]["scos"]),
                         add={"big.txt": b"\0" * (10 * 1024 * 1024)})
    assert "zip bomb" in rejected(bomb)
    assert "not a complete SCORM package" in rejected(b"not a zip")
