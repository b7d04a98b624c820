"""The access-control matrix: the table in docs/security.md, every URL pattern of the project, one
object of every kind the patterns need, and the nine roles as users.

The table in docs/security.md is the source: tests/security/test_access_matrix.py reads it with
`read_matrix()` and checks it against `project_patterns()` and against what each view answers.
"""

import io
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security.md"

ROLES = (
    "anonymous", "learner", "minor learner", "ambassador", "facilitator", "staff", "moderator",
    "women-space moderator", "women-and-girls member",
)

# Cells: what a GET answers (`post…` cells: what a POST answers; a GET must not show the page).
GET_CELLS = {"200", "login", "403", "404", "own", "302", "400", "401", "405"}
POST_CELLS = {"post", "post:msg", "post:login", "post:403", "post:404", "post:own"}

# Patterns the matrix does not walk, each with its reason (also written in docs/security.md).
SKIPPED_PREFIXES = (
    "admin/",      # Wagtail admin: one row "wagtail admin" (staff and moderators only)
    "documents/",  # Wagtail documents: served under the document's own privacy rules
)
SKIPPED_NAMES = {"wagtail_serve"}
# Rows the table has besides URL names: the Wagtail admin (walked at /admin/ only).
EXTRA_ROWS = {"wagtail admin": "/admin/"}
# A URL that takes one of these objects also gets a row "name [variant]" walked with the variant's object.
VARIANT_KWARGS = {"women": {"proposal_id", "workshop_id"}}
# Lists that show the women-and-girls space when asked with a query string: also a row "name [women]".
QUERY_VARIANTS = {"women": ("?space=women", {"participation:proposals", "participation:proposals_csv",
                                             "proposals_api"})}
# Headers a URL needs to get past protocol checks to its access rule.
HEADERS = {name: {"HTTP_X_EXPERIENCE_API_VERSION": "1.0.3"} for name in (
    "xapi_statements", "xapi_state", "xapi_activity_profile", "xapi_activities", "xapi_agent_profile",
    "xapi_agents",
)}


def _proposal(kwargs):
    from labs.participation.models import Proposal

    return Proposal.objects.get(pk=kwargs["proposal_id"])


def _workshop(kwargs):
    from labs.hercity.models import Workshop

    return Workshop.objects.get(pk=kwargs["workshop_id"])


# Actions whose role rule lives in their service (a refusal is a message, not a status): the walk
# POSTs real data and looks whether the change happened: `post` if it did, `post:msg` if refused.
EFFECTS = {
    "participation:moderate": ({"action": "hide", "reason": "Off topic"},
                               lambda kwargs: _proposal(kwargs).hidden_at is not None),
    "participation:answer": ({"state": "evaluating", "answer": "We are looking at it."},
                             lambda kwargs: _proposal(kwargs).answered_at is not None),
    "hercity:advance": ({"to_step": "2"}, lambda kwargs: _workshop(kwargs).step == 2),
}
# Text only some roles may ever receive: no other role's 200 response may contain it, on any URL.
SECRETS = {
    # A women-space proposal: members and designated moderators, never a plain moderator.
    "A lamp on the school path": {"women-space moderator", "women-and-girls member"},
    "School path": {"women-space moderator", "women-and-girls member", "facilitator"},  # a women-space workshop
    # A minor without consent: her center, staff, moderators.
    "Minorkid Sokha": {"facilitator", "staff", "moderator", "women-space moderator"},
    "Chanthou Fullname": {"facilitator", "staff"},  # a full name: the person and the staff of her center
}  # the catch-all that serves pages: one row per page type instead

ROW = re.compile(r"^\|\s*`?(?P<key>[^|`]+?)`?\s*\|(?P<cells>.*)\|\s*$")


@dataclass
class Pattern:
    name: str      # namespace:name, as reverse() takes it
    route: str     # the route, for messages
    kwargs: tuple  # converter names the route captures


@dataclass
class Matrix:
    rows: dict = field(default_factory=dict)  # key → {role: cell}
    errors: list = field(default_factory=list)


