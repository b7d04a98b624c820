"""Writes for classes: creating them, adding learners (one by one or from a roster file), giving them
courses, putting them on a session, and the one-time login cards."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cms.models import AuditAction
from cms.phones import normalize_phone
from cms.roles import FACILITATOR, INNOVATION_UNIT, LEARNER, has_role
from cms.selectors import learners_for, plain_learners
from cms.services import audit
from courses.selectors import course_cards
from courses.services import enrol
from labs.classes.models import Class, ClassCourse, ClassSession, LoginCard, Membership, SignInKind
from labs.classes.rosters import RosterRow, _mark_duplicates_in_file, check_row
from labs.selectors import centers_for
from labs.services import register_people

# Audit actions (cms.AuditAction: the audit log shows them in the reader's language).
AUDIT_CLASS_CREATE = AuditAction.CLASS_CREATE
AUDIT_CLASS_KIND = AuditAction.CLASS_SIGN_IN_KIND
AUDIT_CLASS_ADD = AuditAction.CLASS_LEARNER_ADD
AUDIT_CLASS_IMPORT = AuditAction.CLASS_IMPORT
AUDIT_CLASS_REMOVE = AuditAction.CLASS_LEARNER_REMOVE
AUDIT_CLASS_COURSE = AuditAction.CLASS_COURSE_ASSIGN
AUDIT_CLASS_COURSE_REMOVE = AuditAction.CLASS_COURSE_REMOVE
AUDIT_CLASS_SESSION = AuditAction.CLASS_SESSION_ROSTER
AUDIT_CARD_ISSUE = AuditAction.LOGIN_CARD_ISSUE
AUDIT_CARD_REVOKE = AuditAction.LOGIN_CARD_REVOKE
AUDIT_CARD_USED = AuditAction.LOGIN_CARD_USED

_USERNAME_CHARS = "abcdefghjkmnpqrstuvwxyz23456789"


class ClassError(Exception):
    """A refusal to show the facilitator as it is (already translated)."""


class CardRefused(Exception):
    """A login card that does not sign anyone in; the message says why in the learner's words."""


# --- classes ----------------------------------------------------------------------------------------


def _require_center(*, by, center) -> None:

    if not has_role(by, FACILITATOR, INNOVATION_UNIT) or not centers_for(by).filter(pk=center.pk).exists():
        raise PermissionDenied("not a center this person works at")


def _locked_class(*, by, klass: Class) -> Class:
    locked = Class.objects.select_for_update().select_related("center").get(pk=klass.pk)
    _require_center(by=by, center=locked.center)
    return locked


@transaction.atomic
def create_class(*, by, center, name: str, sign_in_kind: str = SignInKind.PASSWORD) -> Class:
    _require_center(by=by, center=center)
    if sign_in_kind not in SignInKind.values:
        raise ClassError(_("Choose how the learners sign in."))
    name = " ".join((name or "").split())[:80]
    if not name:
        raise ClassError(_("Give the class a name."))
    if Class.objects.filter(center=center, name__iexact=name).exists():
        raise ClassError(_("This center already has a class called “%(name)s”.") % {"name": name})
    klass = Class(center=center, name=name, sign_in_kind=sign_in_kind, created_by=by)
    klass.full_clean(validate_constraints=False)
    klass.save()
    audit(actor=by, action=AUDIT_CLASS_CREATE, target=klass, center=center.pk)
    return klass


@transaction.atomic
def set_sign_in_kind(*, by, klass: Class, sign_in_kind: str) -> Class:
    """The facilitator chooses per class: a password, three pictures, or a PIN. It decides what her
    learners set after their login card, what the card says, and the kind the picture-password form
    (labs.devices) offers first. Pictures or PINs already given stay as they are."""
    klass = _locked_class(by=by, klass=klass)
    if sign_in_kind not in SignInKind.values:
        raise ClassError(_("Choose how the learners sign in."))
    if klass.sign_in_kind != sign_in_kind:
        before = klass.sign_in_kind
        klass.sign_in_kind = sign_in_kind
        klass.save(update_fields=["sign_in_kind"])
        audit(actor=by, action=AUDIT_CLASS_KIND, target=klass, before=before, after=sign_in_kind)
    return klass


# --- learners ---------------------------------------------------------------------------------------


