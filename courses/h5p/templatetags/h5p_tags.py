"""What a lesson page's H5P block needs to relay its player's statements for the learner."""

from django import template
from django.conf import settings
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import json_script

from courses.h5p import package_host
from courses.xapi.identity import activity_iri, agent_for

register = template.Library()


@register.simple_tag(takes_context=True)
def h5p_activity_config(context, page, block_id: str):
    """A JSON block for h5p/frames.js: the activity, the lesson and, for a signed-in learner, her
    xAPI name and the CSRF token. These stay in the lesson page: the sandboxed player never sees them."""
    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    lesson_url = page.get_url(request=None) or ""
    if lesson_url.startswith("/"):
        lesson_url = f"{settings.SANGKAT_PUBLIC_URL}{lesson_url}"
    config = {
        "block": block_id,
        "activity": activity_iri(lesson_key=page.translation_key, block_id=block_id),
        "lesson": lesson_url,
        "actor": agent_for(user) if signed_in else None,
        "statementsUrl": "/xapi/statements",
        "csrfToken": get_token(request) if signed_in else "",
        "queueKey": f"sangkat-xapi-queue-{user.pk}" if signed_in else "",
        # Where the learner's saved answers for this block are read and stored (none for visitors).
        "userDataUrl": reverse("h5p_user_data", kwargs={"lesson_key": page.translation_key, "block_id": block_id})
        if signed_in else "",
    }
    return json_script(config, f"h5p-activity-{block_id}")


@register.simple_tag(takes_context=True)
def h5p_frame(context, page, block_id: str, package, language: str):
    """Where the lesson frames this block's player when each package has an origin of its own
    (H5P_PACKAGE_ORIGIN): {"origin", "player", "warm"}; None when packages play in the opaque sandbox."""
    if package is None:
        return None
    return package_host.frame_urls(request=context.get("request"), package_id=package.pk,
                                   lesson_key=page.translation_key, block_id=block_id, language=language)
