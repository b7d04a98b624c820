"""Her City workshop steps: the facilitator advances, participants contribute, the end is a proposal."""

import io
import uuid

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from cms.coordinates import LATITUDE, LONGITUDE, parse_coordinate
from labs.participation import selectors as participation_selectors
from labs.participation import services as participation
from labs.participation.services import ParticipationError
from labs.participation.signals import hercity_step_contributed

from .models import FACTOR_KEYS, ActionItem, Dot, Idea, SafetyScore, Step, Workshop
from .selectors import (  # noqa: F401  (who may do what is a read; services.<name> still works)
    can_send_to_women_space,
    can_start_workshop,
    can_take_part,
    factor_averages,
    runs_workshop,
    top_ideas,
)


class WorkshopError(ParticipationError):
    pass


def _women_space_poster(workshop, finisher):
    """Who posts a women-space result on the group's behalf: the woman who chose that destination at
    the start; if she has left the space since, whoever finishes or runs it and may post there."""
    for person in (workshop.created_by, finisher, *workshop.session.facilitators.all()):
        if person is not None and participation_selectors.can_enter_women_space(person):
            return person
    return None


def _announce(user, workshop, step):
    hercity_step_contributed.send(sender=Workshop, user=user, workshop=workshop, step=step)


def _check(user, workshop, step):
    if not can_take_part(user, workshop):
        raise WorkshopError(_("This workshop is for women and girls only."))
    if workshop.step != step:
        raise WorkshopError(_("The workshop is not at this step."))


@transaction.atomic
def create_workshop(*, facilitator, session, site_name: str, space: str = "public", latitude=None,
                    longitude=None) -> Workshop:
    if session.kind != "hercity":
        raise WorkshopError(_("Her City workshops run in a Her City session."))
    if not can_start_workshop(facilitator, session):
        raise WorkshopError(_("Only facilitators of this session's center can start a workshop."))
    if session.cancelled_at is not None:
        raise WorkshopError(_("This session is cancelled."))
    site_name = (site_name or "").strip()
    if not site_name:
        raise WorkshopError(_("Name the site of the workshop."))
    if space not in ("public", "women"):
        raise WorkshopError(_("Choose where the result goes."))
    if space == "women" and not can_send_to_women_space(facilitator):
        raise WorkshopError(_("Only members of the women and girls space can send a workshop's result "
                              "there. Choose Public, or ask a member to start the workshop."))
    lat, lon = _coord(latitude, LATITUDE), _coord(longitude, LONGITUDE)
    if (lat is None) != (lon is None):
        raise WorkshopError(_("The map point needs both latitude and longitude."))
    workshop = Workshop(session=session, site_name=site_name, space=space, latitude=lat,
                        longitude=lon, created_by=facilitator)
    workshop.full_clean()
    workshop.save()
    return workshop


@transaction.atomic
def advance(*, facilitator, workshop: Workshop, to_step: int) -> Workshop:
    """Move to the next step. `to_step` makes a double click idempotent."""
    if not runs_workshop(facilitator, workshop):
        raise WorkshopError(_("Only the facilitator can move the workshop on."))
    locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if locked.step >= to_step:
        return locked
    if to_step != locked.step + 1 or to_step >= Step.DONE:
        raise WorkshopError(_("Steps go one at a time; finish the workshop to make the proposal."))
    locked.step = to_step
    locked.save(update_fields=["step"])
    return locked


def _coord(value, bounds):
    try:
        return parse_coordinate(value, bounds)
    except ValueError:
        raise WorkshopError(_("The map point is not a valid location.")) from None


def record_scores(*, user, workshop: Workshop, scores: dict, place: str = "", latitude=None, longitude=None,
                  note: str = "", photo=None) -> SafetyScore:
    _check(user, workshop, Step.ASSESS)
    clean = {}
    for key in FACTOR_KEYS:
        try:
            value = int(scores.get(key))
        except (TypeError, ValueError):
            raise WorkshopError(_("Score every factor from 1 to 5.")) from None
        if not 1 <= value <= 5:
            raise WorkshopError(_("Score every factor from 1 to 5."))
        clean[key] = value
    lat, lon = _coord(latitude, LATITUDE), _coord(longitude, LONGITUDE)
    suffix = participation._validate_image(photo) if photo else ""
    participation.screen_text(f"{place} {note}")
    with transaction.atomic():
        row, _created = SafetyScore.objects.update_or_create(
            workshop=workshop, user=user, place=place.strip()[:100],
            defaults={"scores": clean, "latitude": lat, "longitude": lon, "note": note.strip()[:300]})
        if photo:  # a random name, the content's suffix, no location metadata
            row.photo.save(f"{uuid.uuid4().hex}{suffix}", participation.clean_image(photo, suffix), save=True)
        _announce(user, workshop, Step.ASSESS)
    return row


def add_idea(*, user, workshop: Workshop, text: str, photo=None, link: str = "") -> Idea:
    if workshop.step not in (Step.ENVISION, Step.DESIGN):
        raise WorkshopError(_("The workshop is not at this step."))
    _check(user, workshop, workshop.step)
    text = (text or "").strip()
    if not text:
        raise WorkshopError(_("Write your idea first."))
    suffix = participation._validate_image(photo) if photo else ""
    participation.screen_text(text)
    participation.check_rate(user=user, action="comment")
    with transaction.atomic():
        idea = Idea(workshop=workshop, user=user, step=workshop.step, text=text[:300], link=link.strip()[:300])
        idea.full_clean(exclude=["photo"])
        idea.save()
        if photo:
            idea.photo.save(f"{uuid.uuid4().hex}{suffix}", participation.clean_image(photo, suffix), save=True)
        _announce(user, workshop, workshop.step)
    return idea


