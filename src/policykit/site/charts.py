"""Charts as inline SVG, drawn here: no JavaScript library, no CDN, nothing fetched by the browser.

Colours come from CSS custom properties of the Material theme (with fallbacks), so charts follow
light and dark palettes. Every chart carries a ``<title>`` and ``aria-label`` for screen readers,
and the figures are also printed as text beside the bars.

Every chart is ``pages.Html``: labels, titles and units are escaped as they are joined in, and a
bar's link target comes from the caller's ``links`` (code-built URLs), never from a label.
"""
from __future__ import annotations

_PALETTE = ["#3f6ec6", "#e07b39", "#4d9f6b", "#c44e52", "#8172b2", "#937860", "#da8bc3", "#8c8c8c",
            "#ccb974", "#64b5cd", "#2f4b7c", "#a05195"]


def _text_width(text: str) -> float:
    """Approximate rendered width in px at 13 px: CJK characters are about 1 em, others half."""
    return sum(13 if ord(ch) > 0x2E80 else 7.2 for ch in text)


def bar_chart(rows, *, title: str, unit: str = "项", max_rows: int | None = None, label_width: int | None = None,
              width: int = 640, links: dict | None = None) -> str:
    """Horizontal bars: ``rows`` is ``[(label, value)]`` (drawn in the given order)."""
    from .markup import Html
    rows = [(str(k), _number(v)) for k, v in rows]
    if max_rows is not None:
        rows = rows[:max_rows]
    if not rows:
        return Html('<p class="pk-empty">{}：暂无数据</p>').format(title)
    bar_h, gap, top = 20, 6, 8
    lw = label_width or int(min(260, max(_text_width(k) for k, _ in rows) + 12))
    vmax = max(v for _, v in rows) or 1
    value_w = int(max(_text_width(f"{_fmt(v)} {unit}") for _, v in rows)) + 10
    plot_w = max(80, width - lw - value_w)
    height = top * 2 + len(rows) * (bar_h + gap)
    out = [Html('<svg class="pk-chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="100%" '
                'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title>{}</title>')
           .format(title, width, height, title)]
    for i, (label, value) in enumerate(rows):
        y = top + i * (bar_h + gap)
        w = max(1.0, plot_w * value / vmax) if value else 0
        out.append(Html('<g><title>{}：{} {}</title>{}<rect x="{}" y="{}" width="{:.1f}" height="{}" rx="2" '
                        'class="pk-chart-bar" fill="{}"/><text x="{:.1f}" y="{}" class="pk-chart-value">{} {}</text></g>')
                   .format(label, _fmt(value), unit, _row_label(label, y, lw, bar_h, links), lw, y, w, bar_h,
                           _PALETTE[0], lw + w + 5, y + bar_h - 5, _fmt(value), unit))
    out.append(Html("</svg>"))
    return Html("").join(out)


def _number(v):
    """Counts stay integers; scores keep their decimals."""
    f = float(v)
    return int(f) if f.is_integer() else round(f, 2)


def _fmt(v) -> str:
    return str(v)


def stacked_bar_chart(rows, series, *, title: str, unit: str = "件", width: int = 640, links: dict | None = None) -> str:
    """Horizontal stacked bars: ``rows`` is ``[(label, [v1, v2, …])]``, ``series`` the names of the parts
    (a legend is drawn); the total is printed beside each bar."""
    from .markup import Html
    rows = [(str(k), [int(x) for x in vs]) for k, vs in rows]
    if not rows:
        return Html('<p class="pk-empty">{}：暂无数据</p>').format(title)
    bar_h, gap, top = 20, 6, 30
    lw = int(min(260, max(_text_width(k) for k, _ in rows) + 12))
    vmax = max(sum(vs) for _, vs in rows) or 1
    value_w = int(_text_width(f"{vmax} {unit}")) + 10
    plot_w = max(80, width - lw - value_w)
    height = top + 8 + len(rows) * (bar_h + gap)
    out = [Html('<svg class="pk-chart pk-chart-stacked" role="img" aria-label="{}" viewBox="0 0 {} {}" width="100%" '
                'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title>{}</title>')
           .format(title, width, height, title)]
    x = lw
    for i, name in enumerate(series):
        out.append(Html('<rect x="{}" y="6" width="12" height="12" fill="{}"/><text x="{}" y="17" class="pk-chart-label">{}</text>')
                   .format(x, _PALETTE[i % len(_PALETTE)], x + 16, name))
        x += 16 + _text_width(name) + 18
    for r, (label, values) in enumerate(rows):
        y = top + r * (bar_h + gap)
        total = sum(values)
        parts = "、".join(f"{n} {v}" for n, v in zip(series, values))
        g = [Html("<g><title>{}：共 {} {}（{}）</title>{}").format(label, total, unit, parts,
                                                                 _row_label(label, y, lw, bar_h, links))]
        x = float(lw)
        for i, v in enumerate(values):
            w = plot_w * v / vmax
            if v:
                g.append(Html('<rect x="{:.1f}" y="{}" width="{:.1f}" height="{}" class="pk-chart-bar" fill="{}"/>')
                         .format(x, y, max(1.0, w), bar_h, _PALETTE[i % len(_PALETTE)]))
            x += w
        g.append(Html('<text x="{:.1f}" y="{}" class="pk-chart-value">{} {}</text></g>').format(x + 5, y + bar_h - 5, total, unit))
        out.append(Html("").join(g))
    out.append(Html("</svg>"))
    return Html("").join(out)


