"""Server-side SVG bar charts for the dashboards: a few hundred bytes, no JavaScript."""

from django.utils.html import escape
from django.utils.safestring import mark_safe


def bar_chart(*, title: str, rows: list[tuple[str, float]], unit: str = "", width: int = 560,
              bar_height: int = 22) -> str:
    """Horizontal bars, one per (label, value); labels left, values at the bar's end."""
    label_width, gap, top = 170, 6, 28
    biggest = max([value for _label, value in rows] + [1])
    height = top + len(rows) * (bar_height + gap) + 4
    room = width - label_width - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}">',
        f'<text x="0" y="16" font-size="14" font-weight="bold" fill="currentColor">{escape(title)}</text>',
    ]
    for index, (label, value) in enumerate(rows):
        y = top + index * (bar_height + gap)
        length = max(round(room * value / biggest), 1 if value else 0)
        shown = f"{value:g}{unit}"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + bar_height * 0.7:.0f}" font-size="12" text-anchor="end" '
            f'fill="currentColor">{escape(label[:28])}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height}" rx="3" fill="#2f7d6d">'
            f'<title>{escape(label)}: {escape(shown)}</title></rect>'
            f'<text x="{label_width + length + 6}" y="{y + bar_height * 0.7:.0f}" font-size="12" '
            f'fill="currentColor">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every piece of text above is escaped
