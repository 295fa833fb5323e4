"""Problem codes of SPEC §4: a stable code, a severity and a Vietnamese message.

Expected problems with a submission are data, not exceptions: every check returns a list
of :class:`Problem`. The catalogue below is the single place where codes, severities,
field labels and contributor-facing messages live.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from ingest.template_labels import FIELD_KEYS


class Severity(StrEnum):
    """How a problem affects acceptance: errors block it, warnings are shown to editors."""

    ERROR = "error"
    WARNING = "warning"


#: The Vietnamese label of each template field, as the form prints it (SPEC §2).
_LABELS: dict[str, str] = {
    "title": "Tít tin, bài",
    "body": "Nội dung bài viết",
    "caption": "Chú thích ảnh",
    "author": "Tác giả",
    "unit": "Đơn vị công tác",
    "phone": "Số điện thoại",
    "bank_account": "Số tài khoản của tác giả",
    "account_holder": "Tên chủ tài khoản",
    "bank_name": "Ngân hàng",
}

#: The template fields in form order (the keys of ingest.template) with their labels.
FIELD_LABELS: dict[str, str] = {key: _LABELS[key] for key in FIELD_KEYS}

#: Fields 1-8 of the form are required (the bank's name, the ninth, is optional).
REQUIRED_FIELDS: tuple[str, ...] = tuple(key for key in FIELD_KEYS if key != "bank_name")


@dataclass(frozen=True)
class CodeInfo:
    """Catalogue entry of one problem code."""

    severity: Severity
    message: str
    """Vietnamese message for the contributor; ``{field_label}``, ``{file}``, ``{detail}``
    are filled in when present."""
    meaning: str
    """English one-liner for developers and the README."""


CATALOGUE: dict[str, CodeInfo] = {
    "no_template": CodeInfo(
        Severity.ERROR,
        "Không tìm thấy mẫu cung cấp tin, bài trong thư. Vui lòng điền đủ 8 mục theo mẫu "
        "ở cuối thư này (trong nội dung thư hoặc trong một tệp .docx đính kèm).",
        "no template fields found anywhere",
    ),
    "missing_field": CodeInfo(
        Severity.ERROR,
        "Thiếu mục «{field_label}». Vui lòng bổ sung mục này theo mẫu.",
        "a required field is absent or empty",
    ),
    "invalid_phone": CodeInfo(
        Severity.ERROR,
        "Số điện thoại «{detail}» không hợp lệ. Vui lòng ghi số di động 10 chữ số "
        "(03x, 05x, 07x, 08x, 09x) hoặc số cố định 11 chữ số (02xx).",
        "not a valid Vietnamese phone number",
    ),
    "invalid_bank_account": CodeInfo(
        Severity.ERROR,
        "Số tài khoản «{detail}» không hợp lệ. Số tài khoản gồm 6 đến 19 chữ số; "
        "vui lòng kiểm tra lại.",
        "not 6-19 digits after removing spaces, dots, dashes",
    ),
    "missing_bank_name": CodeInfo(
        Severity.WARNING,
        "Chưa ghi tên ngân hàng của tài khoản. Vui lòng ghi kèm ngân hàng "
        "(ví dụ: «3951 0001 2345 67 tại Agribank») để Ban Biên tập chi trả nhuận bút.",
        "no bank named",
    ),
    "account_holder_mismatch": CodeInfo(
        Severity.WARNING,
        "Tên chủ tài khoản «{detail}» khác tên tác giả. Nếu đúng là như vậy, "
        "không cần làm gì thêm.",
        "holder differs from author (compared without diacritics)",
    ),
    "unknown_unit": CodeInfo(
        Severity.WARNING,
        "Không tìm thấy đơn vị «{detail}» trong danh sách đơn vị. Ban Biên tập sẽ kiểm tra lại.",
        "unit not found in the unit registry",
    ),
    "body_too_short": CodeInfo(
        Severity.WARNING,
        "Nội dung bài viết khá ngắn ({detail}).",
        "fewer words than configured",
    ),
    "legacy_encoding": CodeInfo(
        Severity.ERROR,
        "Văn bản dùng phông chữ cũ (TCVN3/VNI, ví dụ .VnTime), hiển thị sai dấu tiếng Việt. "
        "Vui lòng chuyển sang phông Unicode (Times New Roman, Arial) rồi gửi lại.",
        "text in TCVN3/VNI legacy font encoding",
    ),
    "unsupported_document": CodeInfo(
        Severity.ERROR,
        "Không đọc được tệp «{file}» ({detail}). Vui lòng gửi bài viết trong nội dung thư "
        "hoặc trong tệp Word .docx.",
        "article in a format that cannot be read",
    ),
    "document_unreadable": CodeInfo(
        Severity.ERROR,
        "Tệp «{file}» bị hỏng, có mật khẩu hoặc quá lớn ({detail}). Vui lòng gửi lại tệp khác.",
        "corrupt, encrypted or oversized document",
    ),
    "multiple_documents": CodeInfo(
        Severity.ERROR,
        "Thư có nhiều tệp bài viết ({detail}). Mỗi thư chỉ gửi một tin, bài; "
        "vui lòng gửi mỗi bài trong một thư riêng.",
        "more than one article document in one email",
    ),
    "no_photo": CodeInfo(
        Severity.ERROR,
        "Chưa có ảnh đính kèm. Mỗi tin, bài phải có ít nhất một ảnh gốc, gửi kèm thành "
        "tệp riêng.",
        "no photo attached",
    ),
    "photo_embedded": CodeInfo(
        Severity.ERROR,
        "Ảnh «{file}» được chèn vào bài viết hoặc nội dung thư. Vui lòng gửi ảnh gốc thành "
        "tệp đính kèm riêng, không chèn ảnh trên bài viết.",
        "photo inserted in the document or inline in the body instead of attached",
    ),
    "photo_no_caption": CodeInfo(
        Severity.ERROR,
        "Ảnh «{file}» chưa có chú thích. Vui lòng ghi chú thích cho từng ảnh "
        "(ví dụ: «Ảnh 1: …», «Ảnh 2: …»).",
        "fewer captions than photos",
    ),
    "photo_not_original": CodeInfo(
        Severity.ERROR,
        "Ảnh «{file}» không phải ảnh gốc (không có thông tin máy chụp). Vui lòng gửi tệp ảnh "
        "gốc từ máy ảnh hoặc điện thoại, không gửi ảnh tải về từ Zalo, Facebook.",
        "no camera metadata",
    ),
    "photo_recompressed": CodeInfo(
        Severity.ERROR,
        "Ảnh «{file}» không còn là tệp gốc từ máy chụp: ảnh đã được lưu lại sau khi chụp "
        "({detail}). Vui lòng gửi tệp ảnh gốc, không nén, không lưu lại.",
        "saved again after capture: re-encoder tables or traces, structure, double "
        "quantisation (evidence combined)",
    ),
    "photo_resized": CodeInfo(
        Severity.ERROR,
        "Ảnh «{file}» có kích thước khác với máy chụp ghi lại ({detail}): ảnh đã bị thu nhỏ "
        "hoặc cắt. Vui lòng gửi ảnh gốc đúng kích thước.",
        "pixel size differs from the size the camera recorded, or a crop",
    ),
    "photo_too_small": CodeInfo(
        Severity.ERROR,
        "Ảnh «{file}» có độ phân giải quá nhỏ ({detail}). Vui lòng gửi ảnh gốc.",
        "below the minimum resolution",
    ),
    "photo_edited": CodeInfo(
        Severity.ERROR,
        "Ảnh «{file}» đã được chỉnh sửa bằng phần mềm ({detail}). Vui lòng gửi ảnh gốc, "
        "không chỉnh sửa.",
        "editing software recorded",
    ),
    "photo_screenshot": CodeInfo(
        Severity.ERROR,
        "Tệp «{file}» là ảnh chụp màn hình, không phải ảnh chụp thực tế. Vui lòng gửi ảnh gốc.",
        "a screen capture, not a photo",
    ),
    "photo_unreadable": CodeInfo(
        Severity.ERROR,
        "Không mở được ảnh «{file}» ({detail}). "
        "Vui lòng gửi lại ảnh.",
        "corrupt, truncated, or a decompression bomb",
    ),
    "photo_unsupported_format": CodeInfo(
        Severity.ERROR,
        "Ảnh «{file}» có định dạng không được hỗ trợ ({detail}). Vui lòng gửi ảnh JPEG hoặc HEIC.",
        "not JPEG/HEIC/HEIF/PNG",
    ),
    "photo_link_only": CodeInfo(
        Severity.ERROR,
        "Ảnh được gửi dưới dạng đường liên kết ({detail}). Vui lòng đính kèm trực tiếp "
        "tệp ảnh gốc vào thư.",
        "photos sent as cloud links instead of attachments",
    ),
    "photo_duplicate": CodeInfo(
        Severity.WARNING,
        "Ảnh «{file}» trùng với ảnh đã gửi trước đây ({detail}).",
        "the same photo was already used in an earlier submission",
    ),
    "bank_account_changed": CodeInfo(
        Severity.WARNING,
        "Số tài khoản khác với số tài khoản tác giả đã dùng trước đây ({detail}).",
        "a known author's bank account differs from earlier ones",
    ),
    "sender_unverified": CodeInfo(
        Severity.WARNING,
        "Không xác thực được địa chỉ người gửi ({detail}).",
        "SPF/DKIM/DMARC failed per Authentication-Results",
    ),
    "text_duplicate": CodeInfo(
        Severity.WARNING,
        "Nội dung bài viết gần trùng với tin, bài đã gửi trước đây ({detail}). Ban Biên "
        "tập sẽ đối chiếu; một bài chỉ được đăng và chi nhuận bút một lần.",
        "the body is a near-copy of an earlier submission's (names it); never paid twice",
    ),
}


@dataclass(frozen=True)
class Problem:
    """One check result: a stable code, its severity, where, and the Vietnamese message."""

    code: str
    severity: Severity
    message: str
    field: str | None = None
    file: str | None = None
    detail: str | None = None
    evidence: tuple[dict[str, Any], ...] = ()
    """The signs behind a photo verdict (kind, strength, what was seen), for editors."""

    def as_dict(self) -> dict[str, Any]:
        """The SPEC §7 JSON shape (``detail`` and ``evidence`` are kept for editors)."""
        data = asdict(self)
        data["severity"] = str(self.severity)
        data["evidence"] = [dict(e) for e in self.evidence]
        if not data["evidence"]:
            del data["evidence"]
        return data

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def problem(
    code: str,
    *,
    field: str | None = None,
    file: str | None = None,
    detail: str | None = None,
    severity: Severity | None = None,
    evidence: tuple[dict[str, Any], ...] = (),
) -> Problem:
    """Build a :class:`Problem` from the catalogue, filling in its Vietnamese message.

    Raises KeyError for an unknown code: codes are a contract (SPEC §4), a typo must fail
    loudly in tests rather than reach a contributor.
    """
    info = CATALOGUE[code]
    template = info.message if detail else info.message.replace(" ({detail})", "")
    message = template.format(
        field_label=FIELD_LABELS.get(field or "", field or ""),
        file=file or "",
        detail=detail or "",
    )
    return Problem(
        code=code,
        severity=severity or info.severity,
        message=message,
        field=field,
        file=file,
        detail=detail,
        evidence=evidence,
    )


def has_errors(problems: list[Problem]) -> bool:
    """True when any problem blocks acceptance."""
    return any(p.is_error for p in problems)


def problem_from_dict(data: dict[str, Any]) -> Problem:
    """Rebuild a problem stored as JSON."""
    return Problem(
        code=str(data["code"]),
        severity=Severity(data["severity"]),
        message=str(data.get("message") or ""),
        field=data.get("field"),
        file=data.get("file"),
        detail=data.get("detail"),
        evidence=tuple(e for e in data.get("evidence") or () if isinstance(e, dict)),
    )
