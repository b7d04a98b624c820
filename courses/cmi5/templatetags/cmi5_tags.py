"""What a lesson page's cmi5 block shows: the AUs, whether each is started or satisfied, where to launch."""

from django import template
from django.middleware.csrf import get_token
from django.urls import reverse

from courses.cmi5 import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def cmi5_block_context(context, page, block_id: str, value):
    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    course = value.get("course")
    ready = course is not None and course.is_ready
    statuses = selectors.au_statuses(user=user, lesson_key=page.translation_key, block_id=block_id) \
        if signed_in and ready else {}
    aus = []
    for index, au in enumerate(course.aus if ready else []):
        status = statuses.get(index)
        aus.append({
            "title": au["title"], "started": status is not None,
            "satisfied": bool(status and status.satisfied_at),
            "launch_url": reverse("cmi5_launch", kwargs={"lesson_key": page.translation_key, "block_id": block_id,
                                                         "au_index": index}),
        })
    return {
        "ready": ready, "signed_in": signed_in, "aus": aus, "config_id": f"cmi5-config-{block_id}",
        "config": {"csrfToken": get_token(request) if signed_in else ""},
    }