def read_matrix(text: str | None = None) -> Matrix:
    """The rows of the access table in docs/security.md: `| key | anonymous | … | note |`."""
    text = DOC.read_text(encoding="utf-8") if text is None else text
    matrix = Matrix()
    header = None
    for line in text.splitlines():
        if not line.startswith("|"):
            header = None if not line.strip() else header
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            if cells[1:1 + len(ROLES)] == list(ROLES):
                header = cells
            continue
        if set(cells[0]) <= set("-: "):
            continue
        key = cells[0].strip("`")
        values = [c.strip("`") for c in cells[1:1 + len(ROLES)]]
        if len(values) != len(ROLES):
            matrix.errors.append(f"{key}: {len(values)} cells, {len(ROLES)} roles")
            continue
        for value in values:
            if value not in GET_CELLS | POST_CELLS:
                matrix.errors.append(f"{key}: unknown cell {value!r}")
        if key in matrix.rows:
            matrix.errors.append(f"{key}: two rows")
        matrix.rows[key] = dict(zip(ROLES, values, strict=True))
    return matrix


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from _walk(entry.url_patterns, route, ns)
        elif isinstance(entry, URLPattern):
            yield entry, route, namespace


def project_patterns() -> tuple[list[Pattern], list[str]]:
    """Every URL pattern the matrix must cover, and the ones it skips (with the reason)."""
    from django.views.static import serve as static_serve

    found, skipped = [], []
    for entry, route, namespace in _walk(get_resolver().url_patterns):
        bare = route.replace("^", "").replace("$", "")
        if bare.startswith(SKIPPED_PREFIXES) or entry.name in SKIPPED_NAMES:
            skipped.append(route)
            continue
        if entry.callback is static_serve:  # media files while DEBUG is on
            skipped.append(route)
            continue
        if not entry.name:
            found.append(Pattern(name=f"<unnamed {route}>", route=route, kwargs=()))
            continue
        kwargs = tuple(re.findall(r"<(?:\w+:)?(\w+)>", route)) + tuple(entry.pattern.regex.groupindex)
        found.append(Pattern(name=namespace + entry.name, route=route, kwargs=tuple(dict.fromkeys(kwargs))))
    return found, skipped


def page_models() -> list:
    from wagtail.models import Page, get_page_models

    return [model for model in get_page_models() if model is not Page]


# --- the world: one object of every kind, owned by people who are none of the nine roles ----------

H5P_BLOCK = "0b6e4f00-1111-4222-8333-444455556666"
SCORM_BLOCK = "5c0e4f00-1111-4222-8333-444455556666"


@dataclass
class World:
    kwargs: dict          # converter name → value
    variants: dict        # variant name → converter overrides
    pages: dict           # page model name → page
    center: object
    namespace_kwargs: dict  # namespace prefix → converter overrides (minecraft session ids)


def _png_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, "PNG")
    return SimpleUploadedFile("photo.png", buf.getvalue(), content_type="image/png")


