# Fills the dashboard rollup for attendance recorded before it existed, and on PostgreSQL indexes the
# day sets for `&&` (a GiST index: the 30-day view then reads only the people who came in the period).

from django.db import migrations


def fill(apps, schema_editor):
    from labs.rollup import rebuild

    rebuild(Attendance=apps.get_model("labs", "Attendance"), SessionTally=apps.get_model("labs", "SessionTally"), LearnerDays=apps.get_model("labs", "LearnerDays"))


def empty(apps, schema_editor):
    apps.get_model("labs", "SessionTally").objects.all().delete()
    apps.get_model("labs", "LearnerDays").objects.all().delete()


def add_gist(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE INDEX IF NOT EXISTS learner_days_touch ON labs_learnerdays USING gist (days)")


def drop_gist(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS learner_days_touch")


class Migration(migrations.Migration):

    dependencies = [
        ("labs", "0004_dashboard_rollup"),
    ]

    operations = [
        migrations.RunPython(add_gist, drop_gist),
        migrations.RunPython(fill, empty),
    ]
