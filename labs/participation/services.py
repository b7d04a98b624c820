"""Writes for participation: one transaction per user action, validated before anything is saved."""

import re
import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.coordinates import LATITUDE, LONGITUDE, parse_coordinate
from cms.models import AuditAction
from cms.services import audit, notify, withdraw_notifications

from . import signals
from .models import (
    Block,
    Call,
    Category,
    Comment,
    ModerationLog,
    Phase,
    PhaseKind,
    Proposal,
    ProposalFile,
    Report,
    Space,
    State,
    Support,
    WomenSpaceMembership,
)
from .selectors import blocks_for, can_enter_women_space, is_moderator, is_staff

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_FILES = 6
RATE_LIMITS = {"proposal": (5, 3600), "comment": (20, 600), "report": (20, 3600)}
ORIGINS = {"", "hercity", "blockbyblock", "livinglab"}
# A short screen for abuse in English and Khmer; moderators handle the rest through reports.
BLOCKED_WORDS = {"fuck", "shit", "bitch", "cunt", "whore", "ចោរម្សៀត", "ឆ្កួត"}
_URL = re.compile(r"https?://", re.I)


class ParticipationError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# --- checks ---------------------------------------------------------------------------------

def _check_not_blocked(user) -> None:
    if Block.objects.filter(user=user).exists():
        raise ParticipationError(_("Your account cannot post here at the moment. Ask a moderator."))


def check_rate(*, user, action: str) -> None:
    from cms.ratelimit import hit

    limit, window = RATE_LIMITS[action]
    if hit(f"participation.{action}", user.pk, window=window) > limit:
        raise ParticipationError(_("You are posting too fast. Please wait a little and try again."))


def screen_text(text: str) -> None:
    words = set(re.findall(r"\w+", text.lower()))
    if words & BLOCKED_WORDS:
        raise ParticipationError(_("Please remove offensive words before posting."))
    if len(_URL.findall(text)) > 3:
        raise ParticipationError(_("Too many links: this looks like spam."))
    if re.search(r"(.)\1{19,}", text):
        raise ParticipationError(_("This looks like spam (the same character repeated)."))


_IMAGE_SUFFIX = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp"}


def _validate_image(f) -> str:
    """Check the upload is a photo by its content; answer the file suffix its format calls for."""
    from PIL import Image

    if f.size > MAX_IMAGE_BYTES:
        raise ParticipationError(_("Image “%(name)s” is too big (at most 5 MB).") % {"name": f.name})
    try:
        f.seek(0)
        with Image.open(f) as im:
            im.verify()
            suffix = _IMAGE_SUFFIX[im.format]
    except Exception:
        raise ParticipationError(_("“%(name)s” is not a photo (JPEG, PNG, GIF or WebP).") % {"name": f.name}) from None
    f.seek(0)
    return suffix


IMAGE_MAX_SIDE = 2048
_FORMAT_OF_SUFFIX = {".jpg": "JPEG", ".png": "PNG", ".webp": "WEBP"}


def clean_image(f, suffix: str):
    """The photo to store, in the format it came in: no metadata (EXIF, GPS), at most IMAGE_MAX_SIDE a side.
    GIFs (no location metadata; maybe animated) are kept as sent. `f` has passed _validate_image."""
    from django.core.files.base import ContentFile
    from PIL import Image

    from labs.services import reencode_image

    f.seek(0)
    if suffix not in _FORMAT_OF_SUFFIX:
        return f
    with Image.open(f) as image:
        content, _size = reencode_image(image, max_side=IMAGE_MAX_SIDE, format=_FORMAT_OF_SUFFIX[suffix])
    f.seek(0)
    return ContentFile(content)


# The widths a proposal photo is served at besides its original (`?size=` on participation:file).
RENDITION_WIDTHS = (800, 1600)