def build_world() -> World:
    import json

    from wagtail.models import PageViewRestriction

    from ambassadors.models import Application, Certification
    from courses.h5p.models import H5PLibrary
    from courses.h5p.packaging import choice_package
    from courses.h5p.services import install_package
    from games import services as games
    from games.minecraft import services as minecraft
    from games.models import BadgeDefinition, Criterion
    from labs.hercity import services as hercity
    from labs.models import Attendance, CenterIndexPage, CenterPage, Session
    from labs.participation import services as participation
    from labs.participation.models import WomenSpaceMembership
    from tests.factories import QUIZ_ID, CenterFactory, UserFactory, build_site, text_block

    site = build_site(lessons=2, quiz_in=(0,), with_khmer=False)
    center = CenterFactory()
    centers = CenterIndexPage(title="Centers", slug="centers")
    site["home"].add_child(instance=centers)
    center_page = CenterPage(title=center.name, slug=center.slug, center=center)
    centers.add_child(instance=center_page)

    # The people who own things: none of them is the role being checked.
    owner = UserFactory(home_center=center, nickname="Owner", display_name="Chanthou Fullname")
    colleague = UserFactory(roles=["facilitator"], nickname="Colleague")
    center.facilitators.add(colleague)
    city = UserFactory(roles=["innovation-unit"], nickname="City")
    sister = UserFactory(gender="woman", home_center=center, nickname="Sister")
    WomenSpaceMembership.objects.create(user=sister, confirmed_by=colleague, confirmed_at=timezone.now())
    applicant = UserFactory(gender="woman", home_center=center, nickname="Applicant")
    request = participation.request_women_space(user=applicant)

    starts = timezone.now() + timedelta(days=2)
    session = Session.objects.create(center=center, title="First steps", starts_at=starts,
                                     ends_at=starts + timedelta(hours=2), capacity=10)
    walk_in = Attendance.objects.create(session=session, nickname="Walk-in", method="walkin", recorded_by=colleague)
    from labs.devices import services as devices

    device = devices.register_device(actor=colleague, center=center, name="PC 1")
    her_session = Session.objects.create(center=center, title="Her City walk", kind="hercity", starts_at=starts,
                                         ends_at=starts + timedelta(hours=2), capacity=10)
    workshop = hercity.create_workshop(facilitator=colleague, session=her_session, site_name="Market lane")
    # Only a member of the women-and-girls space may send a workshop's result there: a woman colleague.
    sister_colleague = UserFactory(roles=["facilitator"], gender="woman", nickname="Sister colleague")
    center.facilitators.add(sister_colleague)
    WomenSpaceMembership.objects.create(user=sister_colleague, confirmed_by=colleague, confirmed_at=timezone.now())
    women_workshop = hercity.create_workshop(facilitator=sister_colleague, session=her_session,
                                             site_name="School path", space="women")

    # A minor without a guardian's consent, with public traces: her nickname must show nowhere public.
    minor = UserFactory(home_center=center, nickname="Minorkid Sokha", age_band="13-17")
    participation.submit_proposal(author=minor, title="Shade at the bus stop", body="It is hot.", category="mobility")
    proposal = participation.submit_proposal(author=owner, title="More bins at the market",
                                             body="The market overflows.", category="waste",
                                             images=[_png_upload()])
    women_proposal = participation.submit_proposal(author=sister, title="A lamp on the school path",
                                                   body="It is dark by the school.", category="safety",
                                                   space="women", images=[_png_upload()])
    now = timezone.now()
    call = participation.open_call(staff=city, title="Cleaner streets", question="How do we keep streets clean?",
                                   phases=[("collect", now - timedelta(days=1), now + timedelta(days=9))])

    sample = ROOT / "games" / "minecraft" / "sample_sites" / "sangkat_square.geojson"
    codesign_site = minecraft.create_site(user=None, name_en="Sangkat Square", geojson=sample.read_text(),
                                          crs="wgs84")
    codesign = minecraft.create_session(facilitator=colleague, title="Square workshop", site=codesign_site,
                                        team_names=["Mango"])
    team = codesign.teams.get()
    # A finished build with its renders (made directly: the capture pipeline is tested elsewhere).
    from django.core.files.base import ContentFile

    from games.minecraft.models import Capture, TeamBuild

    capture = Capture.objects.create(session=codesign, source="live", state="done", created_by=colleague)
    build = TeamBuild(capture=capture, team=team, metrics={}, diff={})
    for picture in ("plan", "iso", "before_after"):
        getattr(build, picture).save(f"{picture}.png", ContentFile(_png_upload().read()), save=False)
    build.save()

    badge = BadgeDefinition.objects.create(slug="safe-online", name_en="Safe online",
                                           description_en="Finished Safe online.", criterion=Criterion.COURSE,
                                           course=site["course"])
    award = games.issue_badge(user=owner, slug=badge.slug)
    games.issue_badge(user=minor, slug=badge.slug)

    application = Application.objects.create(user=owner, center=center, motivation="I like helping my neighbours.",
                                             availability="Saturdays")
    certification = Certification.objects.create(user=colleague, issued_at=now, expires_at=now + timedelta(days=365),
                                                  issued_by=city)

    package = install_package(source=io.BytesIO(choice_package(
        title="Strong passwords", question="Which is strongest?",
        answers=[{"text": "123456", "correct": False}, {"text": "mango river blue lantern", "correct": True}])))
    lesson = site["lessons"][0]
    from courses.scorm import services as scorm
    from courses.scorm.packaging import demo_package as scorm_package

    scorm_demo = scorm.install_package(source=io.BytesIO(scorm_package("en", "1.2")))
    lesson.body = json.dumps([text_block("Try it."), {"type": "h5p", "id": H5P_BLOCK, "value": {
        "package": package.pk, "title": "Strong passwords", "completion": "completed", "pass_mark": 60}},
        {"type": "scorm", "id": SCORM_BLOCK, "value": {
            "package": scorm_demo.pk, "title": "Phone safety", "completion": "completed", "pass_mark": 60}}])
    lesson.save_revision().publish()
    # The owner's SCORM attempt: everyone else's commits to it are refused.
    attempt = scorm.attempt_for(user=owner, lesson_key=lesson.translation_key, block_id=SCORM_BLOCK,
                                package=scorm_demo)
    library = H5PLibrary.objects.order_by("pk").first()
    from courses.cmi5.demo import demo_package as cmi5_package
    from courses.cmi5.services import install_package as install_cmi5

    cmi5_course = install_cmi5(source=io.BytesIO(cmi5_package("en")))

    # A password-protected page, for Wagtail's password form (the second lesson, not the walked one).
    restriction = PageViewRestriction.objects.create(page=site["lessons"][1], restriction_type="password",
                                                     password="open sesame")

    # A class of the center with the owner in it, a course and a printed card (labs.classes).
    from labs.classes import services as classes

    klass = classes.create_class(by=colleague, center=center, name="Saturday class")
    classes.add_existing_learner(by=colleague, klass=klass, learner=owner)
    classes.assign_course(by=colleague, klass=klass, course=site["course"])
    ((class_membership, card_code),) = classes.issue_cards(by=colleague, klass=klass)

    kwargs = {
        "center_id": center.pk, "learner_id": owner.pk, "lesson_id": lesson.pk, "quiz_id": QUIZ_ID,
        "course_id": site["course"].pk, "slug": badge.slug, "uid": award.uid,
        "application_id": application.pk, "user_id": owner.pk, "number": certification.number,
        "session_id": session.pk, "attendance_id": walk_in.pk, "proposal_id": proposal.pk,
        "call_id": call.pk, "membership_id": request.pk, "workshop_id": workshop.pk, "team_id": team.pk,
        "lesson_key": lesson.translation_key, "block_id": H5P_BLOCK, "package_id": package.pk,
        "folder": f"{library.machine_name}-{library.major_version}.{library.minor_version}" if library else "x-1.0",
        "page_view_restriction_id": restriction.pk, "page_id": site["lessons"][1].pk,
        "file_id": proposal.files.get().pk, "device_id": device.pk,
        "cmi5_course_id": cmi5_course.pk, "au_index": 0, "launch_id": "9e7a0000-0000-4000-8000-00000000c5c5",
    }
    from cms import models as cms_models

    if hasattr(cms_models, "DeletionRequest"):  # someone else's request to delete their account
        leaver = UserFactory(home_center=center, nickname="Leaver")
        kwargs["request_id"] = cms_models.DeletionRequest.objects.create(user=leaver).pk
    return World(
        kwargs=kwargs,
        variants={"women": {"proposal_id": women_proposal.pk, "workshop_id": women_workshop.pk,
                            "file_id": women_proposal.files.get().pk}},
        pages={"HomePage": site["home"], "CourseIndexPage": site["index"], "CoursePage": site["course"],
               "LessonPage": lesson, "CenterIndexPage": centers, "CenterPage": center_page},
        center=center,
        namespace_kwargs={"minecraft:": {"session_id": codesign.pk, "build_id": build.pk, "picture": "plan"},
                          "classes:": {"class_id": klass.pk, "membership_id": class_membership.pk,
                                       "course_id": site["course"].pk, "code": card_code},
                          "scorm_": {"block_id": SCORM_BLOCK, "attempt_id": attempt.pk},
                          "devices:class_pictures": {"class_id": klass.pk}},
    )


