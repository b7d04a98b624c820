"""Builds the demo curriculum (courses/demo_content/curriculum.json) as Wagtail pages in English and Khmer.

Used by `manage.py seed_demo`; creating is skipped for pages that already exist, so it is safe to repeat.
"""

import io
import json
from pathlib import Path

from django.core.files.images import ImageFile
from django.db import transaction
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.images import get_image_model
from wagtail.models import Locale, Page

from courses.cmi5.demo import seed_cmi5_demo
from courses.h5p.demo import seed_h5p_demo
from courses.models import CourseIndexPage, CoursePage, LessonPage
from courses.scorm.demo import seed_scorm_demo

CURRICULUM = Path(__file__).parent / "demo_content" / "curriculum.json"
COVER_COLOURS = [("#0b6e4f", "#f6c945"), ("#2856a3", "#f4a259"), ("#7a2e8f", "#8bd3c7")]


def load_curriculum() -> dict:
    return json.loads(CURRICULUM.read_text(encoding="utf-8"))


def _stream(blocks: list[dict], language: str) -> str:
    """Curriculum blocks to StreamField JSON in one language; quiz ids stay the same in every language."""
    stream = []
    for number, block in enumerate(blocks):
        kind = block["type"]
        if kind == "text":
            stream.append({"type": "text", "value": block[language]})
        elif kind == "callout":
            stream.append({"type": "callout", "value": {"style": block["style"], "text": block[language]}})
        elif kind == "quiz":
            stream.append({
                "type": "quiz", "id": block["id"],
                "value": {
                    "title": block["title"][language],
                    "pass_mark": block["pass_mark"],
                    "questions": [
                        {
                            "kind": question["kind"],
                            "prompt": question["prompt"][language],
                            "answers": [
                                {"text": a["text"][language], "correct": a["correct"], "feedback": a["feedback"][language]}
                                for a in question["answers"]
                            ],
                        }
                        for question in block["questions"]
                    ],
                },
            })
        else:
            raise ValueError(f"unknown block type {kind!r} in block {number}")
    return json.dumps(stream)


def _cover(title: str, number: int):
    """A simple generated cover (shapes in the course's colours), stored as a Wagtail image."""
    Image = get_image_model()
    existing = Image.objects.filter(title=title).first()
    if existing:
        return existing
    back, front = COVER_COLOURS[number % len(COVER_COLOURS)]
    picture = PILImage.new("RGB", (960, 480), back)
    draw = ImageDraw.Draw(picture)
    for i in range(6):
        x = 560 + i * 70
        draw.rounded_rectangle([x, 120 + (i % 3) * 40, x + 52, 420], radius=10, fill=front)
    draw.ellipse([80, 80, 400, 400], outline=front, width=24)
    draw.polygon([(240, 150), (330, 240), (240, 330), (150, 240)], fill=front)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=80)
    return Image.objects.create(title=title, file=ImageFile(buffer, name=f"course-cover-{number + 1}.jpg"))


def _translate(page: Page, locale: Locale, **fields) -> Page:
    """The page's translation in a locale, created from the source page if missing, then published."""
    translated = page.get_translation_or_none(locale)
    if translated is None:
        translated = page.copy_for_translation(locale)
        for name, value in fields.items():
            setattr(translated, name, value)
        translated.save_revision().publish()
    return translated.specific


def _child(parent: Page, model, slug: str, **fields):
    existing = model.objects.child_of(parent).filter(slug=slug).first()
    if existing:
        return existing, False
    page = model(slug=slug, **fields)
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page, True


@transaction.atomic
def build_curriculum(*, home: Page, home_km: Page) -> list[CoursePage]:
    data = load_curriculum()
    km = Locale.objects.get(language_code="km")
    index, _ = _child(home, CourseIndexPage, "courses", title="Courses",
                      intro="<p>Short, practical courses. Learn at your own pace, on a phone or at your center.</p>")
    _translate(index, km, title="វគ្គសិក្សា",
               intro="<p>វគ្គសិក្សាខ្លីៗ និងអនុវត្តជាក់ស្តែង។ រៀនតាមល្បឿនរបស់អ្នក នៅលើទូរស័ព្ទ ឬនៅមជ្ឈមណ្ឌលរបស់អ្នក។</p>")
    courses = {}
    for number, spec in enumerate(data["courses"]):
        course, created = _child(
            index, CoursePage, spec["slug"], title=spec["title"]["en"], summary=spec["summary"]["en"],
            level=spec["level"], estimated_minutes=spec["estimated_minutes"],
            cover_image=_cover(spec["title"]["en"], number),
        )
        courses[spec["slug"]] = course
        for lesson_spec in spec["lessons"]:
            _child(course, LessonPage, lesson_spec["slug"], title=lesson_spec["title"]["en"],
                   estimated_minutes=lesson_spec["estimated_minutes"], body=_stream(lesson_spec["blocks"], "en"))
        course_km = _translate(course, km, title=spec["title"]["km"], summary=spec["summary"]["km"])
        for lesson_spec in spec["lessons"]:
            lesson = LessonPage.objects.child_of(course).get(slug=lesson_spec["slug"])
            _translate(lesson, km, title=lesson_spec["title"]["km"], body=_stream(lesson_spec["blocks"], "km"))
        if created:
            prerequisites = [courses[slug] for slug in spec["prerequisites"] if slug in courses]
            for target in (course, course_km):
                target.prerequisites.set(
                    [p.get_translation(target.locale) for p in prerequisites]
                )
                target.save_revision().publish()

    seed_h5p_demo()
    seed_scorm_demo()
    seed_cmi5_demo()
    return list(courses.values())
