"""Anonymous visitors share a cached page; learners never see a cached (or someone else's) page."""

import pytest
from django.core.cache import cache

from courses import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_cache(settings):
    settings.SANGKAT_ANONYMOUS_PAGE_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def test_anonymous_visitors_get_the_cached_page_until_it_is_republished(client, site, page_cache):
    course = site["course"]
    assert "Safe online" in client.get(course.url).content.decode()
    course.title = "Safe and smart online"
    course.save()  # saved to the database without publishing a new revision: the cache still answers
    assert "Safe online" in client.get(course.url).content.decode()
    course.save_revision().publish()
    assert "Safe and smart online" in client.get(course.url).content.decode()


def test_anonymous_pages_carry_no_csrf_cookie(client, site, page_cache):
    response = client.get(site["lessons"][0].url)
    assert "csrftoken" not in response.cookies
    assert "csrfmiddlewaretoken" not in response.content.decode()


def test_a_learner_never_gets_the_shared_page(client, site, learner, page_cache):
    client.get(site["course"].url)  # fills the cache for anonymous visitors
    services.complete_lesson(user=learner, lesson=site["lessons"][0])
    client.force_login(learner)
    response = client.get(site["course"].url)
    assert "1 of 3 lessons done" in response.content.decode()
    assert "private" in response["Cache-Control"]
