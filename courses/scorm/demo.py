"""Demo SCORM content: Sangkat's SCORM 1.2 package (one SCO) and SCORM 2004 package (two SCOs), in
English and Khmer, each played by an optional lesson of the Safe online course."""

import io
import json

from django.db import transaction
from wagtail.models import Locale

from courses.h5p.demo import DEMO_COURSE_SLUG, _repair_child_count
from courses.models import CoursePage, LessonPage
from courses.scorm.models import ScormPackage
from courses.scorm.packaging import DEMO, demo_package
from courses.scorm.services import install_package

# Fixed, so the learners' attempts and statements stay with the lesson across re-seeding and translations.
LESSONS = [
    {"version": "1.2", "slug": "scorm-keep-your-phone-safe", "block": "5c0a1b8e-6c1d-4e2a-9f3b-2d7c0e5a1201",
     "title": {"en": "Try it: keep your phone safe", "km": "សាកល្បង៖ រក្សាទូរស័ព្ទរបស់អ្នកឱ្យមានសុវត្ថិភាព"},
     "intro": {"en": "<p>Your phone holds your messages, your photos and often your money. A few habits keep "
                     "them yours: a screen lock, apps only from the app store, and never sharing a code.</p>"
                     "<p>Go through the pages at your own pace. If you stop, you continue at the same page next "
                     "time, on this computer or on your phone.</p>",
               "km": "<p>ទូរស័ព្ទរបស់អ្នកផ្ទុកសារ រូបថត ហើយជាញឹកញាប់ទាំងលុយរបស់អ្នកផង។ ទម្លាប់តិចតួចជួយរក្សាវាឱ្យនៅជារបស់អ្នក៖ "
                     "ការចាក់សោអេក្រង់ កម្មវិធីតែពីហាងកម្មវិធី និងមិនដែលចែករំលែកលេខកូដ។</p>"
                     "<p>សូមអានទំព័រនីមួយៗតាមល្បឿនរបស់អ្នក។ បើអ្នកឈប់ អ្នកនឹងបន្តនៅទំព័រដដែលនៅពេលក្រោយ "
                     "នៅលើកុំព្យូទ័រនេះ ឬនៅលើទូរស័ព្ទរបស់អ្នក។</p>"}},
    {"version": "2004", "slug": "scorm-safe-online-step-by-step", "block": "5c0a1b8e-6c1d-4e2a-9f3b-2d7c0e5a2004",
     "title": {"en": "Step by step: passwords and photos", "km": "មួយជំហានម្តងៗ៖ ពាក្យសម្ងាត់ និងរូបថត"},
     "intro": {"en": "<p>A long password keeps your accounts yours, and a careful look before you share a photo "
                     "keeps your home and school private.</p>"
                     "<p>This activity has two parts. Choose a part from the list, or use Next part. "
                     "Your place in each part is saved.</p>",
               "km": "<p>ពាក្យសម្ងាត់វែងរក្សាគណនីរបស់អ្នកឱ្យនៅជារបស់អ្នក ហើយការពិនិត្យដោយប្រុងប្រយ័ត្នមុននឹងចែករំលែករូបថត "
                     "រក្សាផ្ទះ និងសាលារៀនរបស់អ្នកជាឯកជន។</p>"
                     "<p>សកម្មភាពនេះមានពីរផ្នែក។ សូមជ្រើសរើសផ្នែកមួយពីបញ្ជី ឬចុច ផ្នែកបន្ទាប់។ "
                     "កន្លែងដែលអ្នកបានឈប់ក្នុងផ្នែកនីមួយៗ ត្រូវបានរក្សាទុក។</p>"}},
]


def demo_packages(version: str) -> dict[str, ScormPackage]:
    """The demo packages of one SCORM version, installed once (found again by title on later runs)."""
    packages = {}
    for language, spec in DEMO.items():
        title = spec["scorm12" if version == "1.2" else "scorm2004"]["title"]
        package = ScormPackage.objects.filter(title=title, version=version, status=ScormPackage.Status.READY).first()
        packages[language] = package or install_package(source=io.BytesIO(demo_package(language, version)))
    return packages


def _body(spec: dict, language: str, package: ScormPackage) -> str:
    return json.dumps([
        {"type": "text", "value": spec["intro"][language]},
        {"type": "scorm", "id": spec["block"], "value": {
            "package": package.pk, "title": package.title, "completion": "completed", "pass_mark": 60,
        }},
    ])


@transaction.atomic
def seed_scorm_demo() -> None:
    """Adds the optional SCORM lessons to the Safe online course (once), in English and Khmer."""

    course = CoursePage.objects.filter(slug=DEMO_COURSE_SLUG, locale__language_code="en").first()
    if course is None:
        return
    km = Locale.objects.filter(language_code="km").first()
    for spec in LESSONS:
        packages = demo_packages(spec["version"])
        lesson = LessonPage.objects.child_of(course).filter(slug=spec["slug"]).first()
        if lesson is None:
            _repair_child_count(course)
            lesson = LessonPage(slug=spec["slug"], title=spec["title"]["en"], estimated_minutes=5, required=False,
                                body=_body(spec, "en", packages["en"]))
            course.add_child(instance=lesson)
            lesson.save_revision().publish()
        course_km = course.get_translation_or_none(km) if km else None
        if course_km is not None and lesson.get_translation_or_none(km) is None:
            _repair_child_count(course_km)
            translated = lesson.copy_for_translation(km)
            translated.title = spec["title"]["km"]
            translated.body = _body(spec, "km", packages["km"])
            translated.save_revision().publish()