def _new_username(nickname: str) -> str:
    """ASCII, easy to read aloud and type on a phone: the nickname's Latin letters (if any) and four
    characters (no 0/O, 1/l), never a phone number."""
    User = get_user_model()
    stem = slugify(nickname)[:20].strip("-") or "learner"
    for _attempt in range(20):
        username = f"{stem}-{''.join(secrets.choice(_USERNAME_CHARS) for _ in range(4))}"
        if not User.objects.filter(username__iexact=username).exists():
            return username
    raise ClassError(_("No free username was found. Try again."))


def center_nicknames(*, center) -> dict[str, object]:
    """Nicknames (case-folded) of the learners whose home is this center, to their accounts."""

    found = {}
    for user in plain_learners().filter(home_center=center).only("pk", "nickname", "username"):
        found.setdefault(user.nickname.casefold(), user)
    return found


def check_against_center(*, klass: Class, rows: list[RosterRow]) -> list[RosterRow]:
    """Add to each row the duplicate of a learner this center already has (shown before anything is made)."""
    existing = center_nicknames(center=klass.center)
    for row in rows:
        twin = existing.get(row.nickname.casefold())
        if twin is not None and row.is_good:  # one message per bad row
            row.problems.append(
                _("A learner of this center is already called “%(nickname)s” (username %(username)s). Add her "
                  "from the class page, or give this row another nickname.")
                % {"nickname": row.nickname, "username": twin.username})
    return rows


def _create_learner(*, center, row: RosterRow):
    User = get_user_model()
    user = User(username=_new_username(row.nickname), nickname=row.nickname, display_name=row.display_name,
                age_band=row.age_band, gender=row.gender, home_center=center, preferred_language="km",
                must_change_password=True)
    # No password until the learner chooses one after her login card.
    user.set_unusable_password()
    user.full_clean()
    user.save()
    user.groups.add(Group.objects.get_or_create(name=LEARNER)[0])
    return user


def _join(*, klass: Class, learner, guardian_phone: str = "") -> Membership:

    membership, _created = Membership.objects.get_or_create(
        klass=klass, learner=learner, defaults={"guardian_phone": guardian_phone})
    courses = _class_course_pages(klass)
    for page in courses:
        enrol(user=learner, course=page)
    return membership


def _class_course_pages(klass: Class) -> list:
    from django.contrib.auth.models import AnonymousUser


    keys = set(klass.courses.values_list("course_key", flat=True))
    if not keys:
        return []
    return [card.page for card in course_cards(user=AnonymousUser()) if card.page.translation_key in keys]


class ImportRefused(ClassError):
    def __init__(self, rows: list[RosterRow]):
        super().__init__(_("Nothing was created: %(count)s rows have problems. Correct them, or choose to "
                           "import only the good rows.") % {"count": sum(not r.is_good for r in rows)})
        self.rows = rows


@transaction.atomic
def import_learners(*, by, klass: Class, rows: list[RosterRow], only_good: bool = False) -> list:
    """Create an account for each row and put it in the class; all or nothing unless `only_good`.

    The rows are checked again here (the center may have gained a learner since the preview), so a
    refused row can never be created by replaying the confirmation.
    """
    klass = _locked_class(by=by, klass=klass)
    fresh = [check_row(RosterRow(**{**row.as_dict(), "problems": []})) for row in rows]

    _mark_duplicates_in_file(fresh)
    check_against_center(klass=klass, rows=fresh)
    if any(not row.is_good for row in fresh) and not only_good:
        raise ImportRefused(fresh)
    created = []
    for row in fresh:
        if row.is_good:
            learner = _create_learner(center=klass.center, row=row)
            _join(klass=klass, learner=learner, guardian_phone=row.guardian_phone)
            created.append(learner)
    audit(actor=by, action=AUDIT_CLASS_IMPORT, target=klass, created=len(created),
          skipped=sum(not r.is_good for r in fresh))
    return created


