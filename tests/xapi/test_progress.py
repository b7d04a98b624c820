"""From statements to progress: best scores, completion rules, lesson completion, points, voiding."""

import pytest
from django.urls import reverse

from courses import signals
from courses.models import LessonProgress
from courses.xapi.identity import activity_iri
from courses.xapi.models import ActivityResult
from courses.xapi.selectors import activity_scores
from games.models import Award, Event, EventKind, Score
from tests.xapi.conftest import DONE_BLOCK, SCORE_BLOCK, post, statement

pytestmark = pytest.mark.django_db


def points(user):
    return Score.objects.filter(user=user).values_list("points", flat=True).first() or 0


def result(user, lesson, block_id):
    return ActivityResult.objects.get(user=user, lesson_key=lesson.translation_key, block_id=block_id)


def lesson_done(user, lesson):
    return LessonProgress.objects.filter(user=user, lesson_key=lesson.translation_key,
                                         completed_at__isnull=False).exists()


def source(lesson, block_id):
    return f"xapi.activity:{lesson.translation_key}:{block_id}"


def test_an_unfinished_activity_holds_the_lesson_back(h5p_lesson, learner_client, learner):
    response = learner_client.post(reverse("complete_lesson", args=[h5p_lesson.pk]), follow=True)
    page = response.content.decode()
    assert "Finish the activity “Spot the scam”." in page
    assert "Finish the activity “Score check”." in page
    assert not lesson_done(learner, h5p_lesson)


def test_scores_are_kept_as_best_and_count_attempts(h5p_lesson, learner_client, learner):
    for scaled in (0.5, 0.7, 0.6):
        assert post(learner_client, statement(learner, verb="answered", lesson=h5p_lesson,
                                              block_id=SCORE_BLOCK, scaled=scaled)).status_code == 200
    row = result(learner, h5p_lesson, SCORE_BLOCK)
    assert row.best_scaled == pytest.approx(0.7)
    assert row.attempts == 3
    assert row.done_at is None  # pass mark is 80 %
    assert row.course_key == h5p_lesson.get_parent().translation_key
    scores = activity_scores(user=learner, lesson_key=h5p_lesson.translation_key)
    assert scores[SCORE_BLOCK].best_percent == 70 and not scores[SCORE_BLOCK].done


def test_a_raw_score_counts_on_its_scale(h5p_lesson, learner_client, learner):
    sent = statement(learner, verb="answered", lesson=h5p_lesson, block_id=SCORE_BLOCK,
                     result={"score": {"raw": 9, "min": 0, "max": 10}})
    post(learner_client, sent)
    assert result(learner, h5p_lesson, SCORE_BLOCK).best_scaled == pytest.approx(0.9)
    assert result(learner, h5p_lesson, SCORE_BLOCK).done_at is not None


def test_reaching_every_rule_completes_the_lesson_and_awards_points_once(h5p_lesson, learner_client, learner):
    scored = []
    signals.activity_scored.connect(lambda **kw: scored.append(kw["block_id"]), weak=False, dispatch_uid="t-xapi")
    try:
        post(learner_client, statement(learner, verb="completed", lesson=h5p_lesson, block_id=DONE_BLOCK))
        assert not lesson_done(learner, h5p_lesson)  # the score activity is still missing
        post(learner_client, statement(learner, verb="answered", lesson=h5p_lesson, block_id=SCORE_BLOCK, scaled=0.85))
    finally:
        signals.activity_scored.disconnect(dispatch_uid="t-xapi")
    assert scored == [DONE_BLOCK, SCORE_BLOCK]
    assert lesson_done(learner, h5p_lesson)
    for block_id in (DONE_BLOCK, SCORE_BLOCK):
        assert Event.objects.filter(user=learner, kind=EventKind.H5P_SCORED, source=source(h5p_lesson, block_id)).exists()
    # 2 activities x 5 + the lesson 10 (default rules)
    assert points(learner) == 20


def test_the_completion_flag_in_the_result_also_completes(h5p_lesson, learner_client, learner):
    post(learner_client, statement(learner, verb="answered", lesson=h5p_lesson, block_id=DONE_BLOCK,
                                   result={"completion": True, "score": {"scaled": 0.1}}))
    assert result(learner, h5p_lesson, DONE_BLOCK).done_at is not None


def test_replaying_the_same_statements_changes_nothing(h5p_lesson, learner_client, learner):
    sent = [
        statement(learner, verb="answered", lesson=h5p_lesson, block_id=SCORE_BLOCK, scaled=0.9),
        statement(learner, verb="completed", lesson=h5p_lesson, block_id=DONE_BLOCK),
    ]
    post(learner_client, sent)
    before = (points(learner), Award.objects.count(), Event.objects.count(),
              list(ActivityResult.objects.values_list("best_scaled", "attempts", "done_at")))
    scored = []
    signals.activity_scored.connect(lambda **kw: scored.append(1), weak=False, dispatch_uid="t-replay")
    try:
        assert post(learner_client, sent).status_code == 200
        assert post(learner_client, sent[::-1]).status_code == 200
    finally:
        signals.activity_scored.disconnect(dispatch_uid="t-replay")
    assert scored == []
    after = (points(learner), Award.objects.count(), Event.objects.count(),
             list(ActivityResult.objects.values_list("best_scaled", "attempts", "done_at")))
    assert after == before


