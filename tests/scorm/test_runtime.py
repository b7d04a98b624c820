"""Runtime data on the server per learner and attempt: the SCO's page, commits (limits, retries,
someone else's attempt), resume, lesson completion and xAPI statements."""

import io
import json
import uuid
import zipfile

import pytest
from django.test import Client

from courses.models import LessonProgress
from courses.scorm.models import Attempt, Commit, ScoData
from courses.scorm.services import install_package
from courses.xapi.models import Statement
from tests.factories import UserFactory
from tests.scorm.conftest import BLOCK_ID, lesson_with_scorm, package_12, package_2004

pytestmark = pytest.mark.django_db


@pytest.fixture
def package(media):
    return install_package(source=io.BytesIO(package_12()))


@pytest.fixture
def lesson(site, package):
    return lesson_with_scorm(site, package)


def json_block(html: str, element_id: str) -> dict:
    opening = f'<script id="{element_id}" type="application/json">'
    start = html.index(opening) + len(opening)
    return json.loads(html[start:html.index("</script>", start)])


def lesson_config(client, lesson) -> dict:
    return json_block(client.get(lesson.url).content.decode(), f"scorm-config-{BLOCK_ID}")


def sco_page(client, lesson, sco="phone-safety"):
    return client.get(f"/scorm/play/{lesson.translation_key}/{BLOCK_ID}/{sco}/index.html?sangkat-sco={sco}")


def commit(client, url, *, cmi, sco="phone-safety", commit_id=None, session="session-one"):
    body = {"sco": sco, "commitId": str(commit_id or uuid.uuid4()), "session": session, "cmi": cmi}
    return client.post(url, json.dumps(body), content_type="application/json")


def cmi12(**core):
    suspend = core.pop("suspend_data", "")
    return {"core": {"lesson_location": "", "lesson_status": "incomplete", "session_time": "00:00:10", **core},
            "suspend_data": suspend}


def test_the_lesson_frames_the_sco_in_an_opaque_sandbox(learner_client, learner, lesson):
    html = learner_client.get(lesson.url).content.decode()
    assert 'sandbox="allow-scripts"' in html and "allow-same-origin" not in html
    config = json_block(html, f"scorm-config-{BLOCK_ID}")
    attempt = Attempt.objects.get(user=learner)
    assert config["commitUrl"] == f"/scorm/attempts/{attempt.pk}/commit" and config["csrfToken"]
    assert config["items"][0]["url"].startswith(f"/scorm/play/{lesson.translation_key}/{BLOCK_ID}/phone-safety/index.html?")


def test_the_sco_page_gets_the_runtime_and_no_secret(learner_client, learner, lesson):
    lesson_config(learner_client, lesson)
    response = sco_page(learner_client, lesson)
    html = response.content.decode()
    assert response["Content-Security-Policy"].startswith("sandbox allow-scripts;")
    assert "connect-src 'self'" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "private, no-store"
    assert html.index("scorm-again/scorm12.min.js") < html.index("shared/sco.js")
    config = json_block(html, "sangkat-scorm-runtime-config")
    assert config["version"] == "1.2" and config["save"] is True
    assert config["cmi"] == {"core": {"student_id": str(learner.pk), "student_name": "", "entry": "ab-initio"}}
    assert "csrf" not in html.lower()


def test_other_package_files_are_served_like_h5p_files(client, lesson):
    response = client.get(f"/scorm/play/{lesson.translation_key}/{BLOCK_ID}/shared/sco.js")
    assert response.status_code == 200 and "sandbox" in response["Content-Security-Policy"]
    assert client.get(f"/scorm/play/{lesson.translation_key}/{BLOCK_ID}/../settings.py").status_code == 404
    assert client.get(f"/scorm/play/{lesson.translation_key}/{BLOCK_ID}/nothing.js").status_code == 404
    assert client.get(f"/scorm/play/{uuid.uuid4()}/{BLOCK_ID}/shared/sco.js").status_code == 404


def test_a_commit_is_kept_and_resumes_on_another_device(learner_client, learner, lesson):
    url = lesson_config(learner_client, lesson)["commitUrl"]
    response = commit(learner_client, url, cmi=cmi12(lesson_location="2", exit="suspend", suspend_data='{"answer":"1"}'))
    assert response.status_code == 200, response.content
    other_device = Client()
    other_device.force_login(learner)
    lesson_config(other_device, lesson)
    config = json_block(sco_page(other_device, lesson).content.decode(), "sangkat-scorm-runtime-config")
    core = config["cmi"]["core"]
    assert core["lesson_location"] == "2" and core["entry"] == "resume" and core["lesson_status"] == "incomplete"
    assert config["cmi"]["suspend_data"] == '{"answer":"1"}'
    assert core["total_time"] == "0000:00:10.00"


