"""The photo cards of the submission page: caption, verdict, evidence, in words an editor
reads.

A card's verdict comes from the submission's problem list (the same rows the page lists
above, with their overrides), so the card can never say "Đạt" while the list holds an
error for that file. The facts the checks read (``PhotoFacts.evidence``) are shown with
Vietnamese labels and values people write (dates ``03/11/2026 09:31``, sizes
``4000 × 3000``, ``4,2 MB``); the technical names (JPEG segment names, EXIF tags) are kept
for the tooltip only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from store.base import Row
from tinbai import formatting
from tinbai.web.context import WebContext
from tinbai.web.thumbs import thumb_path

_CAPTION_NUMBER = re.compile(r"^\s*Ảnh\s*\d+\s*[:.\-–]\s*", re.IGNORECASE)

_ORIENTATION = {1: "bình thường", 2: "lật ngang", 3: "xoay 180°", 4: "lật dọc",
                5: "lật và xoay", 6: "xoay 90° theo chiều kim đồng hồ", 7: "lật và xoay",
                8: "xoay 90° ngược chiều kim đồng hồ"}


def _yes(value: Any) -> str:
    return "có" if value else "không"


def _count(noun: str) -> Callable[[Any], str]:
    return lambda value: f"{len(value)} {noun}" if isinstance(value, list | tuple) else str(value)


def _listed(value: Any) -> str:
    return "; ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)


def _pair(value: Any) -> str:
    if isinstance(value, list | tuple) and len(value) == 2:
        return formatting.size_text(*value)
    return str(value)


def _dq(value: Any) -> str:
    if isinstance(value, dict):
        return f"{value.get('periodic', '?')}/{value.get('frequencies', '?')} tần số lặp lại"
    return str(value)


def _c2pa(value: Any) -> str:
    if not isinstance(value, dict):
        return str(value)
    state = str(value.get("state") or "").lower()
    text = {"valid": "hợp lệ", "trusted": "hợp lệ, đáng tin"}.get(state, "không kiểm chứng được")
    return text + (", có ghi thao tác chỉnh sửa" if value.get("edits") else "")


#: Each evidence key: its label and how its value reads (display order).
EVIDENCE: dict[str, tuple[str, Callable[[Any], str]]] = {
    "make": ("Hãng máy", str),
    "model": ("Kiểu máy", str),
    "datetime_original": ("Thời điểm chụp", formatting.exif_datetime_text),
    "modify_date": ("Thời điểm lưu lại", formatting.exif_datetime_text),
    "software": ("Phần mềm ghi trong ảnh", str),
    "exif_size": ("Kích thước máy chụp ghi", _pair),
    "orientation": ("Hướng ảnh", lambda v: _ORIENTATION.get(v, str(v))),
    "exposure_tags": ("Số thông số phơi sáng", str),
    "quality": ("Chất lượng nén ước tính", lambda v: f"≈{v}"),
    "quality_distance": ("Độ lệch so với bảng nén chuẩn", formatting.decimal_text),
    "progressive": ("Kiểu lưu", lambda v: "hiện dần (thường do phần mềm)" if v else "tuần tự"),
    "subsampling": ("Lấy mẫu màu", str),
    "standard_huffman": ("Bảng mã nén", lambda v: "chuẩn" if v else "đã tối ưu lại"),
    "app_markers": ("Khối thông tin kèm ảnh", _count("khối")),
    "segments": ("Cấu trúc tệp", lambda v: f"{len(str(v).split())} phân đoạn"),
    "size_bytes": ("Dung lượng", formatting.bytes_text),
    "thumbnail_size": ("Ảnh thu nhỏ kèm theo", _pair),
    "thumbnail_match": ("Độ khớp ảnh thu nhỏ", formatting.decimal_text),
    "makernote_consistent": ("Thông tin riêng của máy", lambda v: "nguyên vẹn" if v
                             else "bị dời chỗ"),
    "double_quantisation": ("Kiểm tra nén hai lần", _dq),
    "coefficients_error": ("Kiểm tra nén hai lần", lambda v: "không đọc được dữ liệu ảnh"),
    "comments": ("Ghi chú trong tệp", _listed),
    "user_comment": ("Ghi chú của người dùng", str),
    "xmp_creator_tool": ("Công cụ tạo tệp", str),
    "xmp_history": ("Lịch sử chỉnh sửa ghi trong tệp", _listed),
    "xmp_derived": ("Lưu lại từ tệp khác", _yes),
    "xmp_raw_settings": ("Thiết lập xử lý ảnh thô", _yes),
    "photoshop_history": ("Lịch sử Photoshop", _listed),
    "photoshop_resources": ("Khối Photoshop", _count("khối")),
    "reencoder_traces": ("Dấu vết phần mềm nén lại", _listed),
    "icc_description": ("Hồ sơ màu", str),
    "c2pa": ("Chứng nhận nguồn gốc ảnh", _c2pa),
    "error": ("Lỗi đọc ảnh", str),
}
#: Evidence kept for the tooltip of another row only (never a row of its own).
_HIDDEN = frozenset({"error_detail"})


@dataclass(frozen=True)
class EvidenceRow:
    """One fact of the "Căn cứ kiểm tra" table: label, readable value, technical value."""

    label: str
    text: str
    technical: str


def _technical(key: str, value: Any) -> str:
    if isinstance(value, list | tuple):
        return f"{key}: " + ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return f"{key}: " + json.dumps(value, ensure_ascii=False, default=str)[:300]
    return f"{key}: {value}"


def evidence_rows(facts: dict[str, Any]) -> list[EvidenceRow]:
    """The photo's facts as rows an editor reads, in display order (unknown keys last,
    under a generic label, their value in the tooltip only)."""
    evidence = facts.get("evidence") or {
        key: facts.get(key) for key in EVIDENCE if facts.get(key) not in (None, "", [])
    }
    if not isinstance(evidence, dict):
        return []
    order = list(EVIDENCE)
    rows = []
    for key in sorted(evidence, key=lambda k: order.index(k) if k in order else len(order)):
        value = evidence[key]
        if key in _HIDDEN or value is None or value == "" or value == []:
            continue
        if key in EVIDENCE:
            label, show = EVIDENCE[key]
            text = _yes(value) if isinstance(value, bool) and show is str else show(value)
        else:
            label, text = "Dữ kiện kỹ thuật khác", "xem chi tiết khi trỏ chuột"
        technical = _technical(key, value)
        if key == "error" and evidence.get("error_detail"):
            technical += f" ({evidence['error_detail']})"
        rows.append(EvidenceRow(label, text, technical))
    return rows


def caption_text(caption: object) -> str:
    """A photo caption without its own "Ảnh 1:" (the page numbers photos itself)."""
    return _CAPTION_NUMBER.sub("", str(caption or "")).strip()


@dataclass
class CardProblem:
    """A problem of one photo as its card shows it."""

    code: str
    severity: str
    detail: str
    overridden: bool
    evidence: list[dict[str, Any]] = field(default_factory=list)


def _json(text: object, default: Any) -> Any:
    try:
        return json.loads(str(text)) if text else default
    except ValueError:
        return default


def _card_problems(photo: Row, listed: list[Row]) -> list[CardProblem]:
    """The problem list's rows for this file (the current verdict, with overrides), each
    with the evidence the photo's own verdict kept for it."""
    own = {str(p.get("code")): p for p in _json(photo["problems_json"], [])
           if isinstance(p, dict)}
    return [
        CardProblem(str(p["code"]), str(p["severity"]), str(p["detail"] or ""),
                    bool(p["overridden_at"]),
                    list((own.get(str(p["code"])) or {}).get("evidence") or []))
        for p in listed if p["file"] and p["file"] == photo["filename"]
    ]


def photo_cards(ctx: WebContext, sid: int, problems: list[Row]) -> list[dict[str, Any]]:
    """The photos of a submission with caption, verdict and readable evidence."""
    cards = []
    for photo in ctx.store.submissions.photos_of(sid):
        facts = _json(photo["facts_json"], {})
        card_problems = _card_problems(photo, problems)
        cards.append({
            **photo,
            "caption_text": caption_text(photo["caption"]),
            "evidence_rows": evidence_rows(facts),
            "card_problems": card_problems,
            "passes": not any(not p.overridden for p in card_problems),
            "size": formatting.size_text(photo["width"], photo["height"]),
            "has_thumb": thumb_path(ctx.thumbs_dir, str(photo["sha256"])) is not None
            and bool(photo["blob_path"]),
        })
    return cards
