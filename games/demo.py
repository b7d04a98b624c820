"""Demo badges tied to the demo curriculum (the programme's own badges come from a migration)."""

from courses.models import CoursePage
from games.minecraft.demo import seed_minecraft_demo
from games.models import BadgeDefinition, Criterion


def seed_games_demo() -> None:
    """One badge per demo course, and one for finishing them all. Safe to repeat."""
    courses = list(CoursePage.objects.live().filter(locale__language_code="en").order_by("path"))
    khmer = dict(CoursePage.objects.live().filter(locale__language_code="km").values_list("translation_key", "title"))
    for course in courses:
        title_km = khmer.get(course.translation_key, "")
        BadgeDefinition.objects.get_or_create(
            slug=f"course-{course.slug}"[:60],
            defaults={"name_en": course.title[:80], "description_en": f"Completed the course “{course.title}”.",
                      "name_km": title_km[:80],
                      "description_km": f"បានបញ្ចប់វគ្គសិក្សា «{title_km}»។" if title_km else "",
                      "criteria_en": f"Complete every lesson of “{course.title}”.",
                      "criterion": Criterion.COURSE, "course": course, "level": 2, "color": "#2a5d9f"},
        )
    if len(courses) > 1:
        everything, created = BadgeDefinition.objects.get_or_create(
            slug="digital-skills-graduate",
            defaults={"name_en": "Digital skills graduate", "name_km": "អ្នកបញ្ចប់ជំនាញឌីជីថល",
                      "description_en": "Completed every course of the digital-literacy curriculum.",
                      "description_km": "បានបញ្ចប់វគ្គសិក្សាទាំងអស់នៃកម្មវិធីអំណានឌីជីថល។",
                      "criteria_en": "Complete all the demo courses.", "criterion": Criterion.COURSES,
                      "level": 4, "color": "#a8326e"},
        )
        if created:
            everything.courses.set(courses)
            everything.save()

    seed_minecraft_demo()
