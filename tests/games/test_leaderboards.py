"""Leaderboards motivate without exposing anyone: nicknames by default, minors only with a guardian's
consent, opt-out respected, and each person always sees their own rank."""

import pytest
from django.urls import reverse

from games import services
from games.models import EventKind, LeaderboardChoice
from tests.factories import CenterFactory, UserFactory

pytestmark = pytest.mark.django_db


def earn(user, sessions):
    for number in range(sessions):
        services.record_event(user=user, kind=EventKind.SESSION_ATTENDED, source=f"labs.session:{number}")


@pytest.fixture
def people(center):
    adult = UserFactory(nickname="Sunflower", display_name="Chan Sopheap", home_center=center)
    named = UserFactory(nickname="Rice", display_name="Kim Dara", home_center=center)
    services.set_leaderboard_preference(user=named, choice=LeaderboardChoice.NAME)
    minor = UserFactory(nickname="Kite", display_name="Heng Lina", age_band="13-17", home_center=center)
    consented = UserFactory(nickname="Mango", display_name="Pich Bopha", age_band="13-17", guardian_consent=True,
                            home_center=center)
    services.set_leaderboard_preference(user=consented, choice=LeaderboardChoice.NAME)  # ignored for minors
    hidden = UserFactory(nickname="Shadow", display_name="Ouk Rith", home_center=center)
    services.set_leaderboard_preference(user=hidden, choice=LeaderboardChoice.HIDDEN)
    elsewhere = UserFactory(nickname="Far", home_center=CenterFactory())
    for person, sessions in [(adult, 5), (named, 4), (minor, 6), (consented, 3), (hidden, 7), (elsewhere, 2)]:
        earn(person, sessions)
    return {"adult": adult, "named": named, "minor": minor, "consented": consented, "hidden": hidden,
            "elsewhere": elsewhere}


def page(client, user, **params):
    client.force_login(user)
    return client.get(reverse("games:leaderboards"), params).content.decode()


def test_the_center_board_shows_nicknames_and_hides_who_must_be_hidden(client, people):
    html = page(client, people["adult"], scope="center", period="week")
    assert "Sunflower" in html and "Kim Dara" in html and "Mango" in html
    for never in ["Chan Sopheap", "Kite", "Heng Lina", "Shadow", "Ouk Rith", "Pich Bopha", "Far"]:
        assert never not in html, never
    # Hidden people still count for ranks: Shadow (140) and Kite (120) are ahead of Sunflower (100).
    assert "You are number 3 with 100 points." in html


def test_a_hidden_minor_still_sees_their_own_rank(client, people):
    html = page(client, people["minor"], scope="overall", period="all")
    assert "You are number 2 with 120 points." in html
    assert "Kite" not in html.split('id="my-rank"')[1].split("</table>")[0]


def test_the_overall_board_includes_other_centers(client, people):
    html = page(client, people["adult"], scope="overall", period="all")
    assert "Far" in html


def test_the_course_board_counts_only_that_course(client, site, people):
    learner = people["adult"]
    lesson = site["lessons"][0]
    services.record_event(user=learner, kind=EventKind.LESSON_COMPLETED,
                          source=f"courses.lesson:{lesson.translation_key}", course_key=site["course"].translation_key)
    html = page(client, learner, scope="course", course=str(site["course"].translation_key), period="all")
    assert "You are number 1 with 10 points." in html and "Rice" not in html


def test_forged_scope_and_course_fall_back_safely(client, people):
    html = page(client, people["adult"], scope="<script>", period="ever", course="../../etc")
    assert "<script>" not in html and "Sunflower" in html


def test_leaderboards_need_a_login(client):
    response = client.get(reverse("games:leaderboards"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_minor_cannot_choose_to_show_their_full_name(client, people):
    client.force_login(people["minor"])
    client.post(reverse("games:leaderboard_visibility"), {"leaderboard": "name"})
    from games.selectors import leaderboard_preference

    assert leaderboard_preference(user=people["minor"]) == LeaderboardChoice.NICKNAME


def test_the_center_tab_follows_a_renamed_center_at_once(client, people, center):
    """The home center is remembered with the page structure (no query per page): renaming it starts
    a new generation, so the next page shows the new name."""
    assert center.name in page(client, people["adult"])
    center.name = "Otres Village Center"
    center.save()
    assert "Otres Village Center" in page(client, people["adult"])


def test_the_board_rows_are_escaped(client, center):
    sly = UserFactory(nickname="<b>Sly</b>", home_center=center)
    earn(sly, 1)
    html = page(client, sly)
    assert "&lt;b&gt;Sly&lt;/b&gt;" in html and "<b>Sly</b>" not in html
    assert '<tr class="me"><td>1</td><td>&lt;b&gt;Sly&lt;/b&gt;</td>' in html