PATHS = {  # the `path` converter: a file that exists
    "h5p_file_content": "h5p.json",
    "h5p_file_library": "library.json",
    "scorm_play": "phone-safety/index.html",
    "cmi5_file": "cmi5.xml",
}


def role_user(role: str, world: World):
    """A user holding `role`, at the world's center (a facilitator facilitates it)."""
    from labs.participation.models import WomenSpaceMembership
    from tests.factories import UserFactory

    center = world.center
    if role == "anonymous":
        return None
    if role == "learner":
        return UserFactory(home_center=center)
    if role == "minor learner":
        return UserFactory(home_center=center, age_band="13-17")
    if role == "ambassador":
        return UserFactory(roles=["ambassador"], home_center=center)
    if role == "facilitator":
        user = UserFactory(roles=["facilitator"])
        center.facilitators.add(user)
        return user
    if role == "staff":
        return UserFactory(roles=["innovation-unit"])
    if role == "moderator":  # a plain moderator: not designated for the women-and-girls space
        return UserFactory(roles=["moderator"])
    if role == "women-space moderator":
        return UserFactory(roles=["moderator", "women-space-moderator"])
    if role == "women-and-girls member":
        user = UserFactory(gender="woman", home_center=center)
        confirmer = center.facilitators.first()
        WomenSpaceMembership.objects.create(user=user, confirmed_by=confirmer, confirmed_at=timezone.now())
        return user
    raise ValueError(role)


