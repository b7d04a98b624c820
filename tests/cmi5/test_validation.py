"""A cmi5 upload is refused with a clear message, and nothing is stored, when cmi5.xml is hostile or wrong."""

import io

import pytest

from courses.cmi5.demo import DEMO, build, course_xml
from courses.cmi5.models import Cmi5Course
from courses.cmi5.services import install_package
from courses.cmi5.validation import PackageRejected, validate_package

pytestmark = pytest.mark.django_db


def refused(data: bytes, media) -> str:
    with pytest.raises(PackageRejected) as caught:
        install_package(source=io.BytesIO(data))
    assert not Cmi5Course.objects.exists()
    assert not [path for path in media.rglob("*") if path.is_file()]
    return caught.value.message


def test_the_demo_course_lists_its_au(media):
    validated = validate_package(io.BytesIO(build(xml=course_xml(title="Safe messages", language="en"))))
    assert validated.aus == [{
        "id": "https://sangkat.example/cmi5/safe-messages/au/1", "title": "Safe messages", "url": "au/index.html",
        "moveOn": "Completed", "masteryScore": 0.6, "launchMethod": "AnyWindow", "launchParameters": "",
    }]
    assert "cmi5.xml" in validated.files and "au/au.js" in validated.files


def test_external_entities_are_refused(media):
    xml = ('<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           '<courseStructure><course id="https://a.example/c"><title>&x;</title></course></courseStructure>')
    assert "DTD or entities" in refused(build(xml=xml), media)


def test_entity_expansion_is_refused(media):
    xml = ('<?xml version="1.0"?><!DOCTYPE c [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;">]>'
           '<courseStructure><course id="https://a.example/c"><title>&b;</title></course></courseStructure>')
    assert "DTD or entities" in refused(build(xml=xml), media)


def test_deep_nesting_is_refused(media):
    xml = course_xml(title="x", language="en", extra="<block>" * 40 + "</block>" * 40)
    assert "levels deep" in refused(build(xml=xml), media)


def test_a_missing_au_file_is_refused(media):
    message = refused(build(xml=course_xml(title="x", language="en"), with_au=False), media)
    assert "au/index.html" in message and "not in the package" in message


def test_an_au_on_another_site_is_refused(media):
    message = refused(build(xml=course_xml(title="x", language="en", au_url="https://evil.example/au.html")), media)
    assert "another site" in message and "evil.example" in message


def test_an_au_leaving_the_zip_is_refused(media):
    assert "outside the package" in refused(build(xml=course_xml(title="x", language="en", au_url="../x.html")), media)


def test_an_unknown_move_on_is_refused(media):
    message = refused(build(xml=course_xml(title="x", language="en", move_on="Whenever")), media)
    assert "Whenever" in message and "CompletedOrPassed" in message


def test_a_mastery_score_out_of_range_is_refused(media):
    assert "masteryScore" in refused(build(xml=course_xml(title="x", language="en", mastery='masteryScore="7"')), media)


def test_no_cmi5_xml_is_refused(media):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.html", "<p>hi</p>")
    assert "no cmi5.xml" in refused(buffer.getvalue(), media)


def test_khmer_demo_installs(media):
    from courses.cmi5.demo import demo_package

    course = install_package(source=io.BytesIO(demo_package("km")))
    assert course.is_ready and course.title == DEMO["km"]["title"]
    assert (media / course.storage_path / "au" / "index.html").exists()
