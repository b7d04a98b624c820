"""Load Sangkat's demo: the site in English and Khmer, the curriculum, three centers and a user per role.

Safe to run again: what exists is kept. Passwords of new demo users are printed once and saved
to var/demo-credentials.txt (readable only by you), never written in the README.
"""

import os
import secrets
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand
from django.db import transaction
from wagtail.models import Collection, Locale, Page, Site

from ambassadors.demo import seed_ambassadors_demo
from cms import roles
from cms.models import HomePage
from cms.services import ensure_roles, register_learner
from courses.demo import build_curriculum, load_curriculum
from courses.models import LessonPage
from courses.services import complete_lesson, record_lesson_visit, submit_quiz
from games.demo import seed_games_demo
from labs.demo import seed_centers_demo
from labs.models import Center
from labs.participation.demo import seed_participation

DEMO_USERS = [
    # username, role (or roles), nickname, age band, gender, center index (None = none), facilitates
    ("demo-learner", roles.LEARNER, "Sokha", "18-24", "woman", 0, []),
    ("demo-ambassador", roles.AMBASSADOR, "Dara", "18-24", "man", 0, []),
    ("demo-facilitator", roles.FACILITATOR, "Srey Neang", "25-59", "woman", 0, [0, 1]),
    ("demo-staff", roles.INNOVATION_UNIT, "Innovation Unit", "25-59", "", None, []),
    # Designated for the women-and-girls space, so the demo shows that space to the moderator too.
    ("demo-moderator", (roles.MODERATOR, roles.WOMEN_SPACE_MODERATOR), "Moderator", "25-59", "", None, []),
]
# Learners with some progress, so the facilitator's report has something to show.
PRACTICE_LEARNERS = [
    ("bopha", "Bopha", "13-17", "woman", 0, 4),
    ("rithy", "Rithy", "18-24", "man", 0, 2),
    ("chenda", "Chenda", "25-59", "woman", 0, 1),
    ("vannak", "Vannak", "60+", "man", 1, 3),
    ("sreymom", "Srey Mom", "18-24", "woman", 2, 0),
]


