"""Proposals: submitting, editing, carrying to the public space, the city's answer."""

import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.coordinates import LATITUDE, LONGITUDE
from cms.models import AuditAction
from cms.services import audit, notify
from labs.participation import signals
from labs.participation.models import (
    Category,
    PhaseKind,
    Proposal,
    ProposalFile,
    Space,
    State,
    Support,
)
from labs.participation.selectors import can_enter_women_space, is_staff
from labs.participation.services.calls import phase_of
from labs.participation.services.checks import (
    MAX_FILES,
    ORIGINS,
    ParticipationError,
    _check_not_blocked,
    _coordinate,
    check_rate,
    screen_text,
)
from labs.participation.services.files import _validate_attachment, _validate_image, clean_image


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
