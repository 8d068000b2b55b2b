"""Small SVG charts drawn in Python: no JavaScript, no CDN, allowed by the console's CSP
(presentation attributes only, no style attributes). Labels are escaped."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
PAD_LEFT, PAD_BOTTOM, PAD_TOP = 40, 52, 16


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float]
    colour: str


def stacked_bars(title: str, labels: list[str], series: list[Series]) -> Markup:
    """Vertical bars per label (a day, a week), the series stacked; a legend underneath."""
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    top = max(totals + [1])
    plot_w, plot_h = WIDTH - PAD_LEFT - 8, HEIGHT - PAD_BOTTOM - PAD_TOP
    step = plot_w / max(len(labels), 1)
    bar_w = max(step * 0.7, 2)
    parts = [_open(title)]
    for tick in _ticks(top):
        y = PAD_TOP + plot_h - plot_h * tick / top
        parts.append(
            f'<line x1="{PAD_LEFT}" y1="{y:.1f}" x2="{WIDTH - 8}" y2="{y:.1f}" '
            f'stroke="#E3E8EC" stroke-width="1"/>'
            f'<text x="{PAD_LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="#8A8A8A">{tick:g}</text>'
        )
    for i, label in enumerate(labels):
        x = PAD_LEFT + i * step + (step - bar_w) / 2
        base = PAD_TOP + plot_h
        for s in series:
            value = s.values[i]
            if value <= 0:
                continue
            h = plot_h * value / top
            base -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{escape(s.colour)}"><title>{escape(label)} {escape(s.name)}: '
                f"{value:g}</title></rect>"
            )
        if len(labels) <= 16 or i % 2 == 0:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{HEIGHT - PAD_BOTTOM + 16}" font-size="11" '
                f'text-anchor="middle" fill="#333333">{escape(label)}</text>'
            )
    parts.append(_legend(series))
    parts.append("</svg>")
    return Markup("".join(parts))


def horizontal_bars(title: str, rows: list[tuple[str, float]], colour: str) -> Markup:
    """One bar per row (a funnel step, a topic), its value at the end."""
    row_h = 30
    height = PAD_TOP + row_h * max(len(rows), 1) + 8
    top = max([v for _, v in rows] + [1])
    label_w, plot_w = 150, WIDTH - 150 - 60
    parts = [_open(title, height)]
    for i, (label, value) in enumerate(rows):
        y = PAD_TOP + i * row_h
        w = plot_w * value / top
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 19}" font-size="13" text-anchor="end" '
            f'fill="#333333">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 5}" width="{max(w, 1):.1f}" height="{row_h - 10}" '
            f'fill="{escape(colour)}" rx="3"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 19}" font-size="13" '
            f'fill="#333333">{value:g}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(title: str, height: int = HEIGHT) -> str:
    label = escape(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="{label}" class="chart"><title>{label}</title>'
    )


def _legend(series: list[Series]) -> str:
    parts, x = [], PAD_LEFT
    y = HEIGHT - 6
    for s in series:
        parts.append(
            f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{escape(s.colour)}"/>'
            f'<text x="{x + 16}" y="{y}" font-size="12" fill="#333333">{escape(s.name)}</text>'
        )
        x += 24 + 14 * len(s.name)
    return "".join(parts)


def _ticks(top: float) -> list[float]:
    if top <= 5:
        return [float(t) for t in range(0, int(top) + 1)]
    step = max(round(top / 4), 1)
    return [float(t) for t in range(0, int(top) + 1, step)]
