"""Builds Sangkat's demo cmi5 course (one AU, three questions, English or Khmer) for seed_demo and tests."""

import html
import io
import json
import zipfile
from pathlib import Path

from courses.cmi5.models import Cmi5Course
from courses.cmi5.services import install_package
from courses.h5p.demo import _repair_child_count
from courses.models import CoursePage, LessonPage

AU_JS = Path(__file__).parent / "demo_au" / "au.js"
COURSE_ID = "https://sangkat.example/cmi5/safe-messages"
AU_ID = COURSE_ID + "/au/1"

DEMO = {
    "en": {
        "title": "Safe messages",
        "questions": [
            {"prompt": "A stranger sends you a link to win a phone. What do you do?",
             "answers": ["Open it quickly", "Do not open it, and delete the message"], "correct": 1},
            {"prompt": "Someone in a group chat asks for your home address. What do you do?",
             "answers": ["Answer in the group", "Do not share it, and tell someone you trust"], "correct": 1},
            {"prompt": "Your friend sends you a photo of another girl without asking her. What do you do?",
             "answers": ["Do not share it further", "Send it to others"], "correct": 0},
        ],
        "ui": {"right": "Right.", "wrong": "Not quite: think again.", "answered": "%s of %t answered",
               "saved": "Your answer is saved.", "finished": "Well done: you finished this part.",
               "offline": "Not saved: check the Wi-Fi and answer again.", "broken": "This part could not start.",
               "welcome": "Welcome back! Your answers are still here.", "exit": "Leave"},
    },
    "km": {
        "title": "សារដែលមានសុវត្ថិភាព",
        "questions": [
            {"prompt": "មនុស្សចម្លែកផ្ញើតំណភ្ជាប់មកអ្នក ដើម្បីឈ្នះទូរស័ព្ទ។ តើអ្នកធ្វើអ្វី?",
             "answers": ["បើកវាឱ្យលឿន", "កុំបើកវា ហើយលុបសារនោះចោល"], "correct": 1},
            {"prompt": "មាននរណាម្នាក់ក្នុងក្រុមជជែក សុំអាសយដ្ឋានផ្ទះរបស់អ្នក។ តើអ្នកធ្វើអ្វី?",
             "answers": ["ឆ្លើយក្នុងក្រុម", "កុំចែករំលែកវា ហើយប្រាប់មនុស្សដែលអ្នកទុកចិត្ត"], "correct": 1},
            {"prompt": "មិត្តភក្តិរបស់អ្នកផ្ញើរូបថតក្មេងស្រីម្នាក់ទៀតមកអ្នក ដោយមិនបានសុំនាង។ តើអ្នកធ្វើអ្វី?",
             "answers": ["កុំចែករំលែកវាបន្តទៀត", "ផ្ញើវាទៅអ្នកផ្សេង"], "correct": 0},
        ],
        "ui": {"right": "ត្រឹមត្រូវ។", "wrong": "មិនទាន់ត្រូវទេ៖ សូមគិតម្តងទៀត។", "answered": "បានឆ្លើយ %s ក្នុងចំណោម %t",
               "saved": "ចម្លើយរបស់អ្នកត្រូវបានរក្សាទុក។", "finished": "ល្អណាស់៖ អ្នកបានបញ្ចប់ផ្នែកនេះ។",
               "offline": "មិនបានរក្សាទុកទេ៖ សូមពិនិត្យ Wi-Fi ហើយឆ្លើយម្តងទៀត។", "broken": "ផ្នែកនេះមិនអាចចាប់ផ្តើមបានទេ។",
               "welcome": "សូមស្វាគមន៍ការត្រឡប់មកវិញ! ចម្លើយរបស់អ្នកនៅតែមាន។", "exit": "ចាកចេញ"},
    },
}


def au_page(*, language: str) -> str:
    spec = DEMO[language]
    data = json.dumps({"questions": spec["questions"], "ui": spec["ui"]}, ensure_ascii=False).replace("</", "<\\/")
    return f"""<!doctype html>
<html lang="{language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(spec["title"])}</title>
<style>body{{font-family:sans-serif;line-height:1.6;margin:1rem}}label{{display:inline-block;min-height:44px}}button{{min-height:44px}}</style>
</head>
<body>
<h1>{html.escape(spec["title"])}</h1>
<p id="welcome-back" role="status" hidden>{html.escape(spec["ui"]["welcome"])}</p>
<div id="questions"></div>
<p id="progress"></p>
<p id="status" role="status"></p>
<button type="button" id="exit">{html.escape(spec["ui"]["exit"])}</button>
<script type="application/json" id="course">{data}</script>
<script src="au.js"></script>
</body>
</html>
"""


