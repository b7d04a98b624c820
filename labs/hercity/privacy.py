"""Personal data held by labs.hercity: its collector and eraser (registry: cms.privacy)."""

from django.utils.translation import gettext_lazy

from cms.privacy import exclude, register_collector, register_eraser, rows
from labs.hercity.models import ActionItem, Dot, Idea, SafetyScore

# User foreign keys that are not the pointed-to person's own data (cms.privacy.excluded()).
exclude({
    "hercity.Workshop.created_by": "workshop set up by a facilitator (work record)",
})


@register_collector("her_city", label=gettext_lazy("Her City workshop contributions"), covers=[
    "hercity.SafetyScore.user", "hercity.Idea.user", "hercity.Dot.user", "hercity.ActionItem.user",
])
def collect_hercity(user) -> dict:
    return {
        "safety_scores": rows(SafetyScore.objects.filter(user=user).order_by("created_at"),
                               "workshop__site_name", "place", "latitude", "longitude", "scores", "note",
                               "photo", "created_at"),
        "ideas": rows(Idea.objects.filter(user=user).order_by("created_at"),
                       "workshop__site_name", "step", "text", "photo", "link", "created_at"),
        # The ideas you put dots on may be other people's: only which idea and where.
        "dots": rows(Dot.objects.filter(user=user).order_by("pk"), "idea_id", "idea__workshop__site_name"),
        "action_items": rows(ActionItem.objects.filter(user=user).order_by("pk"),
                              "workshop__site_name", "what", "who", "when"),
    }


@register_eraser("her_city")
def erase_hercity(user, *, on_commit) -> None:
    for score in SafetyScore.objects.filter(user=user).exclude(note="", photo=""):
        if score.photo:
            on_commit(score.photo)
        SafetyScore.objects.filter(pk=score.pk).update(note="", photo="")
