"""What a lesson page's SCORM block needs: the frame's first SCO, the item list, and (for a signed-in
learner) her attempt and the CSRF token, which stay in the lesson page: the SCO never sees them."""

from django import template
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.translation import get_language

from courses.scorm import selectors, services
from courses.scorm.views import launch_url

register = template.Library()


@register.inclusion_tag("scorm/block.html", takes_context=True)
def scorm_block(context, page, block_id: str, value):
    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    package = value.get("package")
    language = get_language()
    result = {"block_id": block_id, "title": value.get("title") or "", "package": package, "ready": False,
              "config_id": f"scorm-config-{block_id}"}
    if package is None or not package.is_ready or not package.items:
        return result
    attempt = None
    if signed_in:
        attempt = services.attempt_for(user=user, lesson_key=page.translation_key, block_id=block_id, package=package)
    states = selectors.item_states(attempt=attempt)
    current = selectors.item_by_identifier(package=package, identifier=attempt.current_sco) if attempt else None
    current = current or package.items[0]
    items = [{
        "identifier": item["identifier"], "title": item["title"], "state": states.get(item["identifier"], ""),
        "url": launch_url(lesson_key=page.translation_key, block_id=block_id, item=item, language=language),
    } for item in package.items]
    config = {
        "block": block_id,
        "commitUrl": reverse("scorm_commit", kwargs={"attempt_id": attempt.pk}) if attempt else "",
        "csrfToken": get_token(request) if signed_in else "",
        "queueKey": f"sangkat-scorm-queue-{user.pk}" if signed_in else "",
        "items": [{"identifier": item["identifier"], "url": item["url"]} for item in items],
    }
    result.update({
        "ready": True, "items": items, "multi": len(items) > 1, "config": config,
        "current": next(item for item in items if item["identifier"] == current["identifier"]),
    })
    return result
