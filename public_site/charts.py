"""Charts drawn on the server as SVG: no JavaScript, a few hundred bytes, sharp on a phone.

Each chart scales to the width it is given (``viewBox``, ``width=100%``), names itself for
screen readers (``role=img`` and a ``<title>``), and the page shows the same figures as a
table under it, so nothing is only in the picture.
"""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH = 320  # the drawing's own units; the page stretches it to the screen
BAR, GAP, LABEL_LINE = 14, 6, 14
COLUMN_MOST = 40  # a column no wider than this, however few there are
COLOURS = {"valid": "#0d6b2f", "expired": "#8a5a00", "suspended": "#c77700", "revoked": "#a11212",
           "withdrawn": "#4a4a4a"}
OTHER_COLOURS = ("#0b4f9c", "#5b8fd1", "#8a5a00", "#a11212", "#4a4a4a", "#0d6b2f", "#7a3e9d")


def colour(key: str, index: int) -> str:
    return COLOURS.get(key, OTHER_COLOURS[index % len(OTHER_COLOURS)])


def _svg(title: str, height: int, body: str) -> Markup:
    return Markup(f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
                  f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
                  f'<title>{escape(title)}</title>{body}</svg>')


def bars(title: str, items: list[tuple[str, str, int]]) -> Markup:
    """Horizontal bars, one per (key, label, value): the label on its own line above the bar
    (a phone is narrow; a label beside the bar would be cut), the value at the bar's end. A key
    with a colour of its own (a status) keeps it."""
    top = max((value for *_, value in items), default=0) or 1
    room, row = WIDTH - 60, LABEL_LINE + BAR + GAP
    parts = []
    for i, (key, label, value) in enumerate(items):
        y = i * row
        length = max(round(room * value / top), 1 if value else 0)
        short = label if len(label) <= 60 else label[:59] + "…"
        parts.append(f'<text x="0" y="{y + 11}" font-size="11">{escape(short)}</text>'
                     f'<rect x="0" y="{y + LABEL_LINE}" width="{length}" height="{BAR}" fill="{colour(key, 0)}"/>'
                     f'<text x="{length + 4}" y="{y + LABEL_LINE + 11}" font-size="11">{value:,}</text>')
    return _svg(title, max(len(items), 1) * row, "".join(parts))


def stacked_columns(title: str, columns: list[tuple[str, dict[str, int]]], keys: list[str],
                    names: dict[str, str]) -> Markup:
    """One column per (label, {key: value}), its parts stacked in the order of ``keys``, with a
    legend under it that gives each key its name in ``names``."""
    chart_height, label_room, legend_row = 140, 16, 14
    top = max((sum(parts.values()) for _, parts in columns), default=0) or 1
    step = WIDTH / max(len(columns), 1)
    width = min(max(step * 0.7, 2), COLUMN_MOST)
    body = []
    for i, (label, parts) in enumerate(columns):
        x, y = i * step + (step - width) / 2, float(chart_height)
        for k, key in enumerate(keys):
            height = chart_height * parts.get(key, 0) / top
            if height:
                y -= height
                body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" '
                            f'fill="{colour(key, k)}"><title>{escape(label)} {escape(names.get(key, key))}: '
                            f'{parts[key]:,}</title></rect>')
        if len(columns) <= 12 or i % max(len(columns) // 6, 1) == 0:
            body.append(f'<text x="{x + width / 2:.1f}" y="{chart_height + 12}" text-anchor="middle" '
                        f'font-size="10">{escape(label)}</text>')
    for k, key in enumerate(keys):
        y = chart_height + label_room + k * legend_row
        body.append(f'<rect x="0" y="{y}" width="10" height="10" fill="{colour(key, k)}"/>'
                    f'<text x="14" y="{y + 9}" font-size="10">{escape(names.get(key, key))}</text>')
    return _svg(title, chart_height + label_room + len(keys) * legend_row, "".join(body))
