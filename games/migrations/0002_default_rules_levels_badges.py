"""Sangkat starts with sensible points rules, levels in English and Khmer, and the badges the
programme itself gives. Staff change them in the admin; this runs once and never overwrites."""

from django.db import migrations

RULES = [
    ("lesson_completed", 10), ("course_completed", 50), ("quiz_passed", 10), ("h5p_scored", 5),
    ("session_attended", 20), ("session_facilitated", 40), ("minecraft_build_submitted", 30),
    ("hercity_step_contributed", 15), ("proposal_submitted", 25), ("proposal_supported", 2),
    ("proposal_accepted", 100),
]
LEVELS = [
    (0, "Newcomer", "អ្នកចាប់ផ្តើម"), (50, "Explorer", "អ្នករុករក"), (150, "Builder", "អ្នកកសាង"),
    (400, "Connector", "អ្នកតភ្ជាប់"), (1000, "City Maker", "អ្នកបង្កើតទីក្រុង"),
]
BADGES = [
    dict(slug="digital-city-ambassador", name_en="Digital City Ambassador", name_km="ឯកអគ្គរដ្ឋទូតទីក្រុងឌីជីថល",
         description_en="Completed the ambassador training and supervised practice, and was certified by the "
                        "Innovation Unit to run sessions at a Smart Neighborhood Center.",
         description_km="បានបញ្ចប់វគ្គបណ្តុះបណ្តាល និងការអនុវត្តក្រោមការត្រួតពិនិត្យ ហើយត្រូវបានបញ្ជាក់ដោយ"
                        "អង្គភាពនវានុវត្តន៍ ដើម្បីដឹកនាំសកម្មភាពនៅមជ្ឈមណ្ឌលសង្កាត់ឆ្លាតវៃ។",
         criteria_en="Training courses, supervised sessions and staff certification.",
         criterion="awarded", level=3, color="#7a3b8f"),
    dict(slug="first-steps", name_en="First steps", name_km="ជំហានដំបូង",
         description_en="Completed a first lesson.", description_km="បានបញ្ចប់មេរៀនដំបូង។",
         criteria_en="Complete one lesson.", criterion="event_count", event_kind="lesson_completed", count=1,
         level=1, color="#1f6f5c"),
    dict(slug="regular", name_en="Regular", name_km="អ្នកមកទៀងទាត់",
         description_en="Came to five sessions at a neighborhood center.",
         description_km="បានចូលរួមសកម្មភាពប្រាំដងនៅមជ្ឈមណ្ឌលសង្កាត់។",
         criteria_en="Attend five sessions.", criterion="event_count", event_kind="session_attended", count=5,
         level=2, color="#b5651d"),
    dict(slug="city-voice", name_en="City voice", name_km="សំឡេងទីក្រុង",
         description_en="Submitted a proposal to the city.", description_km="បានដាក់សំណើទៅទីក្រុង។",
         criteria_en="Submit one proposal.", criterion="event_count", event_kind="proposal_submitted", count=1,
         level=1, color="#2a5d9f"),
    dict(slug="hundred-points", name_en="100 points", name_km="១០០ ពិន្ទុ",
         description_en="Reached 100 points.", description_km="ទទួលបាន ១០០ ពិន្ទុ។",
         criteria_en="Reach 100 points.", criterion="points", points=100, level=2, color="#a8326e"),
]


def forwards(apps, schema_editor):
    Rule = apps.get_model("games", "Rule")
    GameLevel = apps.get_model("games", "GameLevel")
    BadgeDefinition = apps.get_model("games", "BadgeDefinition")
    for kind, points in RULES:
        if not Rule.objects.filter(kind=kind).exists():
            Rule.objects.create(kind=kind, points=points)
    for min_points, name_en, name_km in LEVELS:
        GameLevel.objects.get_or_create(min_points=min_points, defaults={"name_en": name_en, "name_km": name_km})
    for badge in BADGES:
        BadgeDefinition.objects.get_or_create(slug=badge["slug"], defaults=badge)


class Migration(migrations.Migration):
    dependencies = [("games", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
