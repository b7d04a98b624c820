"""Test data: users with roles, centers, and a small curriculum in English and Khmer."""

import json
import uuid

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from wagtail.models import Locale, Page, Site

from cms.models import HomePage
from courses.models import CourseIndexPage, CoursePage, LessonPage
from labs.models import Center


class CenterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Center

    slug = factory.Sequence(lambda n: f"center-{n}")
    name = factory.Sequence(lambda n: f"Center {n}")
    name_km = factory.Sequence(lambda n: f"មជ្ឈមណ្ឌល {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    nickname = factory.Sequence(lambda n: f"Nick {n}")
    age_band = "18-24"
    preferred_language = "en"
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for name in extracted or ["learner"]:
            self.groups.add(Group.objects.get_or_create(name=name)[0])
        self.save()


PASSWORD = "correct horse battery"

QUIZ_ID = "6f1c1c6e-2f65-4f44-9d1a-6b7a1d0c0001"


def quiz_block(*, quiz_id: str = QUIZ_ID, pass_mark: int = 60, language: str = "en") -> dict:
    """A three-question quiz: single (answer 1 right), multiple (0 and 2 right), true/false (0 right)."""
    word = {"en": "", "km": "ក "}[language]
    return {
        "type": "quiz", "id": quiz_id,
        "value": {
            "title": f"{word}Check yourself", "pass_mark": pass_mark,
            "questions": [
                {"kind": "single", "prompt": f"{word}Which is a strong password?", "answers": [
                    {"text": "123456", "correct": False, "feedback": "Too easy to guess."},
                    {"text": "river-mango-bicycle-42", "correct": True, "feedback": "Long and unusual."},
                    {"text": "password", "correct": False, "feedback": "The most guessed password."},
                ]},
                {"kind": "multiple", "prompt": f"{word}Which should you never share?", "answers": [
                    {"text": "Your PIN", "correct": True, "feedback": "Right: keep it secret."},
                    {"text": "Your nickname", "correct": False, "feedback": "A nickname is fine to share."},
                    {"text": "A code sent by SMS", "correct": True, "feedback": "Right: codes are keys."},
                    {"text": "The name of your center", "correct": False, "feedback": "That is public."},
                ]},
                {"kind": "true_false", "prompt": f"{word}Banks never ask for your PIN by phone.", "answers": [
                    {"text": "True", "correct": True, "feedback": "Correct."},
                    {"text": "False", "correct": False, "feedback": "They never do."},
                ]},
            ],
        },
    }


ALL_RIGHT = {"0": ["1"], "1": ["0", "2"], "2": ["0"]}
ONE_RIGHT = {"0": ["1"], "1": ["0"], "2": ["1"]}


def text_block(text: str) -> dict:
    return {"type": "text", "value": f"<p>{text}</p>"}


def build_site(*, lessons: int = 3, quiz_in: tuple[int, ...] = (1,), with_khmer: bool = True) -> dict:
    """Home → Courses → one course with `lessons` lessons (quizzes in the given positions)."""
    en, _ = Locale.objects.get_or_create(language_code="en")
    km, _ = Locale.objects.get_or_create(language_code="km")
    root = Page.get_first_root_node()
    Page.objects.child_of(root).exclude(content_type__model="homepage").delete()
    home = HomePage(title="Sangkat home", slug="home", locale=en)
    root.add_child(instance=home)
    Site.objects.update_or_create(is_default_site=True, defaults={"hostname": "localhost", "root_page": home})
    index = CourseIndexPage(title="Courses", slug="courses")
    home.add_child(instance=index)
    course = CoursePage(title="Safe online", slug="safe-online", summary="Stay safe.", estimated_minutes=30)
    index.add_child(instance=course)
    lesson_pages = []
    for number in range(lessons):
        body = [text_block(f"Lesson {number + 1} text.")]
        if number in quiz_in:
            body.append(quiz_block())
        lesson = LessonPage(title=f"Lesson {number + 1}", slug=f"lesson-{number + 1}", body=json.dumps(body))
        course.add_child(instance=lesson)
        lesson_pages.append(lesson)
    result = {"home": home, "index": index, "course": course, "lessons": lesson_pages}
    if with_khmer:
        home_km = home.copy_for_translation(km)
        home_km.save_revision().publish()
        index_km = index.copy_for_translation(km)
        index_km.title = "វគ្គសិក្សា"
        index_km.save_revision().publish()
        course_km = course.copy_for_translation(km)
        course_km.title = "សុវត្ថិភាពលើអ៊ីនធឺណិត"
        course_km.save_revision().publish()
        lessons_km = []
        for number, lesson in enumerate(lesson_pages):
            lesson_km = lesson.copy_for_translation(km)
            lesson_km.title = f"មេរៀនទី {number + 1}"
            body = [text_block(f"អត្ថបទមេរៀន {number + 1}")]
            if number in quiz_in:
                body.append(quiz_block(language="km"))
            lesson_km.body = json.dumps(body)
            lesson_km.save_revision().publish()
            lessons_km.append(lesson_km.specific)
        result.update({"course_km": course_km.specific, "lessons_km": lessons_km})
    return result


def new_token() -> str:
    return str(uuid.uuid4())
