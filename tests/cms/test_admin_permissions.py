"""Issue 16, joint 3: each staff role reaches in Wagtail's admin what its work needs, and no more.

Every test logs in as the role itself (no superuser) and reads the admin as she would.
"""

import json

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from cms.roles import AMBASSADOR, FACILITATOR, INNOVATION_UNIT, LEARNER, MODERATOR
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The listings the README sends Innovation Unit staff to.
STAFF_LISTINGS = {
    "H5P activities": "/admin/snippets/h5p/h5ppackage/",
    "SCORM packages": "/admin/snippets/scorm/scormpackage/",
    "cmi5 courses": "/admin/snippets/cmi5/cmi5course/",
    "Centers": "/admin/snippets/labs/center/",
    "Sessions": "/admin/snippets/labs/session/",
    "Ambassador track settings": "/admin/snippets/ambassadors/tracksettings/",
    "Required courses": "/admin/snippets/ambassadors/requiredcourse/",
    "Ambassador applications": "/admin/snippets/ambassadors/application/",
    "Certifications": "/admin/snippets/ambassadors/certification/",
    "Points rules": "/admin/snippets/games/rule/",
    "Levels": "/admin/snippets/games/gamelevel/",
    "Badges": "/admin/snippets/games/badgedefinition/",
    "Badges given": "/admin/snippets/games/badgeaward/",
    "Block by Block sites": "/admin/snippets/minecraft/site/",
    "Block categories": "/admin/snippets/minecraft/blockcategory/",
    "Snippets": "/admin/snippets/",
    "Learning record clients": "/admin/snippets/xapi/lrsclient/",
    "Users": "/admin/users/",
    "Audit log": "/admin/audit_log/",
}
# What the sidebar of the admin shows her (menu labels).
STAFF_MENU = ["H5P activities", "SCORM packages", "cmi5 courses", "Sessions", "Centers", "Ambassadors", "Points and badges", "Block by Block",
              "Snippets", "Users", "Audit log"]


def _as(client, *roles):
    user = UserFactory()
    user.groups.add(*Group.objects.filter(name__in=roles))
    client.force_login(user)
    return user


def _menu_labels(client) -> set[str]:
    page = client.get("/admin/")
    assert page.status_code == 200
    html = page.content.decode()
    start = html.index('id="wagtail-sidebar-props"')
    props = json.loads(html[html.index(">", start) + 1:html.index("</script>", start)])
    labels = set()

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("label"), str):
                labels.add(node["label"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(props)
    return labels


@pytest.mark.parametrize("name", list(STAFF_LISTINGS))
def test_innovation_unit_reaches_each_listing(client, name):
    _as(client, INNOVATION_UNIT)
    assert client.get(STAFF_LISTINGS[name]).status_code == 200


def test_innovation_unit_sees_her_work_in_the_admin_menu(client):
    _as(client, INNOVATION_UNIT)
    labels = _menu_labels(client)
    missing = [label for label in STAFF_MENU if label not in labels]
    assert not missing, missing


@pytest.mark.parametrize("name", [n for n in STAFF_LISTINGS if n != "Snippets"])
def test_a_moderator_enters_the_admin_but_not_the_staff_listings(client, name):
    _as(client, MODERATOR)
    assert client.get("/admin/").status_code == 200
    assert client.get(STAFF_LISTINGS[name]).status_code in (302, 403)


@pytest.mark.parametrize("role", [LEARNER, AMBASSADOR, FACILITATOR])
def test_roles_without_admin_work_do_not_enter_it(client, role):
    _as(client, role)
    for url in ("/admin/", *STAFF_LISTINGS.values()):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert response.status_code == 403 or "/admin/login/" in response["Location"]


def test_records_of_people_are_read_not_written_in_the_admin(client):
    _as(client, INNOVATION_UNIT)
    for url in ("/admin/snippets/ambassadors/application/add/", "/admin/snippets/ambassadors/certification/add/",
                "/admin/snippets/games/badgeaward/add/", "/admin/users/add/"):
        assert client.get(url).status_code in (302, 403), url


# --- users: only people with fewer rights, only roles below hers --------------------------------

def test_staff_list_people_below_her_only(client):
    _as(client, INNOVATION_UNIT)
    learner = UserFactory(username="list-learner")
    learner.groups.add(Group.objects.get(name=LEARNER))
    other_staff = UserFactory(username="list-other-staff")
    other_staff.groups.add(Group.objects.get(name=INNOVATION_UNIT))
    UserFactory(username="list-superuser", is_superuser=True)
    page = client.get("/admin/users/").content.decode()
    assert "list-learner" in page
    assert "list-other-staff" not in page and "list-superuser" not in page


def test_staff_cannot_open_a_superuser_or_another_staff_member(client):
    _as(client, INNOVATION_UNIT)
    boss = UserFactory(is_superuser=True)
    peer = UserFactory()
    peer.groups.add(Group.objects.get(name=INNOVATION_UNIT))
    for person in (boss, peer):
        assert client.get(reverse("wagtailusers_users:edit", args=[person.pk]), follow=True).status_code == 404
        client.post(reverse("wagtailusers_users:edit", args=[person.pk]),
                    {"username": person.username, "is_active": ""})
        person.refresh_from_db()
        assert person.is_active


def test_staff_give_roles_below_hers_only(client):
    _as(client, INNOVATION_UNIT)
    person = UserFactory()
    person.groups.add(Group.objects.get(name=LEARNER))
    url = reverse("wagtailusers_users:edit", args=[person.pk])
    url = client.get(url, follow=True).redirect_chain[-1][0] if client.get(url).status_code == 302 else url
    form = client.get(url).context["form"]
    assert not {"is_superuser", "password1", "password2", "is_active"} & set(form.fields)
    names = set(form.fields["groups"].queryset.values_list("name", flat=True))
    assert INNOVATION_UNIT not in names and MODERATOR in names
    data = {"username": person.username, "email": "sokha@example.org", "first_name": "Sokha", "last_name": "Chan",
            "nickname": "Sokha", "is_active": "on", "is_superuser": "on", "preferred_language": "en",
            "groups": [Group.objects.get(name=INNOVATION_UNIT).pk]}
    data.update({"password1": "new-secret-Pa55word!", "password2": "new-secret-Pa55word!"})
    response = client.post(url, data)
    # The form refuses a role above the editor's; the other fields are valid.
    assert response.status_code == 200 and list(response.context["form"].errors) == ["groups"]
    person.refresh_from_db()
    assert not person.is_superuser
    assert person.check_password("correct horse battery")
    data["groups"] = [Group.objects.get(name=LEARNER).pk, Group.objects.get(name=MODERATOR).pk]
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    person.refresh_from_db()
    assert set(person.groups.values_list("name", flat=True)) == {LEARNER, MODERATOR}
    assert not person.is_superuser and person.is_active
    assert person.check_password("correct horse battery")
    assert not person.groups.filter(name=INNOVATION_UNIT).exists()


def test_bulk_role_assignment_is_a_superusers_tool(client):
    me = _as(client, INNOVATION_UNIT)
    person = UserFactory()
    staff_group = Group.objects.get(name=INNOVATION_UNIT)
    url = reverse("wagtail_bulk_action", args=["cms", "user", "assign_role"]) + f"?id={person.pk}&id={me.pk}"
    client.post(url, {"role": staff_group.pk})
    assert not person.groups.filter(pk=staff_group.pk).exists()