@transaction.atomic
def add_new_learner(*, by, klass: Class, nickname: str, age_band: str, display_name: str = "",
                    gender: str = "", guardian_phone: str = ""):
    """One learner typed in by the facilitator: the same checks as a roster row."""
    klass = _locked_class(by=by, klass=klass)
    row = check_row(RosterRow(line=1, nickname=" ".join(nickname.split()), display_name=" ".join(display_name.split()),
                              age_band=age_band, gender=gender, guardian_phone=guardian_phone.strip()))
    check_against_center(klass=klass, rows=[row])
    if not row.is_good:
        raise ClassError(" ".join(row.problems))
    learner = _create_learner(center=klass.center, row=row)
    _join(klass=klass, learner=learner, guardian_phone=row.guardian_phone)
    audit(actor=by, action=AUDIT_CLASS_ADD, target=learner, klass=klass.pk)
    return learner


@transaction.atomic
def add_existing_learner(*, by, klass: Class, learner, guardian_phone: str = "") -> Membership:
    """A learner who already has an account: only plain learners of the class's center (cms.can_help)."""

    klass = _locked_class(by=by, klass=klass)
    if not learners_for(viewer=by, center_id=klass.center_id).filter(pk=learner.pk).exists():
        raise PermissionDenied("not a learner of this center")
    phone = normalize_phone(guardian_phone) if guardian_phone else ""
    membership = _join(klass=klass, learner=learner, guardian_phone=phone or "")
    audit(actor=by, action=AUDIT_CLASS_ADD, target=learner, klass=klass.pk)
    return membership


@transaction.atomic
def remove_learner(*, by, klass: Class, membership_id: int) -> None:
    klass = _locked_class(by=by, klass=klass)
    membership = Membership.objects.filter(klass=klass, pk=membership_id).select_related("learner").first()
    if membership is None:
        return
    _revoke_open_cards(learner=membership.learner, by=by, klass=klass, only_this_class=True)
    membership.delete()
    audit(actor=by, action=AUDIT_CLASS_REMOVE, target=membership.learner, klass=klass.pk)


@transaction.atomic
def set_picture_hint(*, by, learner, hint: str, center=None, klass: Class | None = None) -> int:
    """The hint printed on this learner's next card, in her classes at `center` (or in `klass`).

    Called by labs.devices when a facilitator gives a learner her picture password; that service has
    already checked that `by` may help her and that the hint does not give the secret away. An empty
    hint clears it. Returns how many of her memberships now carry it.
    """
    memberships = Membership.objects.filter(learner=learner)
    if klass is not None:
        _require_center(by=by, center=klass.center)
        memberships = memberships.filter(klass=klass)
    elif center is not None:
        _require_center(by=by, center=center)
        memberships = memberships.filter(klass__center=center)
    else:
        raise ValueError("set_picture_hint needs a center or a class")
    return memberships.update(picture_hint=" ".join((hint or "").split())[:120])


# --- courses and sessions ---------------------------------------------------------------------------


@transaction.atomic
def assign_course(*, by, klass: Class, course) -> int:
    """Give the class a course: every member is enrolled through courses' own service. Returns how many."""

    klass = _locked_class(by=by, klass=klass)
    try:
        with transaction.atomic():
            ClassCourse.objects.create(klass=klass, course_key=course.translation_key)
    except IntegrityError:
        pass  # already given: enrol anyone who joined in a way that skipped it
    members = [m.learner for m in klass.memberships.select_related("learner")]
    for learner in members:
        enrol(user=learner, course=course)
    audit(actor=by, action=AUDIT_CLASS_COURSE, target=klass, course=str(course.translation_key),
          learners=len(members))
    return len(members)


@transaction.atomic
def remove_course(*, by, klass: Class, course_key) -> None:
    """The class no longer follows the course; enrolments (and their progress) stay with the learners."""
    klass = _locked_class(by=by, klass=klass)
    deleted, _rows = klass.courses.filter(course_key=course_key).delete()
    if deleted:
        audit(actor=by, action=AUDIT_CLASS_COURSE_REMOVE, target=klass, course=str(course_key))


def register_class(*, by, klass: Class, session) -> tuple[list, list[tuple[object, str]]]:
    """Put the class's learners on a session's roster (labs' own registration rules apply)."""

    _require_center(by=by, center=klass.center)
    if session.center_id != klass.center_id:
        raise ClassError(_("This session is at another center."))
    learners = [m.learner for m in klass.memberships.select_related("learner")]
    done, refused = register_people(by=by, session=session, people=learners)
    with transaction.atomic():
        # Remembered so that the center's devices list the whole class while the session runs.
        ClassSession.objects.get_or_create(klass=klass, session=session)
        audit(actor=by, action=AUDIT_CLASS_SESSION, target=klass, session=session.pk, registered=len(done))
    return done, refused


