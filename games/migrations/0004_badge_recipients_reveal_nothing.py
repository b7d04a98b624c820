"""Badges keep their recipients private: a private link per assertion replaces /people/<pk>, and
assertions issued to a phone number are issued again to her email or a private link.

Both old identities were reversed from their public salted hash by trying candidates (pk 1..N,
the Cambodian phone number space). Copies baked before this migration then read "not valid: an
old copy" on the verify page, which asks for a fresh download (docs/decisions.md)."""

import hashlib
import secrets

from django.conf import settings
from django.db import migrations, models


def _hash(identity: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((identity + salt).encode()).hexdigest()


def reissue_revealing_recipients(apps, schema_editor):
    """Frozen copy of games.services.recipient_identity at the time of this migration."""
    BadgeAward = apps.get_model("games", "BadgeAward")
    base = settings.SANGKAT_PUBLIC_URL.rstrip("/")
    awards = (BadgeAward.objects.filter(recipient_type__in=["telephone", "url"], recipient_link="")
              .select_related("user"))
    for award in awards.iterator(chunk_size=500):
        email = (award.user.email or "").strip().lower()
        if email:
            kind, identity, link = "email", email, ""
        else:
            link = f"{base}/openbadges/recipients/{secrets.token_urlsafe(24)}"
            kind, identity = "url", link
        salt = secrets.token_hex(16)
        BadgeAward.objects.filter(pk=award.pk).update(
            recipient_type=kind, salt=salt, recipient_hash=_hash(identity, salt), recipient_link=link)


class Migration(migrations.Migration):

    dependencies = [
        ('games', '0003_drop_covered_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='badgeaward',
            name='recipient_link',
            field=models.CharField(blank=True, editable=False, max_length=200),
        ),
        migrations.RunPython(reissue_revealing_recipients, migrations.RunPython.noop, elidable=True),
    ]