def test_a_retried_commit_is_not_applied_twice(learner_client, learner, lesson):
    url = lesson_config(learner_client, lesson)["commitUrl"]
    same = uuid.uuid4()
    commit(learner_client, url, cmi=cmi12(session_time="00:01:00"), commit_id=same)
    # A new launch: the first session's minute becomes part of the total, once.
    commit(learner_client, url, cmi=cmi12(session_time="00:00:30"), session="session-two")
    response = commit(learner_client, url, cmi=cmi12(session_time="00:01:00"), commit_id=same)
    assert response.status_code == 200
    row = ScoData.objects.get(attempt__user=learner)
    assert (row.total_seconds, row.session_seconds, row.session_key) == (60, 30, "session-two")
    assert Commit.objects.count() == 2


def test_commits_for_another_learners_attempt_are_refused(learner_client, learner, lesson):
    someone = UserFactory()
    other = Client()
    other.force_login(someone)
    her_url = lesson_config(other, lesson)["commitUrl"]
    response = commit(learner_client, her_url, cmi=cmi12(lesson_location="9"))
    assert response.status_code == 404
    assert "not yours" in response.json()["error"]
    assert not ScoData.objects.exists() and not Commit.objects.exists()


def test_suspend_data_over_the_scorm_12_limit_is_refused(learner_client, lesson):
    url = lesson_config(learner_client, lesson)["commitUrl"]
    response = commit(learner_client, url, cmi=cmi12(suspend_data="x" * 4097))
    assert response.status_code == 400
    assert "4097" in response.json()["error"] and "4096" in response.json()["error"]
    assert not ScoData.objects.exists() and not Commit.objects.exists()
    assert commit(learner_client, url, cmi=cmi12(suspend_data="x" * 4096)).status_code == 200


def test_suspend_data_over_the_scorm_2004_limit_is_refused(learner_client, site, media):
    package = install_package(source=io.BytesIO(package_2004()))
    lesson = lesson_with_scorm(site, package)
    url = lesson_config(learner_client, lesson)["commitUrl"]
    too_long = {"suspend_data": "x" * 64001, "completion_status": "incomplete"}
    response = commit(learner_client, url, sco="passwords", cmi=too_long)
    assert response.status_code == 400 and "64000" in response.json()["error"]
    assert not ScoData.objects.exists()
    assert commit(learner_client, url, sco="passwords", cmi={"suspend_data": "x" * 64000}).status_code == 200


@pytest.mark.parametrize("cmi", [
    {"core": {"lesson_status": "done-ish"}},
    {"core": {"score": {"raw": "NaN"}}},
    {"core": {"session_time": "yesterday"}},
    {"core": {"lesson_location": "x" * 256}},
    "not an object",
])
def test_malformed_runtime_data_is_refused(learner_client, lesson, cmi):
    url = lesson_config(learner_client, lesson)["commitUrl"]
    response = commit(learner_client, url, cmi=cmi)
    assert response.status_code == 400 and response.json()["error"]
    assert not ScoData.objects.exists()


def test_no_commit_without_login_or_csrf(client, learner, lesson):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(learner)
    url = lesson_config(csrf_client, lesson)["commitUrl"]
    assert commit(csrf_client, url, cmi=cmi12()).status_code == 403
    assert commit(Client(), url, cmi=cmi12()).status_code == 403
    assert not ScoData.objects.exists()


def test_passing_completes_the_lesson_and_is_recorded_as_xapi(learner_client, learner, lesson):
    url = lesson_config(learner_client, lesson)["commitUrl"]
    commit(learner_client, url, cmi=cmi12(lesson_status="incomplete"))
    assert not LessonProgress.objects.filter(user=learner, completed_at__isnull=False).exists()
    passed = cmi12(lesson_status="passed", score={"raw": "100", "min": "0", "max": "100"})
    commit(learner_client, url, cmi=passed)
    commit(learner_client, url, cmi=passed)  # the same status again stores nothing new
    assert LessonProgress.objects.get(user=learner, lesson_key=lesson.translation_key).completed_at is not None
    verbs = sorted(Statement.objects.filter(user=learner).values_list("verb_id", flat=True))
    assert verbs == ["http://adlnet.gov/expapi/verbs/completed", "http://adlnet.gov/expapi/verbs/passed"]
    statement = Statement.objects.filter(user=learner).first()
    assert statement.activity_id.endswith(f"/lessons/{lesson.translation_key}/scorm/{BLOCK_ID}")
    assert statement.data["result"]["score"]["scaled"] == 1.0