# --- login cards ------------------------------------------------------------------------------------


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _revoke_open_cards(*, learner, by, klass, now: datetime | None = None, only_this_class: bool = False) -> int:
    now = now or timezone.now()
    cards = LoginCard.objects.filter(learner=learner, used_at__isnull=True, revoked_at__isnull=True)
    if only_this_class:
        cards = cards.filter(klass=klass)
    revoked = cards.update(revoked_at=now)
    if revoked:
        audit(actor=by, action=AUDIT_CARD_REVOKE, target=learner, klass=klass.pk)
    return revoked


@transaction.atomic
def issue_cards(*, by, klass: Class, membership_ids: list[int] | None = None,
                now: datetime | None = None) -> list[tuple[Membership, str]]:
    """New one-time codes for the class's learners (or some of them); each revokes that learner's
    previous card. The codes are returned once, to print; only their hashes are kept.

    A card signs its learner in and lets the holder choose her password: like a staff password
    reset, only for plain learners of the class's center that `by` may help (cms.selectors.
    learners_for). A member who has since gained a role, or moved to another center, gets none.
    """

    now = now or timezone.now()
    klass = _locked_class(by=by, klass=klass)
    memberships = (klass.memberships.select_related("learner").order_by("learner__nickname", "pk")
                   .filter(learner__in=learners_for(viewer=by, center_id=klass.center_id)))
    if membership_ids is not None:
        memberships = memberships.filter(pk__in=membership_ids)
    expires = now + timedelta(days=settings.SANGKAT_LOGIN_CARD_DAYS)
    printed = []
    for membership in memberships:
        learner = membership.learner
        if not learner.is_active:
            continue
        _revoke_open_cards(learner=learner, by=by, klass=klass, now=now)
        code = secrets.token_urlsafe(24)
        LoginCard.objects.create(learner=learner, klass=klass, code_hash=_hash(code), issued_by=by,
                                 expires_at=expires)
        audit(actor=by, action=AUDIT_CARD_ISSUE, target=learner, klass=klass.pk, expires=expires)
        printed.append((membership, code))
    return printed


def card_for_code(code: str, *, now: datetime | None = None) -> LoginCard:
    """The card a code belongs to while it still works; CardRefused with the reason otherwise."""
    now = now or timezone.now()
    if not code or len(code) > 64:
        raise CardRefused(_("This login card is not valid."))
    card = LoginCard.objects.select_related("learner", "klass__center").filter(code_hash=_hash(code)).first()
    if card is None:
        raise CardRefused(_("This login card is not valid."))
    if card.used_at is not None:
        raise CardRefused(_("This login card was already used. Sign in with your password, or ask your "
                            "facilitator for a new card."))
    if card.revoked_at is not None:
        raise CardRefused(_("This login card was replaced by a new one. Use your newest card, or ask your "
                            "facilitator."))
    if card.expires_at <= now or not card.learner.is_active:
        raise CardRefused(_("This login card has expired. Ask your facilitator for a new card."))

    if not plain_learners().filter(pk=card.learner_id).exists():
        # She was given a role since: a card printed for a learner never opens a staff account.
        raise CardRefused(_("This login card is not valid."))
    return card


@transaction.atomic
def use_card(*, code: str, now: datetime | None = None):
    """Spend a card: the learner it belongs to, who must now choose her password. Once only, even
    when two phones scan it at the same moment (the row is locked and re-read)."""
    now = now or timezone.now()
    card = card_for_code(code, now=now)
    card = LoginCard.objects.select_for_update().select_related("learner", "klass").get(pk=card.pk)
    if card.used_at is not None or card.revoked_at is not None:
        raise CardRefused(_("This login card was already used. Sign in with your password, or ask your "
                            "facilitator for a new card."))
    card.used_at = now
    card.save(update_fields=["used_at"])
    learner = card.learner
    learner.must_change_password = True
    learner.save(update_fields=["must_change_password"])
    audit(actor=None, action=AUDIT_CARD_USED, target=learner, klass=card.klass_id)
    return learner, card.klass
