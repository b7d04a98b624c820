"""Routes and lesson lists are remembered per process (cms.structure) but never outlive a change:
an edit, a new or unpublished lesson shows at once, here and (through the shared generation) in
every other process; nothing personal is remembered."""

import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms import structure
from courses.models import LessonPage
from tests.factories import text_block

pytestmark = pytest.mark.django_db


def test_a_second_view_of_a_lesson_reads_no_page_rows(learner_client, site):
    lesson = site["lessons"][1]
    assert learner_client.get(lesson.url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert learner_client.get(lesson.url).status_code == 200
    reads = [q["sql"] for q in queries if "wagtailcore_page" in q["sql"]]
    # Neither the page nor its view restrictions (kept with it: a change to them starts a new generation).
    assert reads == []


def test_an_edited_lesson_shows_its_new_text_at_once(learner_client, site):
    lesson = site["lessons"][0]
    assert "Lesson 1 text." in learner_client.get(lesson.url).content.decode()
    lesson.body = json.dumps([text_block("Rewritten by the editor.")])
    lesson.save_revision().publish()
    page = learner_client.get(lesson.url).content.decode()
    assert "Rewritten by the editor." in page and "Lesson 1 text." not in page


def test_a_new_lesson_joins_the_outline_and_an_unpublished_one_leaves_it_at_once(client, learner_client, site):
    course, first = site["course"], site["lessons"][-1]  # the new lesson comes next
    assert "Phone banking" not in client.get(course.url).content.decode()
    assert "Phone banking" not in learner_client.get(first.url).content.decode()
    extra = LessonPage(title="Phone banking", slug="phone-banking", body=json.dumps([text_block("Banks.")]))
    course.add_child(instance=extra)
    extra.save_revision().publish()
    assert "Phone banking" in client.get(course.url).content.decode()
    assert "Phone banking" in learner_client.get(first.url).content.decode()
    extra.unpublish()
    assert learner_client.get("/en/courses/" + course.slug + "/phone-banking/").status_code == 404
    assert "Phone banking" not in client.get(course.url).content.decode()


def test_a_change_made_by_another_process_is_seen_through_the_shared_generation(learner_client, site):
    lesson = site["lessons"][2]
    assert learner_client.get(lesson.url).status_code == 200
    # Another process renames it: its rows change without a signal here, it writes a new generation.
    LessonPage.objects.filter(pk=lesson.pk).update(title="Renamed elsewhere")
    assert "Renamed elsewhere" not in learner_client.get(lesson.url).content.decode()  # remembered here
    cache.set(structure.KEY, "another-process")
    assert "Renamed elsewhere" in learner_client.get(lesson.url).content.decode()


def test_progress_is_never_remembered(client, learner, site):
    from courses.services import complete_lesson

    client.force_login(learner)
    assert client.get(site["course"].url).content.decode().count("✓ Done") == 0
    complete_lesson(user=learner, lesson=site["lessons"][0].specific)
    assert client.get(site["course"].url).content.decode().count("✓ Done") == 1


def test_a_lesson_made_private_is_private_at_once_and_public_again_at_once(learner_client, site):
    from django.test import Client
    from wagtail.models import PageViewRestriction

    client = Client()  # anonymous (learner_client is the `client` fixture, signed in)
    lesson = site["lessons"][0]
    assert client.get(lesson.url).status_code == 200
    assert learner_client.get(lesson.url).status_code == 200
    restriction = PageViewRestriction.objects.create(page=site["course"], restriction_type=PageViewRestriction.LOGIN)
    assert client.get(lesson.url).status_code == 302  # to the login page
    assert learner_client.get(lesson.url).status_code == 200
    restriction.delete()
    assert client.get(lesson.url).status_code == 200


def test_a_change_to_a_restrictions_groups_applies_at_once(learner, learner_client, site):
    from django.contrib.auth.models import Group
    from wagtail.models import PageViewRestriction

    lesson = site["lessons"][0]
    staff_only, _ = Group.objects.get_or_create(name="staff-only")
    restriction = PageViewRestriction.objects.create(page=lesson, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(staff_only)
    assert learner_client.get(lesson.url).status_code != 200
    learners_too, _ = Group.objects.get_or_create(name="learners-too")
    learner.groups.add(learners_too)
    assert learner_client.get(lesson.url).status_code != 200
    restriction.groups.add(learners_too)
    assert learner_client.get(lesson.url).status_code == 200
    restriction.groups.remove(learners_too)
    assert learner_client.get(lesson.url).status_code != 200


def test_a_restriction_made_in_another_process_is_seen_through_the_shared_generation(client, site):
    from wagtail.models import PageViewRestriction

    lesson = site["lessons"][0]
    assert client.get(lesson.url).status_code == 200
    PageViewRestriction.objects.bulk_create([  # no signal here: as if another process made it
        PageViewRestriction(page=lesson, restriction_type=PageViewRestriction.LOGIN)])
    assert client.get(lesson.url).status_code == 200  # remembered here
    cache.set(structure.KEY, "another-process")  # what that process's signal wrote
    assert client.get(lesson.url).status_code == 302


def test_a_signed_in_page_reads_the_generation_with_her_roles(cache_gets, learner_client, site):
    """One cache round trip less per signed-in page: the generation comes in the roles' get_many."""
    lesson = site["lessons"][1]
    assert learner_client.get(lesson.url).status_code == 200
    asked = cache_gets(structure)
    assert learner_client.get(lesson.url).status_code == 200
    assert structure.KEY not in asked
    learner_client.logout()
    assert learner_client.get(lesson.url).status_code in (200, 302)
    assert structure.KEY in asked  # without a signed-in person, read on its own as before
