"""A horizontal SVG bar chart of published items vs quota per unit, made server-side.

Horizontal bars leave room for long Vietnamese unit names; the quota is a dark tick on
each bar's track. No JavaScript, so it prints and renders in any browser or e-mail.
"""

from __future__ import annotations

from html import escape

from tinbai.reports.data import UnitReport

MET = "#2e7d32"
NOT_MET = "#c62828"
NO_QUOTA = "#607d8b"
TRACK = "#eceff1"


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = 12,
          weight: str = "normal", fill: str = "#263238") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
            f'font-weight="{weight}" fill="{fill}">{escape(text)}</text>')


def _short(name: str, limit: int = 38) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def bar_chart(report: UnitReport, *, width: int = 700) -> str:
    """The chart as an inline ``<svg>`` element (one bar per unit, grouped by kind)."""
    label_w = 260
    value_w = 64
    bar_h = 16
    gap = 8
    group_gap = 26
    top = 36
    plot_w = width - label_w - value_w - 10
    rows = [(g.label, g.rows) for g in report.groups if g.rows]
    scale_max = 1.0
    for _, members in rows:
        for r in members:
            scale_max = max(scale_max, float(r.published), float(r.quota or 0))
    scale_max = float(int(scale_max) + 1) if scale_max != int(scale_max) else scale_max
    height = top + sum(group_gap + len(m) * (bar_h + gap) for _, m in rows) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" '
        'font-family="Noto Sans, Liberation Sans, Arial, DejaVu Sans, sans-serif" '
        f'aria-label="Số tin, bài đã đăng so với chỉ tiêu, {escape(report.period.label)}">',
        _text(0, 16, f"Tin, bài đã đăng so với chỉ tiêu — {report.period.label}", size=14,
              weight="bold"),
    ]
    # legend
    lx = width - 330
    parts.append(f'<rect x="{lx}" y="24" width="12" height="10" fill="{MET}"/>')
    parts.append(_text(lx + 16, 33, "Đạt", size=11))
    parts.append(f'<rect x="{lx + 50}" y="24" width="12" height="10" fill="{NOT_MET}"/>')
    parts.append(_text(lx + 66, 33, "Chưa đạt", size=11))
    parts.append(f'<rect x="{lx + 128}" y="24" width="12" height="10" fill="{NO_QUOTA}"/>')
    parts.append(_text(lx + 144, 33, "Không có chỉ tiêu", size=11))
    parts.append(f'<rect x="{lx + 260}" y="22" width="3" height="14" fill="#111"/>')
    parts.append(_text(lx + 268, 33, "Chỉ tiêu", size=11))
    y = float(top)
    for label, members in rows:
        y += group_gap
        parts.append(_text(0, y - 8, label, size=12, weight="bold", fill="#37474f"))
        for r in members:
            parts.append(_text(label_w - 8, y + bar_h - 4, _short(r.name), anchor="end",
                               size=11))
            parts.append(f'<rect x="{label_w}" y="{y:.1f}" width="{plot_w}" height="{bar_h}" '
                         f'fill="{TRACK}"/>')
            colour = NO_QUOTA if r.met is None else (MET if r.met else NOT_MET)
            bw = plot_w * r.published / scale_max
            if r.published:
                parts.append(f'<rect x="{label_w}" y="{y:.1f}" width="{bw:.1f}" '
                             f'height="{bar_h}" fill="{colour}"><title>{escape(r.name)}: '
                             f'{r.published} / {escape(r.quota_text)}</title></rect>')
            if r.quota is not None:
                qx = label_w + plot_w * float(r.quota) / scale_max
                parts.append(f'<rect x="{qx - 1.5:.1f}" y="{y - 3:.1f}" width="3" '
                             f'height="{bar_h + 6}" fill="#111"/>')
            parts.append(_text(label_w + plot_w + 8, y + bar_h - 4,
                               f"{r.published}/{r.quota_text}", size=11, weight="bold",
                               fill=colour))
            y += bar_h + gap
    # axis ticks
    axis_y = y + 4
    steps = int(scale_max) if scale_max <= 12 else 6
    for i in range(steps + 1):
        value = scale_max * i / steps
        x = label_w + plot_w * i / steps
        parts.append(f'<line x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{axis_y + 4}" '
                     f'stroke="#90a4ae"/>')
        shown = f"{value:g}" if value == int(value) else f"{value:.1f}"
        parts.append(_text(x, axis_y + 16, shown, anchor="middle", size=10, fill="#607d8b"))
    parts.append("</svg>")
    return "\n".join(parts)
