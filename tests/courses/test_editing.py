"""Innovation Unit staff build the curriculum in Wagtail's admin; learners cannot get in."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_staff_open_the_lesson_editor_with_the_quiz_block(client, site):
    staff = UserFactory(roles=["innovation-unit"])
    client.force_login(staff)
    course = site["course"]
    response = client.get(f"/admin/pages/add/courses/lessonpage/{course.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Quiz" in body and "Callout" in body
    edit = client.get(f"/admin/pages/{site['lessons'][1].pk}/edit/")
    assert edit.status_code == 200


def test_staff_see_the_centers_in_the_admin(client, center):
    staff = UserFactory(roles=["innovation-unit"])
    client.force_login(staff)
    assert center.name in client.get("/admin/snippets/labs/center/").content.decode()


def test_learners_and_facilitators_cannot_open_the_admin(client, site, learner, facilitator):
    for person in (learner, facilitator):
        client.force_login(person)
        response = client.get("/admin/")
        assert response.status_code in (302, 403)
        assert client.get(f"/admin/pages/{site['course'].pk}/edit/").status_code in (302, 403)


def test_the_admin_menu_links_each_role_to_its_city_pages(client, staff, moderator):
    from django.urls import reverse

    client.force_login(staff)
    menu = client.get("/admin/").content.decode()
    assert reverse("participation:desk") in menu and "City desk: calls and proposals" in menu
    assert reverse("centers_dashboard") in menu
    assert reverse("participation:moderation") not in menu  # staff are not moderators by role

    client.force_login(moderator)
    menu = client.get("/admin/").content.decode()
    assert reverse("participation:moderation") in menu
    assert reverse("participation:desk") not in menu and reverse("centers_dashboard") not in menu
    assert client.get(reverse("participation:moderation")).status_code == 200