def test_a_multi_sco_package_is_done_when_every_item_is(learner_client, learner, site, media):
    package = install_package(source=io.BytesIO(package_2004()))
    lesson = lesson_with_scorm(site, package)
    config = lesson_config(learner_client, lesson)
    assert [item["identifier"] for item in config["items"]] == ["passwords", "photos"]
    url = config["commitUrl"]
    commit(learner_client, url, sco="passwords", cmi={"completion_status": "completed", "location": "1"})
    attempt = Attempt.objects.get(user=learner)
    assert not attempt.completed and attempt.current_sco == "passwords"
    assert "Next part" in learner_client.get(lesson.url).content.decode()
    commit(learner_client, url, sco="photos", cmi={
        "completion_status": "completed", "success_status": "passed", "score": {"scaled": "0.8"},
        "interactions": {"childArray": [{"id": "q1", "type": "choice", "learner_response": "1", "result": "correct"}]},
    })
    attempt.refresh_from_db()
    assert attempt.completed and attempt.passed is True and attempt.current_sco == "photos"
    assert ScoData.objects.get(sco="photos").interactions[0]["result"] == "correct"
    assert LessonProgress.objects.get(user=learner, lesson_key=lesson.translation_key).completed_at is not None
    # The item she was last in opens first on her next visit.
    assert lesson_config(learner_client, lesson)["items"][1]["identifier"] == "photos"
    assert 'data-sco="photos" style' in learner_client.get(lesson.url).content.decode()


def test_an_item_the_package_does_not_have_is_refused(learner_client, lesson):
    url = lesson_config(learner_client, lesson)["commitUrl"]
    response = commit(learner_client, url, sco="nope", cmi=cmi12())
    assert response.status_code == 400 and "nope" in response.json()["error"]


def test_a_block_done_at_a_score_follows_the_pass_mark(learner_client, learner, site, package):
    lesson = lesson_with_scorm(site, package, completion="score")
    url = lesson_config(learner_client, lesson)["commitUrl"]
    commit(learner_client, url, cmi=cmi12(lesson_status="failed", score={"raw": "50", "min": "0", "max": "100"}))
    assert Statement.objects.filter(user=learner, verb_id="http://adlnet.gov/expapi/verbs/failed").count() == 1
    assert not LessonProgress.objects.filter(user=learner, completed_at__isnull=False).exists()
    commit(learner_client, url, cmi=cmi12(lesson_status="incomplete", score={"raw": "80", "min": "0", "max": "100"}))
    assert Statement.objects.filter(user=learner, verb_id="http://adlnet.gov/expapi/verbs/scored").count() == 1
    assert LessonProgress.objects.get(user=learner, lesson_key=lesson.translation_key).completed_at is not None


def test_the_export_holds_her_runtime_data_and_deletion_removes_it(learner_client, learner, lesson):
    from cms.privacy import collectors

    url = lesson_config(learner_client, lesson)["commitUrl"]
    commit(learner_client, url, cmi=cmi12(lesson_location="1", suspend_data="kept"))
    exported = next(collector for collector in collectors() if collector.name == "scorm").fn(learner)
    assert exported[0]["items"][0]["suspend_data"] == "kept"
    from courses.scorm.privacy import erase_scorm

    erase_scorm(learner, on_commit=lambda fn: fn())
    assert not Attempt.objects.filter(user=learner).exists() and not ScoData.objects.exists()


def test_the_runtime_goes_first_even_in_a_page_without_head(learner_client, site, media):
    from courses.scorm.packaging import DEMO, build, manifest_12

    scos = DEMO["en"]["scorm12"]["scos"]
    data = build(manifest=manifest_12(title="T", scos=scos), scos=scos, ui=DEMO["en"]["ui"], language="en",
                 extra_files={})
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename.endswith("index.html"):
                content = b"<!DOCTYPE html><title>x</title><script>var found = window.API;</script>"
            target.writestr(info.filename, content)
    lesson = lesson_with_scorm(site, install_package(source=io.BytesIO(buffer.getvalue())))
    lesson_config(learner_client, lesson)
    html = sco_page(learner_client, lesson).content.decode()
    assert html.startswith('<!DOCTYPE html><script id="sangkat-scorm-runtime-config"')
    assert html.index("scorm/runtime.js") < html.index("var found")
