"""Minors: sign-up asks only for what Sangkat needs, and never an exact birth date or contact details."""

import io
import json
import zipfile

from django.contrib.auth import get_user_model
from django.urls import reverse

from cms.forms import SignUpForm

User = get_user_model()


def test_sign_up_asks_for_an_age_band_and_no_birth_date_or_email():
    form = SignUpForm()
    assert not any("birth" in name or "email" in name for name in form.fields)
    assert not any("birth" in field.name for field in User._meta.get_fields())
    required = {name for name, field in form.fields.items() if field.required}
    assert required == {"username", "nickname", "age_band", "preferred_language", "password1", "password2"}
    assert "under13" in dict(form.fields["age_band"].choices)


def test_a_child_signs_up_with_a_nickname_and_an_age_band_only(client, db):
    response = client.post(reverse("signup"), {
        "username": "kid01", "nickname": "Little Star", "display_name": "", "phone": "", "age_band": "under13",
        "gender": "", "home_center": "", "preferred_language": "km",
        "password1": "river-mango-bicycle", "password2": "river-mango-bicycle",
    })
    assert response.status_code == 302
    child = User.objects.get(username="kid01")
    assert child.is_minor and not child.guardian_consent
    assert (child.phone, child.email, child.display_name, child.gender) == (None, "", "", "")

    archive = zipfile.ZipFile(io.BytesIO(b"".join(client.get(reverse("my_data_download")).streaming_content)))
    account = json.loads(archive.read("account.json"))
    assert account["age_band"] == "under13"
    assert not any("birth" in key for key in account)