def _row_label(label: str, y: float, lw: int, bar_h: int, links):
    """A bar's label at the left edge, shortened to fit, linked when ``links`` names a page for it
    (the caller's code-built URL: ``pages.Url``)."""
    from .markup import Html, Url
    shown = label if _text_width(label) <= lw - 8 else _truncate(label, lw - 8)
    text = Html('<text x="{}" y="{}" text-anchor="end" class="pk-chart-label">{}</text>').format(lw - 6, y + bar_h - 5, shown)
    href = (links or {}).get(label)
    return Html('<a href="{}">{}</a>').format(Url(href), text) if href else text


def _truncate(label: str, px: float) -> str:
    out = ""
    for ch in label:
        if _text_width(out + ch + "…") > px:
            return out + "…"
        out += ch
    return out


def donut_chart(rows, *, title: str, unit: str = "项", size: int = 220) -> str:
    """A ring of shares with a legend; ``rows`` is ``[(label, value)]``."""
    import math

    from .markup import Html
    rows = [(str(k), int(v)) for k, v in rows if int(v) > 0]
    total = sum(v for _, v in rows)
    if not total:
        return Html('<p class="pk-empty">{}：暂无数据</p>').format(title)
    legend_w = int(max(_text_width(f"{k} {v} {unit}（100%）") for k, v in rows)) + 30
    height = max(size, 22 * len(rows) + 16)
    width = size + legend_w
    cx = cy = size / 2
    r_out, r_in = size / 2 - 6, size / 2 - 40
    out = [Html('<svg class="pk-chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="100%" '
                'style="max-width:{}px" xmlns="http://www.w3.org/2000/svg"><title>{}</title>')
           .format(title, width, height, width, title)]
    angle = -math.pi / 2
    for i, (label, value) in enumerate(rows):
        colour = _PALETTE[i % len(_PALETTE)]
        share = value / total
        if share >= 0.9999:
            out.append(Html('<circle cx="{}" cy="{}" r="{}" fill="none" stroke="{}" stroke-width="{}"><title>{}：{} {}</title>'
                            "</circle>").format(cx, cy, (r_out + r_in) / 2, colour, r_out - r_in, label, value, unit))
        else:
            a2 = angle + share * 2 * math.pi
            large = 1 if share > 0.5 else 0
            p = [(cx + r_out * math.cos(angle), cy + r_out * math.sin(angle)),
                 (cx + r_out * math.cos(a2), cy + r_out * math.sin(a2)),
                 (cx + r_in * math.cos(a2), cy + r_in * math.sin(a2)),
                 (cx + r_in * math.cos(angle), cy + r_in * math.sin(angle))]
            d = (f"M{p[0][0]:.2f},{p[0][1]:.2f} A{r_out},{r_out} 0 {large} 1 {p[1][0]:.2f},{p[1][1]:.2f} "
                 f"L{p[2][0]:.2f},{p[2][1]:.2f} A{r_in},{r_in} 0 {large} 0 {p[3][0]:.2f},{p[3][1]:.2f} Z")
            out.append(Html('<path d="{}" fill="{}"><title>{}：{} {}</title></path>').format(d, colour, label, value, unit))
            angle = a2
        ly = 16 + i * 22
        out.append(Html('<rect x="{}" y="{}" width="12" height="12" fill="{}"/><text x="{}" y="{}" class="pk-chart-label">'
                        "{} {} {}（{:.0f}%）</text>").format(size + 12, ly - 11, colour, size + 30, ly, label, value, unit,
                                                             share * 100))
    out.append(Html('<text x="{}" y="{}" text-anchor="middle" class="pk-chart-total">{}</text></svg>').format(cx, cy + 6, total))
    return Html("").join(out)
