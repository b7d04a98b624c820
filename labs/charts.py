"""Server-side bar charts for the dashboards: plain HTML and CSS, a few hundred bytes, no JavaScript."""

from django.utils.html import escape
from django.utils.safestring import mark_safe


def bar_chart(*, title: str, rows: list[tuple[str, float]], unit: str = "") -> str:
    """Horizontal bars, one per (label, value), each with its whole label.

    Labels are HTML text, not SVG: a long center name wraps onto a second line (and sits above its
    bar on a phone, `.bar-chart` in site.css) instead of being cut, so every bar can be told apart.
    """
    biggest = max([value for _label, value in rows] + [1])
    parts = [f'<figure class="bar-chart" role="group" aria-label="{escape(title)}">',
             f"<figcaption>{escape(title)}</figcaption>"]
    for label, value in rows:
        percent = round(100 * value / biggest, 1) if value else 0
        shown = f"{value:g}{unit}"
        parts.append(
            f'<div class="bar-row"><span class="bar-label">{escape(label)}</span>'
            f'<span class="bar-track"><span class="bar-fill" style="width:{percent:g}%"></span>'
            f'<span class="bar-value">{escape(shown)}</span></span></div>'
        )
    parts.append("</figure>")
    return mark_safe("".join(parts))  # every piece of text above is escaped; numbers are formatted
