"""Seed the admin-editable block-to-category table from the palette's defaults."""

from django.db import migrations


def seed(apps, schema_editor):
    from games.minecraft.palette import DEFAULT_CATEGORY_RULES

    BlockCategory = apps.get_model("minecraft", "BlockCategory")
    for pattern, category in DEFAULT_CATEGORY_RULES:
        BlockCategory.objects.get_or_create(pattern=pattern, defaults={"category": category})


class Migration(migrations.Migration):
    dependencies = [("minecraft", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