class Command(BaseCommand):
    help = "Create the demo site, curriculum, centers and users (safe to repeat)."

    def add_arguments(self, parser):
        parser.add_argument("--reset-passwords", action="store_true", help="Give every demo user a new password.")
        parser.add_argument("--credentials-file", default=str(settings.BASE_DIR / "var" / "demo-credentials.txt"),
                            help="Where new demo passwords are saved (readable only by you).")

    def handle(self, *args, reset_passwords: bool = False, credentials_file: str = "", **options):
        ensure_roles()
        with transaction.atomic():
            home, home_km = self._site()
            build_curriculum(home=home, home_km=home_km)
            centers = self._centers()
            credentials = self._users(centers, reset_passwords)

        seed_games_demo()
        self._practice(centers)

        seed_participation()

        seed_centers_demo(home=home)

        seed_ambassadors_demo()
        if credentials:
            path = credentials_file
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
                for username, password in credentials:
                    handle.write(f"{username} {password}\n")
            os.chmod(path, 0o600)
            self.stdout.write("Demo accounts (log in at /en/accounts/login/):")
            for username, password in credentials:
                self.stdout.write(f"  {username:18} {password}")
            self.stdout.write(f"Saved to {path}")
        else:
            self.stdout.write("Demo content is in place; demo users keep their passwords "
                              "(see var/demo-credentials.txt, or run seed_demo --reset-passwords).")

    def _site(self):
        en, _ = Locale.objects.get_or_create(language_code="en")
        km, _ = Locale.objects.get_or_create(language_code="km")
        root = Page.get_first_root_node()
        if root is None:
            # Wagtail's migrations create the tree's root; a database emptied since has none (and
            # content types remembered by this process may have been recreated with new ids).
            ContentType.objects.clear_cache()
            root = Page.add_root(instance=Page(title="Root", slug="root", locale=en))
        if Collection.get_first_root_node() is None:
            Collection.add_root(name="Root")
        home = HomePage.objects.filter(locale=en).first()
        if home is None:
            home = HomePage(
                title="Learn, take part, shape your city", slug="home", locale=en,
                tagline="Digital skills and city planning at your Smart Neighborhood Center.",
                intro="<p>Free courses for everyone: first steps with a phone, staying safe online, "
                      "and using the city's e-services. Then join workshops and send your ideas to the city.</p>",
            )
            # Wagtail's placeholder welcome page holds the "home" slug: move it aside first.
            for placeholder in Page.objects.child_of(root).filter(slug="home").exclude(content_type__model="homepage"):
                placeholder.delete()
            root.add_child(instance=home)
            home.save_revision().publish()
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="Sangkat")
        elif site.root_page_id != home.pk:
            site.root_page = home
            site.site_name = "Sangkat"
            site.save()
        home_km = home.get_translation_or_none(km)
        if home_km is None:
            home_km = home.copy_for_translation(km)
            home_km.title = "រៀន ចូលរួម និងរៀបចំទីក្រុងរបស់អ្នក"
            home_km.tagline = "ជំនាញឌីជីថល និងការរៀបចំផែនការទីក្រុង នៅមជ្ឈមណ្ឌលសង្កាត់ឆ្លាតវៃរបស់អ្នក។"
            home_km.intro = ("<p>វគ្គសិក្សាឥតគិតថ្លៃសម្រាប់គ្រប់គ្នា៖ ជំហានដំបូងជាមួយទូរស័ព្ទ ការប្រើអ៊ីនធឺណិតដោយសុវត្ថិភាព "
                             "និងការប្រើសេវាអេឡិចត្រូនិករបស់ទីក្រុង។ បន្ទាប់មក ចូលរួមសិក្ខាសាលា ហើយផ្ញើគំនិតរបស់អ្នកទៅទីក្រុង។</p>")
            home_km.save_revision().publish()
        return home, home_km.specific

    def _centers(self) -> list[Center]:
        centers = []
        for spec in load_curriculum()["centers"]:
            center, _ = Center.objects.update_or_create(
                slug=spec["slug"],
                defaults={
                    "name": spec["name"]["en"], "name_km": spec["name"]["km"],
                    "neighborhood": spec["neighborhood"]["en"], "neighborhood_km": spec["neighborhood"]["km"],
                    "address": spec["address"]["en"], "address_km": spec["address"]["km"],
                    "latitude": spec["latitude"], "longitude": spec["longitude"],
                    "opening_hours": spec["opening_hours"]["en"], "opening_hours_km": spec["opening_hours"]["km"],
                    "capacity": spec["capacity"], "pcs": spec["pcs"], "minecraft_pcs": spec["minecraft_pcs"],
                    "wifi_hotspot": spec["wifi_hotspot"],
                },
            )
            centers.append(center)
        return centers

    def _users(self, centers, reset_passwords: bool) -> list[tuple[str, str]]:
        User = get_user_model()
        credentials = []
        for username, role, nickname, age_band, gender, center_index, facilitates in DEMO_USERS:
            user = User.objects.filter(username=username).first()
            password = secrets.token_urlsafe(9)
            if user is None:
                user = register_learner(
                    username=username, password=password, nickname=nickname, age_band=age_band,
                    gender=gender, home_center=centers[center_index] if center_index is not None else None,
                    preferred_language="en",
                )
                credentials.append((username, password))
            elif reset_passwords:
                user.set_password(password)
                user.save(update_fields=["password"])
                credentials.append((username, password))
            user.groups.add(*Group.objects.filter(name__in=role if isinstance(role, tuple) else (role,)))
            for index in facilitates:
                centers[index].facilitators.add(user)
        admin = User.objects.filter(username="admin").first()
        password = secrets.token_urlsafe(12)
        if admin is None:
            User.objects.create_superuser("admin", password=password, nickname="Admin", age_band="25-59")
            credentials.append(("admin", password))
        elif reset_passwords:
            admin.set_password(password)
            admin.save(update_fields=["password"])
            credentials.append(("admin", password))
        return credentials

    def _practice(self, centers):
        User = get_user_model()
        first_course_lessons = list(
            LessonPage.objects.live().filter(locale__language_code="en").order_by("path")
        )
        for username, nickname, age_band, gender, center_index, lessons_done in PRACTICE_LEARNERS:
            if User.objects.filter(username=username).exists():
                continue
            learner = register_learner(
                username=username, password=secrets.token_urlsafe(12), nickname=nickname,
                age_band=age_band, gender=gender, home_center=centers[center_index],
            )
            for lesson in first_course_lessons[:max(lessons_done, 1)]:
                record_lesson_visit(user=learner, lesson=lesson)
                if not lessons_done:
                    continue
                for quiz in lesson.quiz_blocks():
                    right = {
                        str(number): [str(i) for i, answer in enumerate(question["answers"]) if answer["correct"]]
                        for number, question in enumerate(quiz.value["questions"])
                    }
                    submit_quiz(user=learner, lesson=lesson, quiz_id=quiz.id, token=uuid.uuid4(), answers=right)
                complete_lesson(user=learner, lesson=lesson)
