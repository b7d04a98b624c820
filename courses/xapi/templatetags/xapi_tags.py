"""Template access to a learner's H5P activity scores (for the H5P block template)."""

from django import template

from courses.xapi.selectors import activity_scores

register = template.Library()


@register.simple_tag(takes_context=True)
def activity_score(context, block_id):
    """`{% activity_score block.id as score %}`: the learner's ActivityScore for this block, or None.

    Reads the lesson from `page` and the learner from `request`; one query per lesson page.
    """
    request = context.get("request")
    page = context.get("page") or context.get("self")
    user = getattr(request, "user", None)
    if request is None or page is None or user is None or not user.is_authenticated:
        return None
    memo = getattr(request, "_sangkat_activity_scores", None)
    if memo is None or memo[0] != page.translation_key:
        memo = (page.translation_key, activity_scores(user=user, lesson_key=page.translation_key))
        request._sangkat_activity_scores = memo
    return memo[1].get(block_id)