def dot_vote(*, user, workshop: Workshop, idea: Idea) -> bool:
    _check(user, workshop, Step.PRIORITISE)
    if idea.workshop_id != workshop.pk:
        raise WorkshopError(_("This idea is not in this workshop."))
    with transaction.atomic():
        # Lock the voter so parallel clicks cannot spend more dots than allowed.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if Dot.objects.filter(user=user, idea=idea).exists():
            raise WorkshopError(_("You already placed a dot on this idea. Choose another idea."))
        if Dot.objects.filter(user=user, idea__workshop=workshop).count() >= workshop.dots_per_person:
            raise WorkshopError(_("You have placed all your dots."))
        try:
            with transaction.atomic():
                Dot.objects.create(user=user, idea=idea)
        except IntegrityError:  # a parallel click on the same idea won the race
            raise WorkshopError(_("You already placed a dot on this idea. Choose another idea.")) from None
        _announce(user, workshop, Step.PRIORITISE)
    return True


def add_action(*, user, workshop: Workshop, what: str, who: str = "", when: str = "") -> ActionItem:
    _check(user, workshop, Step.ACTION)
    what = (what or "").strip()
    if not what:
        raise WorkshopError(_("Say what should be done."))
    participation.screen_text(f"{what} {who} {when}")
    with transaction.atomic():
        item = ActionItem.objects.create(workshop=workshop, user=user, what=what[:200], who=who[:100], when=when[:100])
        _announce(user, workshop, Step.ACTION)
    return item


def _chart_font():
    """A TrueType font that draws Khmer (Pillow shapes it with raqm), or None."""
    from glob import glob

    from PIL import ImageFont, features

    if not features.check("raqm"):
        return None
    for pattern in ("/usr/share/fonts/**/*Khmer*.ttf", "/usr/share/fonts/**/*khmer*.ttf"):
        for path in sorted(glob(pattern, recursive=True)):
            try:
                return ImageFont.truetype(path, 14)
            except OSError:
                continue
    return None


def chart_png(workshop: Workshop) -> ContentFile:
    """The factor averages as a PNG bar chart, attached to the proposal as evidence."""
    from django.utils import translation
    from PIL import Image, ImageDraw

    font = _chart_font()
    # The factors' words, not their codes; in Khmer only when a Khmer font can draw them.
    language = translation.get_language() if font is not None else "en"
    with translation.override(language):
        averages = factor_averages(workshop)
    width, row = 520, 26
    img = Image.new("RGB", (width, row * len(averages) + 20), "white")
    draw = ImageDraw.Draw(img)
    for i, (_key, label, avg) in enumerate(averages):
        y = 10 + i * row
        draw.text((6, y + 4), label, fill="black", font=font)
        length = int((avg or 0) / 5 * (width - 190))
        color = (200, 60, 60) if avg and avg < 2.5 else (230, 160, 40) if avg and avg < 3.5 else (60, 150, 80)
        draw.rectangle([140, y, 140 + length, y + row - 6], fill=color)
        draw.text((146 + length, y + 4), f"{avg:.1f}" if avg else "-", fill="black")
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return ContentFile(buf.getvalue(), name=f"hercity-{workshop.pk}-safety-scores.png")


def finish(*, facilitator, workshop: Workshop, title: str, category: str = "safety"):
    """Turn the results into one proposal with its evidence (chart, photos) via participation."""
    if not runs_workshop(facilitator, workshop):
        raise WorkshopError(_("Only the facilitator can finish the workshop."))
    if workshop.proposal_id:
        return workshop.proposal
    if workshop.step != Step.ACTION:
        raise WorkshopError(_("Finish the action plan first."))
    author = facilitator
    if workshop.space == "women":
        author = _women_space_poster(workshop, facilitator)
        if author is None:  # only if every member running it has left the space since the start
            raise WorkshopError(_("Nobody running this workshop is a member of the women and girls space "
                                  "any more: ask a member who facilitates at this center to finish it."))
    averages = factor_averages(workshop)
    ideas = top_ideas(workshop, limit=5)
    lines = [str(_("Her City workshop at %(site)s.") % {"site": workshop.site_name}), "",
             str(_("Safety walk (1 = feels unsafe, 5 = feels safe):"))]
    lines += [f"- {label}: {avg:.1f}" for _k, label, avg in averages if avg]
    lines += ["", str(_("Top ideas (dots):"))] + [f"- {i.text} ({i.dot_count})" for i in ideas]
    actions = list(workshop.actions.all())
    if actions:
        lines += ["", str(_("Action plan:"))] + [f"- {a.what} — {a.who} {a.when}".strip() for a in actions]
    images = [chart_png(workshop)]
    for score in workshop.scores.exclude(photo=""):
        if len(images) >= 5:
            break
        score.photo.open("rb")
        images.append(ContentFile(score.photo.read(), name=score.photo.name.rsplit("/", 1)[-1]))
    contributors = {s.user for s in workshop.scores.select_related("user")}
    contributors |= {i.user for i in workshop.ideas.select_related("user")}
    team = sorted({u.public_name for u in contributors if u.can_appear_publicly})
    links = [i.link for i in workshop.ideas.exclude(link="")]
    with transaction.atomic():
        locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
        if locked.proposal_id:
            return locked.proposal
        proposal = participation.submit_proposal(
            author=author, title=title or workshop.site_name, body="\n".join(lines), category=category,
            space=workshop.space, latitude=workshop.latitude, longitude=workshop.longitude, images=images,
            origin="hercity", origin_url=links[0] if links else "", team_nicknames=team or None)
        locked.proposal, locked.step = proposal, Step.DONE
        locked.save(update_fields=["proposal", "step"])
    workshop.refresh_from_db()
    return proposal