def url_kwargs(pattern: Pattern, world: World, variant: str | None = None) -> dict:
    values = dict(world.kwargs)
    for prefix, overrides in world.namespace_kwargs.items():
        if pattern.name.startswith(prefix):
            values.update(overrides)
    if variant:
        values.update(world.variants[variant])
    short = pattern.name.rsplit(":", 1)[-1]
    if "path" in pattern.kwargs:
        values["path"] = PATHS.get(short, "x")
    missing = [k for k in pattern.kwargs if k not in values]
    if missing:
        raise KeyError(f"{pattern.name}: no fixture for {missing}")
    return {k: values[k] for k in pattern.kwargs}


# --- malformed values: what the walk also sends, to find any 500 ----------------------------------

# Not ids, not numbers, not text a parser expects: each path, query and POST parameter gets each.
MALFORMED = (
    "abc", "-1", "1e9", "", "²", "\x00", "9" * 4400,  # past int()'s 4300 digits and any bigint
    "[" * 3000 + "]" * 3000,  # nested past the JSON decoder's recursion limit
)
# A value each converter accepts, unlike any real one: reversed, then replaced by a malformed value.
SENTINELS = (987654321, "zqsentinelzq", "9e7a0000-0000-4000-8000-000000000000")
# Query names read where the walk cannot see them (a page model's serve, a selector): row → names.
QUERY_READ_ELSEWHERE = {"page:LessonPage": {"attempt"}}
# Real values for the POST names that choose what a view does, so the malformed ids behind them
# are reached: URL name → one dict per branch.
POST_BASES = {
    "session_attendance": ({"action": "present"}, {"action": "unmark"}, {"action": "walkin"}),
}
_READS = re.compile(r"""(?:request\.(GET|POST)|params)(?:\.get(?:list)?\(|\[)\s*["'](\w+)["']""")
_CALLS = re.compile(r"\b(\w+)\(")


def parameters_read(callback) -> tuple[set[str], set[str]]:
    """The query and POST names a view reads from the request, in its own code or in the helpers of
    its module it calls (`params` is xAPI's name for request.GET)."""
    import inspect

    view = getattr(callback, "view_class", None) or inspect.unwrap(callback)
    module = inspect.getmodule(view)
    if module is None or module.__name__.split(".")[0] not in ("cms", "courses", "games", "labs",
                                                               "ambassadors"):
        return set(), set()
    query, post, seen, todo = set(), set(), set(), [view]
    while todo:
        item = todo.pop()
        try:
            source = inspect.getsource(item)
        except (OSError, TypeError):
            continue
        for method, name in _READS.findall(source):
            (post if method == "POST" else query).add(name)
        for called in _CALLS.findall(source):
            helper = getattr(module, called, None)
            own = inspect.isfunction(helper) and helper.__module__ == module.__name__
            if called not in seen and own:
                seen.add(called)
                todo.append(helper)
    return query, post