def course_xml(*, title: str, language: str, au_url: str = "au/index.html", move_on: str = "Completed",
               mastery: str = 'masteryScore="0.6"', extra: str = "") -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd">
  <course id="{COURSE_ID}">
    <title><langstring lang="{language}">{html.escape(title)}</langstring></title>
    <description><langstring lang="{language}">{html.escape(title)}</langstring></description>
  </course>
  <au id="{AU_ID}" moveOn="{move_on}" {mastery} launchMethod="AnyWindow">
    <title><langstring lang="{language}">{html.escape(title)}</langstring></title>
    <description><langstring lang="{language}">{html.escape(title)}</langstring></description>
    <url>{html.escape(au_url)}</url>
  </au>{extra}
</courseStructure>
"""


def build(*, xml: str, language: str = "en", extra_files: dict | None = None, with_au: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("cmi5.xml", xml)
        if with_au:
            archive.writestr("au/index.html", au_page(language=language))
            archive.write(AU_JS, "au/au.js")
        for name, data in (extra_files or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def demo_package(language: str, **options) -> bytes:
    return build(xml=course_xml(title=DEMO[language]["title"], language=language, **options), language=language)


# ---- seed_demo: an optional lesson of "Safe online" that plays the course ----------------------

DEMO_COURSE_SLUG = "safe-online"
DEMO_LESSON_SLUG = "try-it-safe-messages"
# Fixed, so the registration and statements stay the same across re-seeding and translations.
DEMO_BLOCK_ID = "7c5e2a9f-8d3b-4f1a-a6c2-3e8d1f5b0004"
LESSON = {
    "en": {"title": "Try it: safe messages",
           "intro": "<p>Messages from people you do not know can hide tricks. Answer the three questions below: "
                    "your answers are kept, so you can stop and continue later on any computer of the center.</p>"},
    "km": {"title": "សាកល្បង៖ សារដែលមានសុវត្ថិភាព",
           "intro": "<p>សារពីមនុស្សដែលអ្នកមិនស្គាល់ អាចលាក់ល្បិចបោកប្រាស់។ សូមឆ្លើយសំណួរទាំងបីខាងក្រោម៖ "
                    "ចម្លើយរបស់អ្នកត្រូវបានរក្សាទុក ដូច្នេះអ្នកអាចឈប់ ហើយបន្តនៅពេលក្រោយ លើកុំព្យូទ័រណាមួយនៃមជ្ឈមណ្ឌល។</p>"},
}


def demo_courses() -> dict:
    found = {}
    for language, spec in DEMO.items():
        course = Cmi5Course.objects.filter(title=spec["title"], course_id=COURSE_ID, status=Cmi5Course.Status.READY).first()
        found[language] = course or install_package(source=io.BytesIO(demo_package(language)))
    return found


def _body(language: str, course) -> str:
    return json.dumps([
        {"type": "text", "value": LESSON[language]["intro"]},
        {"type": "cmi5", "id": DEMO_BLOCK_ID, "value": {"course": course.pk, "title": DEMO[language]["title"]}},
    ])


def seed_cmi5_demo() -> None:
    """Adds the optional "Try it: safe messages" lesson with the demo cmi5 course (once), in English and Khmer."""
    from django.db import transaction
    from wagtail.models import Locale

    with transaction.atomic():
        parent = CoursePage.objects.filter(slug=DEMO_COURSE_SLUG, locale__language_code="en").first()
        if parent is None:
            return
        courses = demo_courses()
        lesson = LessonPage.objects.child_of(parent).filter(slug=DEMO_LESSON_SLUG).first()
        if lesson is None:
            lesson = LessonPage(slug=DEMO_LESSON_SLUG, title=LESSON["en"]["title"], estimated_minutes=3,
                                required=False, body=_body("en", courses["en"]))
            _repair_child_count(parent)
            parent.add_child(instance=lesson)
            lesson.save_revision().publish()
        km = Locale.objects.filter(language_code="km").first()
        parent_km = parent.get_translation_or_none(km) if km else None
        if parent_km is not None and lesson.get_translation_or_none(km) is None:
            _repair_child_count(parent_km)
            translated = lesson.copy_for_translation(km)
            translated.title = LESSON["km"]["title"]
            translated.body = _body("km", courses["km"])
            translated.save_revision().publish()
