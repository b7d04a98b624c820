"""Demo H5P content: Sangkat.Choice packages (English, Khmer) and an optional lesson that plays them."""

import io
import json

from django.db import transaction
from wagtail.models import Locale

from courses.h5p.models import H5PPackage
from courses.h5p.packaging import DEMO_CHOICE, demo_package
from courses.h5p.services import install_package
from courses.models import CoursePage, LessonPage

DEMO_COURSE_SLUG = "safe-online"
DEMO_LESSON_SLUG = "try-it-strong-passwords"
# Fixed, so the activity (and the learners' statements about it) stay the same across re-seeding
# and across the lesson's translations.
DEMO_BLOCK_ID = "5a4f1b8e-6c1d-4e2a-9f3b-2d7c0e5a0001"
LESSON = {
    "en": {"title": "Try it: choose a strong password",
           "intro": "<p>A strong password is long and hard to guess. An easy way to make one is a passphrase: "
                    "four or more random words you can remember as a picture in your head. Never use your name, "
                    "your birthday or 123456, and never use one password for two accounts.</p>"
                    "<p>Answer the question below. Your answer is saved, even if the Wi-Fi drops for a moment.</p>"},
    "km": {"title": "សាកល្បង៖ ជ្រើសរើសពាក្យសម្ងាត់ខ្លាំង",
           "intro": "<p>ពាក្យសម្ងាត់ខ្លាំង គឺវែង ហើយពិបាកទាយ។ វិធីងាយស្រួលមួយដើម្បីបង្កើតវា គឺប្រើឃ្លាសម្ងាត់៖ "
                    "ពាក្យចៃដន្យបួន ឬច្រើនជាងនេះ ដែលអ្នកអាចចងចាំបានដូចជារូបភាពមួយក្នុងគំនិតរបស់អ្នក។ "
                    "កុំប្រើឈ្មោះ ថ្ងៃខែឆ្នាំកំណើត ឬ 123456 ហើយកុំប្រើពាក្យសម្ងាត់តែមួយសម្រាប់គណនីពីរ។</p>"
                    "<p>សូមឆ្លើយសំណួរខាងក្រោម។ ចម្លើយរបស់អ្នកត្រូវបានរក្សាទុក ទោះបីជា Wi-Fi ដាច់មួយភ្លែតក៏ដោយ។</p>"},
}


def demo_packages() -> dict[str, H5PPackage]:
    """The demo packages, installed once (found again by their title on later runs)."""
    packages = {}
    for language, spec in DEMO_CHOICE.items():
        package = H5PPackage.objects.filter(title=spec["title"], main_library="Sangkat.Choice 1.0").first()
        packages[language] = package or install_package(source=io.BytesIO(demo_package(language)))
    return packages


def _body(language: str, package: H5PPackage) -> str:
    return json.dumps([
        {"type": "text", "value": LESSON[language]["intro"]},
        {"type": "h5p", "id": DEMO_BLOCK_ID, "value": {
            "package": package.pk, "title": DEMO_CHOICE[language]["title"], "completion": "completed", "pass_mark": 60,
        }},
    ])


@transaction.atomic
def seed_h5p_demo() -> None:
    """Adds the optional "Try it" lesson with the H5P activity to the Safe online course (once)."""
    course = CoursePage.objects.filter(slug=DEMO_COURSE_SLUG, locale__language_code="en").first()
    if course is None:
        return
    packages = demo_packages()
    lesson = LessonPage.objects.child_of(course).filter(slug=DEMO_LESSON_SLUG).first()
    if lesson is None:
        lesson = LessonPage(
            slug=DEMO_LESSON_SLUG, title=LESSON["en"]["title"], estimated_minutes=3, required=False,
            body=_body("en", packages["en"]),
        )
        course.add_child(instance=lesson)
        lesson.save_revision().publish()
    km = Locale.objects.filter(language_code="km").first()
    course_km = course.get_translation_or_none(km) if km else None
    if course_km is not None and lesson.get_translation_or_none(km) is None:
        _repair_child_count(course_km)
        translated = lesson.copy_for_translation(km)
        translated.title = LESSON["km"]["title"]
        translated.body = _body("km", packages["km"])
        translated.save_revision().publish()


def _repair_child_count(page) -> None:
    """Make the tree's child count true before adding a child.

    Demo courses published from an instance loaded before their lessons were added kept
    numchild=0, and treebeard would then give the new child the path of the first one.
    """
    from wagtail.models import Page

    real = Page.objects.filter(path__startswith=page.path, depth=page.depth + 1).count()
    if real != page.numchild:
        Page.objects.filter(pk=page.pk).update(numchild=real)
