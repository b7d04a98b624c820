"""Pages are found through the remembered home page; what is published, renamed or unpublished shows at once."""

import pytest

from courses.models import CoursePage

pytestmark = pytest.mark.django_db


def test_a_renamed_course_moves_to_its_new_address_at_once(client, site):
    course = site["course"]
    old = course.url
    assert client.get(old).status_code == 200  # the home page is remembered from here on
    course.slug = "online-safety"
    course.save_revision().publish()
    assert client.get(old).status_code == 404
    assert client.get("/en/courses/online-safety/").status_code == 200


def test_a_new_course_is_found_and_an_unpublished_one_is_not(client, site):
    assert client.get(site["course"].url).status_code == 200
    extra = CoursePage(title="Phones and money", slug="phones-and-money", summary="Mobile banking safely.")
    site["index"].add_child(instance=extra)
    extra.save_revision().publish()
    assert "Mobile banking safely." in client.get("/en/courses/phones-and-money/").content.decode()
    extra.unpublish()
    assert client.get("/en/courses/phones-and-money/").status_code == 404


def test_the_home_page_itself_is_always_read_fresh(client, site):
    assert client.get(site["course"].url).status_code == 200
    home = site["home"]
    home.tagline = "Learn and plan your city together"
    home.save_revision().publish()
    assert "Learn and plan your city together" in client.get("/en/").content.decode()


def test_each_language_is_routed_in_its_own_tree(client, site):
    assert client.get(site["course"].url).status_code == 200  # English remembered first
    page = client.get(site["course_km"].url).content.decode()
    assert "សុវត្ថិភាពលើអ៊ីនធឺណិត" in page
    assert client.get(site["lessons_km"][0].url).status_code == 200
