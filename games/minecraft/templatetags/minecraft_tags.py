"""Presentation helpers for Block by Block templates."""

from django import template

from ..services import metric_labels

register = template.Library()


@register.filter
def metric_rows(build):
    """(label, before, after, change) for each metric of a build."""
    if not build:
        return []
    m = build.metrics
    return [(label, m.get("before", {}).get(key, 0), m.get("after", {}).get(key, 0), m.get("change", {}).get(key, 0))
            for key, label in metric_labels().items()]
