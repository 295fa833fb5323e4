"""Tables printed on the terminal (rich)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table

from store.lifecycle import STATUS_LABELS


def _codes(codes: list[str]) -> str:
    """``missing_field ×3, no_photo``: each code once, with its count."""
    counts = Counter(codes)
    return ", ".join(f"{c} ×{n}" if n > 1 else c for c, n in counts.items()) or "—"


def print_queue(items: list[dict[str, Any]], title: str = "Hàng đợi tin, bài") -> None:
    """Reference, sender, status and problem codes, one row per item."""
    table = Table(title=title, show_lines=False)
    for column in ("Mã số", "Người gửi", "Tít", "Trạng thái", "Vấn đề"):
        table.add_column(column, overflow="fold")
    for item in items:
        status = item.get("status")
        label = STATUS_LABELS.get(status or "", item.get("disposition") or "")
        title_text = str(item.get("title") or "")
        table.add_row(
            item.get("ref") or "—",
            str(item.get("sender") or ""),
            title_text[:50] + ("…" if len(title_text) > 50 else ""),
            label,
            _codes(item.get("problems") or []),
        )
    Console(width=max(120, Console().width)).print(table)