def photo_rendition(pf: ProposalFile, width: int):
    """The photo `pf` at most `width` px wide, as a JPEG made once with Pillow and kept in storage next
    to the original (`private/participation/<random>.w800.jpg`); the original itself when it is
    already that narrow, is a GIF (maybe animated) or cannot be read. The caller has already checked
    that the visitor may see `pf`; the rendition goes out through the same view, never on its own."""
    from django.core.files.base import ContentFile
    from django.db.models.fields.files import FieldFile
    from PIL import Image

    from labs.services import reencode_image

    original = pf.file
    if width not in RENDITION_WIDTHS or pf.kind != ProposalFile.Kind.IMAGE or not original:
        raise ValueError(width)
    stem, suffix = original.name.rsplit(".", 1) if "." in original.name else (original.name, "")
    if suffix.lower() not in ("jpg", "jpeg", "png", "webp"):
        return original
    name = f"{stem}.w{width}.jpg"
    storage = original.storage
    rendition = FieldFile(pf, original.field, name)
    if storage.exists(name):
        return rendition
    try:
        with original.open("rb") as handle, Image.open(handle) as image:
            if image.width <= width:
                return original
            if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
                image = image.convert("RGBA")
                flat = Image.new("RGB", image.size, "white")
                flat.paste(image, mask=image.getchannel("A"))
                image = flat
            # `width` wide whatever the shape: a portrait photo keeps its height in proportion
            longest = max(width, -(-image.height * width // image.width))
            content, _size = reencode_image(image, max_side=longest, format="JPEG")
    except (OSError, ValueError, Image.DecompressionBombError):
        return original
    saved = storage.save(name, ContentFile(content))
    if saved != name:  # another request made it at the same moment: keep theirs
        storage.delete(saved)
    return rendition


def _validate_attachment(f) -> str:
    if f.size > MAX_ATTACHMENT_BYTES:
        raise ParticipationError(_("File “%(name)s” is too big (at most 10 MB).") % {"name": f.name}) from None
    f.seek(0)
    head = f.read(8)
    f.seek(0)
    if head.startswith(b"%PDF-"):
        return ".pdf"
    try:
        return _validate_image(f)
    except ParticipationError:
        raise ParticipationError(_("“%(name)s” must be a PDF or a photo.") % {"name": f.name}) from None


def _coordinate(value, bounds):
    try:
        return parse_coordinate(value, bounds)
    except ValueError:
        raise ParticipationError(_("The map point is not a valid location.")) from None


def phase_of(call: Call | None, now=None) -> str | None:
    if call is None:
        return None
    phase = call.current_phase(now)
    return phase.kind if phase else None


# --- proposals ------------------------------------------------------------------------------

def submit_proposal(*, author, title: str, body: str, category: str, call=None, space: str = "public",
                    latitude=None, longitude=None, images: list = (), attachments: list = (),
                    origin: str = "", origin_url: str = "", team_nicknames: list[str] | None = None) -> Proposal:
    """Make a proposal (a person, a group account, or a workshop on behalf of its team)."""
    title, body = (title or "").strip(), (body or "").strip()
    if not title or not body:
        raise ParticipationError(_("A proposal needs a title and a description."))
    if category not in Category.values:
        raise ParticipationError(_("Choose a category."))
    if space not in Space.values:
        raise ParticipationError(_("Unknown space."))
    if space == Space.WOMEN and not can_enter_women_space(author):
        raise ParticipationError(_("Only members of the women and girls space can post there."))
    if origin not in ORIGINS:
        raise ParticipationError(_("Unknown origin."))
    if call is not None and phase_of(call) != PhaseKind.COLLECT:
        raise ParticipationError(_("This call is not collecting proposals now."))
    lat = _coordinate(latitude, LATITUDE)
    lon = _coordinate(longitude, LONGITUDE)
    if (lat is None) != (lon is None):
        raise ParticipationError(_("The map point needs both latitude and longitude."))
    images, attachments = list(images or []), list(attachments or [])
    if len(images) + len(attachments) > MAX_FILES:
        raise ParticipationError(_("At most %(n)d files per proposal.") % {"n": MAX_FILES})
    # Stored under a random name with the suffix of what the content is, never the sender's name:
    # "photo.html" holding a GIF must not be served back as a web page.
    suffixes = {id(f): _validate_image(f) for f in images}
    suffixes.update({id(f): _validate_attachment(f) for f in attachments})
    team = [str(n).strip()[:40] for n in (team_nicknames or []) if str(n).strip()]
    _check_not_blocked(author)
    screen_text(f"{title}\n{body}")
    check_rate(user=author, action="proposal")
    with transaction.atomic():
        proposal = Proposal(author=author, title=title, body=body, category=category, call=call, space=space,
                            latitude=lat, longitude=lon, origin=origin, origin_url=origin_url[:500],
                            team_nicknames=team)
        try:
            proposal.full_clean()
        except ValidationError as exc:
            raise ParticipationError(" ".join(m for ms in exc.message_dict.values() for m in ms)) from exc
        proposal.save()
        for kind, files in ((ProposalFile.Kind.IMAGE, images), (ProposalFile.Kind.ATTACHMENT, attachments)):
            for f in files:
                name = (getattr(f, "name", "") or "file").rsplit("/", 1)[-1][:100]
                pf = ProposalFile(proposal=proposal, kind=kind, name=name)
                content = clean_image(f, suffixes[id(f)]) if kind == ProposalFile.Kind.IMAGE else f
                pf.file.save(f"{uuid.uuid4().hex}{suffixes[id(f)]}", content, save=False)
                pf.save()
        signals.proposal_submitted.send(sender=Proposal, user=author, proposal=proposal)
    return proposal


@transaction.atomic
def edit_proposal(*, user, proposal: Proposal, title: str, body: str, category: str) -> Proposal:
    if proposal.author_id != user.pk:
        raise ParticipationError(_("You can only edit your own proposals."))
    if proposal.state != State.SUBMITTED:
        raise ParticipationError(_("The city has started answering this proposal; it can no longer be edited."))
    title, body = (title or "").strip(), (body or "").strip()
    if not title or not body or category not in Category.values:
        raise ParticipationError(_("A proposal needs a title, a description and a category."))
    screen_text(f"{title}\n{body}")
    proposal.title, proposal.body, proposal.category = title, body, category
    proposal.full_clean()
    proposal.save(update_fields=["title", "body", "category"])
    return proposal


@transaction.atomic
def carry_to_public(*, user, proposal: Proposal) -> Proposal:
    """A member carries her women-space proposal to the public side, anonymously."""
    if proposal.space != Space.WOMEN or proposal.author_id != user.pk or not can_enter_women_space(user):
        raise ParticipationError(_("You can only carry your own proposals from the women and girls space."))
    existing = Proposal.objects.filter(carried_from=proposal).first()
    if existing:
        return existing
    public = Proposal(author=user, title=proposal.title, body=proposal.body, category=proposal.category,
                      latitude=proposal.latitude, longitude=proposal.longitude, anonymous=True,
                      carried_from=proposal, origin=proposal.origin)
    public.full_clean()
    public.save()
    return public


# --- supports -------------------------------------------------------------------------------

def _support_open(proposal: Proposal) -> bool:
    if proposal.is_hidden or proposal.state in (State.REJECTED, State.IMPLEMENTED):
        return False
    if proposal.call_id is None:
        return True
    return phase_of(proposal.call) == PhaseKind.PRIORITISE


def support(*, user, proposal: Proposal) -> bool:
    """Support a proposal once. Returns True if a new support was recorded (False on a repeat)."""
    if not user.is_authenticated:
        raise ParticipationError(_("Log in to support proposals."))
    if proposal.space == Space.WOMEN and not can_enter_women_space(user):
        raise ParticipationError(_("Proposal not found."))
    if not _support_open(proposal):
        raise ParticipationError(_("Supporting is closed for this proposal."))
    with transaction.atomic():
        if proposal.call_id and proposal.call.support_limit:
            # Lock this person's row so two parallel supports cannot both pass the limit.
            get_user_model().objects.select_for_update().filter(pk=user.pk).first()
            used = Support.objects.filter(user=user, proposal__call_id=proposal.call_id).count()
            already = Support.objects.filter(user=user, proposal=proposal).exists()
            if not already and used >= proposal.call.support_limit:
                raise ParticipationError(
                    _("You have used all %(n)d supports in this call. Withdraw one to choose another.")
                    % {"n": proposal.call.support_limit})
        try:
            with transaction.atomic():
                Support.objects.create(user=user, proposal=proposal)
        except IntegrityError:
            return False
        Proposal.objects.filter(pk=proposal.pk).update(support_count=F("support_count") + 1)
        signals.proposal_supported.send(sender=Proposal, user=user, proposal=proposal)
    return True


def withdraw_support(*, user, proposal: Proposal) -> bool:
    if not _support_open(proposal):
        raise ParticipationError(_("Supporting is closed for this proposal; supports can no longer change."))
    with transaction.atomic():
        deleted, _rows = Support.objects.filter(user=user, proposal=proposal).delete()
        if not deleted:
            return False
        Proposal.objects.filter(pk=proposal.pk).update(support_count=F("support_count") - 1)
        signals.support_withdrawn.send(sender=Proposal, user=user, proposal=proposal)
    return True


# --- comments, reports, moderation ----------------------------------------------------------

def add_comment(*, user, proposal: Proposal, body: str, parent: Comment | None = None) -> Comment:
    if proposal.space == Space.WOMEN and not can_enter_women_space(user):
        raise ParticipationError(_("Proposal not found."))
    if proposal.is_hidden:
        raise ParticipationError(_("This proposal is hidden; comments are closed."))
    if parent is not None and (parent.proposal_id != proposal.pk or parent.hidden_at):
        raise ParticipationError(_("You can only reply to a comment on this proposal."))
    body = (body or "").strip()
    if not body:
        raise ParticipationError(_("Write a comment first."))
    _check_not_blocked(user)
    screen_text(body)
    check_rate(user=user, action="comment")
    with transaction.atomic():
        comment = Comment(proposal=proposal, parent=parent, author=user, body=body)
        comment.full_clean()
        comment.save()
        Proposal.objects.filter(pk=proposal.pk).update(comment_count=F("comment_count") + 1)
    return comment


@transaction.atomic
def report(*, user, reason: str, proposal: Proposal | None = None, comment: Comment | None = None) -> Report:
    reason = (reason or "").strip()
    if not reason:
        raise ParticipationError(_("Say why you are reporting this."))
    target = proposal or comment.proposal
    if target.space == Space.WOMEN and not can_enter_women_space(user):
        raise ParticipationError(_("Proposal not found."))
    check_rate(user=user, action="report")
    existing = Report.objects.filter(reporter=user, proposal=proposal, comment=comment).first()
    if existing:
        return existing
    row = Report(reporter=user, proposal=proposal, comment=comment, reason=reason[:300])
    row.full_clean()
    row.save()
    return row


def _require_moderator(user, reason: str) -> str:
    if not is_moderator(user):
        raise ParticipationError(_("Only moderators can do this."))
    reason = (reason or "").strip()
    if not reason:
        raise ParticipationError(_("Give a public reason."))
    return reason[:300]


def _require_moderator_of(moderator, proposal: Proposal | None, comment: Comment | None) -> None:
    """A women-space post is moderated only by designated moderators; to anyone else it does not exist.

    The views already find posts through permission-aware selectors; this keeps the rule when a
    service is called some other way.
    """
    post = proposal or comment.proposal
    if post.space == Space.WOMEN and not can_enter_women_space(moderator):
        raise ParticipationError(_("Proposal not found."))


def _audit_post(moderator, action: str, reason: str, proposal: Proposal | None, comment: Comment | None) -> None:
    """Audit a moderation act; a women-space post is named by number only (not all staff may read it)."""
    post = proposal or comment.proposal
    label = (_("Post %(id)s in the women and girls space") % {"id": (proposal or comment).pk}
             if post.space == Space.WOMEN else None)
    marks = {"space": Space.WOMEN} if post.space == Space.WOMEN else {}
    audit(actor=moderator, action=action, target=proposal or comment, label=None if label is None else str(label),
          reason=reason, proposal=post.pk, **marks)


@transaction.atomic
def hide(*, moderator, reason: str, proposal: Proposal | None = None, comment: Comment | None = None) -> None:
    reason = _require_moderator(moderator, reason)
    _require_moderator_of(moderator, proposal, comment)
    target = proposal or comment
    if target.hidden_at:
        return
    target.hidden_at, target.hidden_reason = timezone.now(), reason
    target.save(update_fields=["hidden_at", "hidden_reason"])
    Report.objects.filter(proposal=proposal, comment=comment, resolved_at__isnull=True).update(resolved_at=timezone.now())
    ModerationLog.objects.create(moderator=moderator, action=ModerationLog.Action.HIDE, proposal=proposal,
                                 comment=comment, reason=reason)
    _audit_post(moderator, AuditAction.HIDE, reason, proposal, comment)
    author = target.author
    notify(users=[author], kind="moderation", title=_("A moderator hid your post"),
           body=_("Reason: %(reason)s"), params={"reason": reason})
    if proposal is not None:
        signals.proposal_hidden.send(sender=Proposal, proposal=proposal)


@transaction.atomic
def restore(*, moderator, reason: str, proposal: Proposal | None = None, comment: Comment | None = None) -> None:
    reason = _require_moderator(moderator, reason)
    _require_moderator_of(moderator, proposal, comment)
    target = proposal or comment
    target.hidden_at, target.hidden_reason = None, ""
    target.save(update_fields=["hidden_at", "hidden_reason"])
    ModerationLog.objects.create(moderator=moderator, action=ModerationLog.Action.RESTORE, proposal=proposal,
                                 comment=comment, reason=reason)
    _audit_post(moderator, AuditAction.RESTORE, reason, proposal, comment)


@transaction.atomic
def block_user(*, moderator, user, reason: str, proposal: Proposal | None = None,
               comment: Comment | None = None) -> None:
    """Block a person from posting; `proposal` or `comment` is the post that led to it, if any.

    The post is logged with the block, so a block over a women-space post is shown (and can be
    lifted) only by moderators of that space.
    """
    reason = _require_moderator(moderator, reason)
    if proposal is not None or comment is not None:
        _require_moderator_of(moderator, proposal, comment)
    Block.objects.get_or_create(user=user, defaults={"reason": reason})
    ModerationLog.objects.create(moderator=moderator, action=ModerationLog.Action.BLOCK, target_user=user,
                                 proposal=proposal, comment=comment, reason=reason)
    post = proposal or (comment.proposal if comment is not None else None)
    label, marks = None, {}
    if post is not None and post.anonymous and post.author_id == user.pk:
        # Blocked over her own anonymous proposal: naming her here would undo the anonymity.
        label = str(_("Anonymous author of proposal %(id)s") % {"id": post.pk})
    if post is not None and post.space == Space.WOMEN:
        label, marks = str(_("Author of post %(id)s in the women and girls space") % {"id": post.pk}), \
            {"space": Space.WOMEN}
    audit(actor=moderator, action=AuditAction.BLOCK, target=user, label=label, reason=reason, **marks)


# --- the city's answers ---------------------------------------------------------------------

@transaction.atomic
def answer_proposal(*, staff, proposal: Proposal, state: str, answer: str, cost: str = "",
                    timeline: str = "") -> Proposal:
    if not is_staff(staff):
        raise ParticipationError(_("Only Innovation Unit staff can answer proposals."))
    if proposal.space == Space.WOMEN and not can_enter_women_space(staff):
        raise ParticipationError(_("Proposal not found."))
    if state not in State.values or state == State.SUBMITTED:
        raise ParticipationError(_("Choose a state."))
    answer = (answer or "").strip()
    if state == State.REJECTED and not answer:
        raise ParticipationError(_("A rejection needs a reason."))
    was_accepted = proposal.state in (State.ACCEPTED, State.IN_PROGRESS, State.IMPLEMENTED)
    proposal.state, proposal.answer = state, answer
    proposal.cost, proposal.timeline = cost.strip()[:120], timeline.strip()[:120]
    proposal.answered_at, proposal.answered_by = timezone.now(), staff
    proposal.full_clean()
    proposal.save()
    audit(actor=staff, action=AuditAction.ANSWER, target=proposal,
          label=str(_("Proposal %(id)s in the women and girls space") % {"id": proposal.pk})
          if proposal.space == Space.WOMEN else None,
          state=state, answer=answer, cost=proposal.cost, timeline=proposal.timeline,
          **({"space": Space.WOMEN} if proposal.space == Space.WOMEN else {}))
    users = {proposal.author_id: proposal.author}
    for s in Support.objects.filter(proposal=proposal).select_related("user"):
        users[s.user_id] = s.user
    if proposal.space == Space.WOMEN:
        # Never leak women-space content to a non-member through a notification.
        users = {k: u for k, u in users.items() if can_enter_women_space(u)}
    notify(users=list(users.values()), kind="proposal_answer", title=_("The city answered “%(title)s”"),
           body=_("New state: %(state)s. %(answer)s"),
           url=lambda: reverse("participation:proposal", args=[proposal.pk]),
           # The lazy label is translated in each recipient's language when notify formats the body.
           params={"title": proposal.title, "state": State(proposal.state).label, "answer": answer})
    if state == State.ACCEPTED and not was_accepted:
        signals.proposal_accepted.send(sender=Proposal, proposal=proposal)
    return proposal


# --- calls ----------------------------------------------------------------------------------

@transaction.atomic
def open_call(*, staff, title: str, question: str, description: str = "", phases: list[tuple],
              category: str = "", support_limit: int | None = None, from_proposal: Proposal | None = None,
              latitude=None, longitude=None, radius_m=None, sessions=()) -> Call:
    """phases: [(kind, starts_at, ends_at), ...]: known kinds, each once, in order without overlap.
    The one way to open a call (the staff form's view and the tests alike), with every check."""
    if not is_staff(staff):
        raise ParticipationError(_("Only Innovation Unit staff can open calls."))
    if not (title or "").strip() or not (question or "").strip():
        raise ParticipationError(_("A call needs a title and a question."))
    if category and category not in Category.values:
        raise ParticipationError(_("Choose a category."))
    if from_proposal is not None and (from_proposal.space != Space.PUBLIC or from_proposal.call_id
                                      or from_proposal.is_hidden):
        raise ParticipationError(_("A call can only be opened from a visible bottom-up proposal."))
    if (latitude in (None, "")) != (longitude in (None, "")):
        raise ParticipationError(_("The map point needs both latitude and longitude."))
    phases = _clean_phases(phases)
    call = Call(title=title.strip(), question=question.strip(), description=description, category=category,
                support_limit=support_limit, from_proposal=from_proposal, created_by=staff,
                latitude=_coordinate(latitude, LATITUDE), longitude=_coordinate(longitude, LONGITUDE),
                radius_m=radius_m)
    call.full_clean()
    call.save()
    Phase.objects.bulk_create([Phase(call=call, kind=k, starts_at=s, ends_at=e) for k, s, e in phases])
    if sessions:
        call.sessions.set(sessions)
    return call


# --- women space membership -----------------------------------------------------------------

@transaction.atomic
def request_women_space(*, user) -> WomenSpaceMembership:
    membership, _created = WomenSpaceMembership.objects.get_or_create(user=user)
    return membership


@transaction.atomic
def _mark_confirmed(*, facilitator, user) -> WomenSpaceMembership:
    """Confirm a pending request; callers check first that `facilitator` may decide (confirm_member)."""
    membership = WomenSpaceMembership.objects.select_for_update().filter(user=user).first()
    if membership is None:
        raise ParticipationError(_("This person has not asked to join."))
    if membership.confirmed_at is None:
        membership.confirmed_at, membership.confirmed_by = timezone.now(), facilitator
        membership.save(update_fields=["confirmed_at", "confirmed_by"])
    return membership


# --- staff pages: editing calls, moving phases, the moderator queue, confirming members --------

def _require_staff(user) -> None:
    if not is_staff(user):
        raise ParticipationError(_("Only Innovation Unit staff can manage calls."))


def _clean_phases(phases: list[tuple]) -> list[tuple]:
    """Known kinds, each once, each ending after it starts, in order without overlap."""
    if not phases:
        raise ParticipationError(_("A call needs at least one phase with dates."))
    kinds = [kind for kind, _s, _e in phases]
    if any(kind not in PhaseKind.values for kind in kinds) or len(set(kinds)) != len(kinds):
        raise ParticipationError(_("Each phase can appear once."))
    ordered = sorted(phases, key=lambda p: p[1])
    for _kind, starts, ends in ordered:
        if ends <= starts:
            raise ParticipationError(_("Each phase must end after it starts."))
    for (_k1, _s1, end1), (_k2, start2, _e2) in zip(ordered, ordered[1:], strict=False):
        if start2 < end1:
            raise ParticipationError(_("Phases must not overlap: each starts after the one before ends."))
    return ordered


@transaction.atomic
def update_call(*, staff, call: Call, title: str, question: str, description: str = "", phases: list[tuple],
                category: str = "", support_limit: int | None = None, latitude=None, longitude=None,
                radius_m=None, sessions=()) -> Call:
    """Edit a call and replace its phases in one step; proposals and supports stay as they are."""
    _require_staff(staff)
    if not (title or "").strip() or not (question or "").strip():
        raise ParticipationError(_("A call needs a title and a question."))
    if category and category not in Category.values:
        raise ParticipationError(_("Choose a category."))
    phases = _clean_phases(phases)
    call = Call.objects.select_for_update().get(pk=call.pk)
    call.title, call.question, call.description = title.strip(), question.strip(), description or ""
    call.category, call.support_limit, call.radius_m = category, support_limit, radius_m
    call.latitude, call.longitude = _coordinate(latitude, LATITUDE), _coordinate(longitude, LONGITUDE)
    if (call.latitude is None) != (call.longitude is None):
        raise ParticipationError(_("The map point needs both latitude and longitude."))
    call.full_clean()
    call.save()
    call.phases.all().delete()
    Phase.objects.bulk_create([Phase(call=call, kind=k, starts_at=s, ends_at=e) for k, s, e in phases])
    call.sessions.set(sessions)
    return call


@transaction.atomic
def advance_phase(*, staff, call: Call, now=None) -> Phase:
    """End the current phase now and start the next one now (it keeps its end date if still ahead)."""
    _require_staff(staff)
    now = now or timezone.now()
    phases = list(Phase.objects.select_for_update().filter(call=call).order_by("starts_at"))
    current = next((p for p in phases if p.starts_at <= now < p.ends_at), None)
    following = [p for p in phases if p.starts_at > now]
    if not following:
        raise ParticipationError(_("This is the last phase; close it instead."))
    upcoming = following[0]
    if current is not None:
        current.ends_at = max(now, current.starts_at + timedelta(seconds=1))
        current.save(update_fields=["ends_at"])
        now = current.ends_at
    upcoming.starts_at = now
    upcoming.save(update_fields=["starts_at"])
    return upcoming


@transaction.atomic
def close_phase(*, staff, call: Call, now=None) -> Phase:
    """End the current phase now, so nothing runs until the next phase's start date."""
    _require_staff(staff)
    now = now or timezone.now()
    current = Phase.objects.select_for_update().filter(call=call, starts_at__lte=now, ends_at__gt=now).first()
    if current is None:
        raise ParticipationError(_("No phase is running now."))
    current.ends_at = max(now, current.starts_at + timedelta(seconds=1))
    current.save(update_fields=["ends_at"])
    return current


# Logged with the same table as hide/restore; the value is not among ModerationLog.Action's choices
# yet because adding it needs a migration (see docs/decisions.md).
DISMISS = ModerationLog.Action.DISMISS


@transaction.atomic
def dismiss_reports(*, moderator, reason: str, proposal: Proposal | None = None,
                    comment: Comment | None = None) -> int:
    """The reported post stays visible: close its open reports and log why."""
    reason = _require_moderator(moderator, reason)
    _require_moderator_of(moderator, proposal, comment)
    closed = Report.objects.filter(proposal=proposal, comment=comment, resolved_at__isnull=True).update(
        resolved_at=timezone.now())
    if not closed:
        raise ParticipationError(_("There is no open report on this post."))
    ModerationLog.objects.create(moderator=moderator, action=DISMISS, proposal=proposal, comment=comment,
                                 reason=reason)
    _audit_post(moderator, AuditAction.DISMISS, reason, proposal, comment)
    return closed


@transaction.atomic
def unblock_user(*, moderator, user, reason: str) -> None:
    reason = _require_moderator(moderator, reason)
    # A block over a women-space post is not this moderator's to see unless she moderates the space.
    if not blocks_for(moderator).filter(user=user).exists():
        raise ParticipationError(_("This person is not blocked."))
    Block.objects.filter(user=user).delete()
    ModerationLog.objects.create(moderator=moderator, action=ModerationLog.Action.UNBLOCK, target_user=user,
                                 reason=reason)
    audit(actor=moderator, action=AuditAction.UNBLOCK, target=user, reason=reason)


def _require_member_facilitator(facilitator, user) -> None:
    """Only a facilitator of the person's home center decides on her membership."""
    from cms.roles import FACILITATOR, has_role
    from labs.selectors import centers_for

    if not has_role(facilitator, FACILITATOR) or user.home_center_id is None or \
            not centers_for(facilitator).filter(pk=user.home_center_id).exists():
        raise ParticipationError(_("Only a facilitator of this person's center can decide on her membership."))


def _audit_membership(actor, action: str, user) -> None:
    """Audit a membership decision without naming her: who belongs to the space is itself private
    (the entry's details are shown only to designated women-space moderators, cms.wagtail_hooks)."""
    audit(actor=actor, action=action, target=user,
          label=str(_("Member %(id)s of the women and girls space") % {"id": user.pk}),
          space=Space.WOMEN, superuser=bool(actor.is_superuser))


@transaction.atomic
def confirm_member(*, facilitator, user) -> WomenSpaceMembership:
    """Confirm a request. Nobody confirms her own (a facilitator, a superuser); every decision is audited."""
    _require_member_facilitator(facilitator, user)
    if facilitator.pk == user.pk:
        raise ParticipationError(_("You cannot confirm your own membership: "
                                   "another facilitator of your center decides."))
    # Locked, so that two confirmations at once write one audit entry.
    membership = WomenSpaceMembership.objects.select_for_update().filter(user=user).first()
    already = membership is not None and membership.confirmed_at is not None
    membership = _mark_confirmed(facilitator=facilitator, user=user)
    if not already:
        _audit_membership(facilitator, AuditAction.WOMEN_SPACE_CONFIRM, user)
    return membership


@transaction.atomic
def decline_member(*, facilitator, user) -> None:
    """Decline a pending request or revoke a confirmed membership: the person leaves the space."""
    _require_member_facilitator(facilitator, user)
    deleted, _rows = WomenSpaceMembership.objects.filter(user=user).delete()
    if not deleted:
        raise ParticipationError(_("This person has not asked to join."))
    user._women_space_member = False
    # The city's answers to other members' proposals she supported named their titles: gone with her.
    for proposal_id in (Proposal.objects.filter(space=Space.WOMEN, supports__user=user).exclude(author=user)
                        .values_list("pk", flat=True)):
        withdraw_notifications(user=user, url=lambda pk=proposal_id: reverse("participation:proposal", args=[pk]))
    _audit_membership(facilitator, AuditAction.WOMEN_SPACE_DECLINE, user)
