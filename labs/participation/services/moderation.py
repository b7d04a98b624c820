"""Comments, reports and moderation: hiding, restoring, blocking, dismissing reports."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.models import AuditAction
from cms.services import audit, notify
from labs.participation import signals
from labs.participation.models import Block, Comment, ModerationLog, Proposal, Report, Space
from labs.participation.selectors import blocks_for, can_enter_women_space, is_moderator
from labs.participation.services.checks import (
    ParticipationError,
    _check_not_blocked,
    check_rate,
    screen_text,
)


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