def test_voiding_the_statement_that_made_it_done_takes_the_points_back(h5p_lesson, learner_client, learner):
    low = statement(learner, verb="answered", lesson=h5p_lesson, block_id=SCORE_BLOCK, scaled=0.4)
    high = statement(learner, verb="answered", lesson=h5p_lesson, block_id=SCORE_BLOCK, scaled=0.95)
    post(learner_client, [low, high])
    assert result(learner, h5p_lesson, SCORE_BLOCK).done_at is not None
    points_before = points(learner)
    voiding = statement(learner, verb="voided", object={"objectType": "StatementRef", "id": high["id"]})
    assert post(learner_client, voiding).status_code == 200
    row = result(learner, h5p_lesson, SCORE_BLOCK)
    assert row.done_at is None
    assert row.best_scaled == pytest.approx(0.4)
    assert row.attempts == 1
    event = Event.objects.get(user=learner, kind=EventKind.H5P_SCORED, source=source(h5p_lesson, SCORE_BLOCK))
    assert event.revoked_at is not None
    assert points(learner) == points_before - 5
    # Doing it again counts again.
    post(learner_client, statement(learner, verb="answered", lesson=h5p_lesson, block_id=SCORE_BLOCK, scaled=0.9))
    event.refresh_from_db()
    assert event.revoked_at is None
    assert points(learner) == points_before


def test_a_statement_from_an_outside_client_counts_for_the_learner(h5p_lesson, client, lrs_client, learner):
    _lrs, headers = lrs_client
    post(client, statement(learner, verb="completed", lesson=h5p_lesson, block_id=DONE_BLOCK), **headers)
    assert result(learner, h5p_lesson, DONE_BLOCK).done_at is not None


def test_sub_content_and_unknown_activities_make_no_progress(h5p_lesson, learner_client, learner):
    iri = activity_iri(lesson_key=h5p_lesson.translation_key, block_id=DONE_BLOCK)
    post(learner_client, statement(learner, verb="completed", activity=iri + "?subContentId=abc"))
    post(learner_client, statement(learner, verb="completed", lesson=h5p_lesson, block_id="no-such-block"))
    post(learner_client, statement(learner, verb="completed", activity="http://example.org/other"))
    assert not ActivityResult.objects.exists()


def test_a_khmer_lesson_shares_the_result(h5p_lesson, site, learner_client, learner):
    post(learner_client, statement(learner, verb="completed", lesson=h5p_lesson, block_id=DONE_BLOCK))
    khmer = site["lessons_km"][0]
    assert khmer.translation_key == h5p_lesson.translation_key
    response = learner_client.post(reverse("complete_lesson", args=[khmer.pk]), follow=True)
    page = response.content.decode()
    assert "Finish the activity “Spot the scam”." not in page
    assert "Finish the activity “Score check”." in page


def test_the_passed_rule_needs_a_pass(h5p_lesson, learner_client, learner):
    import json

    body = json.loads(json.dumps(list(h5p_lesson.body.raw_data)))
    for block in body:
        if block["id"] == DONE_BLOCK:
            block["value"]["completion"] = "passed"
    h5p_lesson.body = json.dumps(body)
    h5p_lesson.save_revision().publish()
    post(learner_client, statement(learner, verb="failed", lesson=h5p_lesson, block_id=DONE_BLOCK, scaled=0.2))
    post(learner_client, statement(learner, verb="completed", lesson=h5p_lesson, block_id=DONE_BLOCK))
    assert result(learner, h5p_lesson, DONE_BLOCK).done_at is None
    post(learner_client, statement(learner, verb="passed", lesson=h5p_lesson, block_id=DONE_BLOCK, scaled=0.9))
    row = result(learner, h5p_lesson, DONE_BLOCK)
    assert row.done_at is not None and row.passed_at is not None and row.attempts == 3


def test_the_score_tag_shows_the_best_score(h5p_lesson, learner, rf):
    from django.template import Context, Template

    post_request = rf.get("/")
    post_request.user = learner
    ActivityResult.objects.create(user=learner, lesson_key=h5p_lesson.translation_key,
                                  block_id=SCORE_BLOCK, best_scaled=0.75, attempts=2)
    template = Template("{% load xapi_tags %}{% activity_score block_id as score %}"
                        "{{ score.best_percent }}/{{ score.attempts }}/{{ score.done }}")
    html = template.render(Context({"request": post_request, "page": h5p_lesson, "block_id": SCORE_BLOCK}))
    assert html == "75/2/False"
