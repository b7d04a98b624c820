"""The facilitator's pages: create a session, make its world, download it, import builds."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from games.minecraft import selectors
from games.minecraft.models import CoDesignSession
from tests.factories import UserFactory


def test_a_facilitator_creates_a_session_and_makes_its_world(client, facilitator, sample_site,
                                                             django_capture_on_commit_callbacks):
    client.force_login(facilitator)
    response = client.post(reverse("minecraft:session_create"), {
        "title": "Saturday workshop", "site": sample_site.pk, "team_names": "Mango\nLotus\nPalm",
        "server_host": "", "server_port": 4711})
    session = CoDesignSession.objects.get()
    assert response.url == reverse("minecraft:session", args=[session.pk])
    assert list(session.teams.values_list("name", flat=True)) == ["Mango", "Lotus", "Palm"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("minecraft:generate_world", args=[session.pk]))
    page = client.get(reverse("minecraft:session", args=[session.pk])).content.decode()
    assert 'id="download-world"' in page and "install_world --url" in page
    assert "--language en</pre>" in page
    khmer = client.get("/km" + reverse("minecraft:session", args=[session.pk])[3:]).content.decode()
    assert "--language km</pre>" in khmer  # the command then speaks the page's language
    download = client.get(reverse("minecraft:download_world", args=[session.pk]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")


def test_a_session_can_go_to_a_call(client, facilitator, sample_site):
    from labs.participation.models import Call

    call = Call.objects.create(title="Redesign the square", question="What would help?", created_by=facilitator)
    client.force_login(facilitator)
    client.post(reverse("minecraft:session_create"), {
        "title": "With a call", "site": sample_site.pk, "team_names": "A", "call": call.pk, "labs_session": "",
        "server_host": "", "server_port": 4711})
    assert CoDesignSession.objects.get().call == call


def test_the_session_page_refreshes_while_the_world_is_made(client, codesign, facilitator):
    CoDesignSession.objects.filter(pk=codesign.pk).update(world_state="running", world_progress=40)
    client.force_login(facilitator)
    page = client.get(reverse("minecraft:session", args=[codesign.pk])).content.decode()
    assert '<meta http-equiv="refresh"' in page and 'value="40"' in page


def test_center_pcs_download_with_the_signed_link_only(client, generated):
    url = reverse("minecraft:download_world", args=[generated.pk])
    assert client.get(url).status_code == 302  # to the login page
    assert client.get(url + "?key=forged").status_code == 302
    assert client.get(url + "?key=" + selectors.world_key(generated.pk)).status_code == 200
    assert client.get(reverse("minecraft:download_world", args=[generated.pk + 1]) + "?key="
                      + selectors.world_key(generated.pk)).status_code == 302


def test_learners_cannot_run_sessions(client, codesign):
    client.force_login(UserFactory())
    assert client.get(reverse("minecraft:session_create")).status_code == 403
    page = client.get(reverse("minecraft:session", args=[codesign.pk])).content.decode()
    assert 'id="how-to-join"' in page and codesign.title not in page  # how to join, not the session


def test_a_bad_upload_shows_the_reason(client, codesign, facilitator):
    client.force_login(facilitator)
    response = client.post(reverse("minecraft:capture", args=[codesign.pk]),
                           {"world": SimpleUploadedFile("w.zip", b"not a zip")}, follow=True)
    assert "This is not a zip file" in response.content.decode()
    assert not codesign.captures.exists()


@pytest.mark.parametrize("username", ["nobody-here"])
def test_adding_an_unknown_member_explains(client, codesign, facilitator, username):
    client.force_login(facilitator)
    team = codesign.teams.first()
    response = client.post(reverse("minecraft:add_member", args=[codesign.pk, team.pk]),
                           {"username": username, "nickname": "X"}, follow=True)
    assert "No account has this username or phone number" in response.content.decode()
    assert not team.memberships.exists()


def test_pins_are_listed_for_the_facilitator(client, codesign, facilitator):
    from games.minecraft import services

    team = codesign.teams.first()
    services.add_pin(team=team, x=3, y=64, z=4, text="Too dark here at night")
    client.force_login(facilitator)
    assert "Too dark here at night" in client.get(reverse("minecraft:session", args=[codesign.pk])).content.decode()
