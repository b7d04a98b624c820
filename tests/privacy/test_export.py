"""Download your data: a ZIP of JSON files with your own data, and nobody else's."""

import io
import json
import zipfile

from django.urls import reverse

from cms import privacy


def _download(client) -> dict[str, str]:
    response = client.get(reverse("my_data_download"))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    return {name: archive.read(name).decode() for name in archive.namelist()}


def test_the_page_offers_the_download_and_the_deletion_request(client, world):
    client.force_login(world.me)
    page = client.get(reverse("my_data")).content.decode()
    assert reverse("my_data_download") in page
    assert reverse("request_account_deletion") in page
    assert 'name="password"' in page


def test_the_export_has_a_readme_and_a_json_file_per_section(client, world):
    client.force_login(world.me)
    files = _download(client)
    assert "README.txt" in files and "dara" in files["README.txt"]
    assert set(files) == {"README.txt"} | {f"{c.name}.json" for c in privacy.collectors()}
    for name, text in files.items():
        if name.endswith(".json"):
            json.loads(text)


def test_the_export_contains_my_own_data(client, world):
    client.force_login(world.me)
    files = _download(client)
    account = json.loads(files["account.json"])
    assert account["phone"] == "+85512345678" and account["full_name"] == "Dara Chan"
    assert account["age_band"] == "18-24"
    courses = json.loads(files["courses.json"])
    assert courses["quiz_answers"][0]["answers"] == {"q1": "my secret answer"}
    records = json.loads(files["learning_records.json"])
    assert len(records["xapi_statements"]) == 1 and records["h5p_activity_results"][0]["block_id"] == "b1"
    games = json.loads(files["points_and_badges.json"])
    assert games["total"]["points"] == 10 and games["badges"][0]["badge__name_en"] == "Helper"
    participation = json.loads(files["participation.json"])
    assert [p["title"] for p in participation["proposals"]] == ["More street lights"]
    assert [c["body"] for c in participation["comments"]] == ["My own comment"]
    assert participation["supports"][0]["proposal__title"] == "Clean the canal"
    assert participation["women_space_membership"]["requested_at"]
    assert json.loads(files["her_city.json"])["safety_scores"][0]["note"] == "I feel watched"
    minecraft = json.loads(files["minecraft.json"])
    assert minecraft["teams"][0]["team__name"] == "Mango" and minecraft["votes"][0]["team__name"] == "Mango"
    labs = json.loads(files["centers_and_sessions.json"])
    assert {r["session__title"] for r in labs["registrations"]} == {"Phone basics", "Email basics"}
    assert labs["attendance"][0]["session__title"] == "Phone basics"
    assert labs["session_reports_filed"][0]["notes"] == "Went well"
    ambassador = json.loads(files["ambassador.json"])
    assert ambassador["applications"][0]["motivation"] == "I like helping"
    assert len(ambassador["certifications"]) == 1


def test_the_export_never_contains_other_peoples_data(client, world):
    client.force_login(world.me)
    everything = "\n".join(_download(client).values()).lower()
    # Bopha shares a proposal's thread, a team, a session and a workshop with Dara.
    for trace in ("bopha", "keo", "sokha"):
        assert trace not in everything, trace


def test_each_person_gets_their_own_export(client, world):
    client.force_login(world.other)
    everything = "\n".join(_download(client).values())
    assert "Bopha Keo" in everything and "Bopha's private notice" in everything
    assert "Dara" not in everything and "my secret answer" not in everything


def test_the_data_page_needs_a_login(client, world):
    for name in ("my_data", "my_data_download"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_editor_finds_the_pages_versions_and_images_she_worked_on(client, world):
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file
    from wagtail.models import Page

    page = Page.objects.filter(depth=2).first().specific
    page.owner = world.me
    page.save_revision(user=world.me)
    page.save(update_fields=["owner"])
    get_image_model().objects.create(title="Canal photo", file=get_test_image_file(), uploaded_by_user=world.me)
    client.force_login(world.me)
    editing = json.loads(_download(client)["site_editing.json"])
    assert [p["title"] for p in editing["pages_owned"]] == [page.title]
    assert [v["object_str"] for v in editing["versions_saved"]] == [page.title]
    assert [i["title"] for i in editing["images_uploaded"]] == ["Canal photo"]
    client.force_login(world.other)
    other = json.loads(_download(client)["site_editing.json"])
    assert other == {"pages_owned": [], "versions_saved": [], "images_uploaded": [], "documents_uploaded": []}
