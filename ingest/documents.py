"""Article documents attached to a message (.docx read; others recognised and refused).

A .docx is a zip archive: its entry sizes are checked against configured limits *before*
anything is inflated (a zip bomb must not exhaust memory), then python-docx reads the
paragraphs and tables in document order. Text typed in the legacy TCVN3 (.VnTime…) or VNI
(VNI-Times…) fonts is detected from the run/style fonts and from its characteristic
characters, and converted run by run so editors can read it (:mod:`ingest.legacy_text`).
Either is still reported, for the contributor to resend in Unicode.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.legacy_text import (
    detect_legacy_text,
    is_upper_font,
    legacy_font,
    tcvn3_to_unicode,
    typed_in_legacy,
    vni_to_unicode,
)

if TYPE_CHECKING:
    from ingest.limits import DocumentReadLimits as FieldRules

log = logging.getLogger(__name__)


@dataclass
class DocumentInfo:
    """What was read from one attached article document.

    ``status`` is ``ok``, ``unsupported`` (format we cannot read), ``unreadable`` (corrupt,
    encrypted, oversized) or ``legacy_encoding`` (TCVN3/VNI font text); validators turn it
    into a problem code.
    """

    filename: str
    kind: str
    status: str
    detail: str = ""
    text: str = ""
    embedded_images: list[str] = field(default_factory=list)
    legacy: str = ""
    """``tcvn3`` or ``vni`` when legacy font text was found, else ''."""
    converted: bool = False
    """True when legacy (TCVN3 or VNI) text was converted to Unicode in ``text``."""


DOCUMENT_EXTENSIONS: dict[str, str] = {
    ".docx": "docx",
    ".docm": "docx",
    ".dotx": "docx",
    ".doc": "doc",
    ".dot": "doc",
    ".pdf": "pdf",
    ".odt": "odt",
    ".rtf": "rtf",
    ".wpd": "wpd",
    ".pages": "pages",
    ".wps": "wps",
}
DOCUMENT_TYPES: dict[str, str] = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-word.document.macroenabled.12": "docx",
    "application/msword": "doc",
    "application/pdf": "pdf",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/rtf": "rtf",
    "text/rtf": "rtf",
    "application/x-rtf": "rtf",
    "application/vnd.ms-works": "wps",
}

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"

# Defaults when no rules are given (mirrored in FieldRules).
DEFAULT_MAX_DOCUMENT_BYTES = 30_000_000
DEFAULT_MAX_INFLATE_BYTES = 100_000_000
DEFAULT_MAX_ENTRIES = 2_000
DEFAULT_SOFFICE_TIMEOUT = 60.0


def _kind(filename: str, content_type: str) -> str | None:
    ext = os.path.splitext((filename or "").lower().strip())[1]
    if ext in DOCUMENT_EXTENSIONS:
        return DOCUMENT_EXTENSIONS[ext]
    return DOCUMENT_TYPES.get((content_type or "").lower().split(";")[0].strip())


def is_document(filename: str, content_type: str) -> bool:
    """True for an article document (.docx .doc .pdf .odt .rtf …), by name or MIME type."""
    return _kind(filename, content_type) is not None


# --------------------------------------------------------------------------- .docx reading

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _attr(el: Any, name: str) -> str | None:
    if el is None:
        return None
    value = el.get(_W + name)
    return str(value) if value is not None else None


def _rfonts_name(rpr: Any) -> str | None:
    if rpr is None:
        return None
    rf = rpr.find(_W + "rFonts")
    if rf is None:
        return None
    return _attr(rf, "ascii") or _attr(rf, "hAnsi") or _attr(rf, "cs")


@dataclass
class _FontContext:
    default: str | None
    styles: dict[str, tuple[str | None, str | None]]
    """styleId → (font of the style, basedOn)."""

    def style_font(self, style_id: str | None) -> str | None:
        seen: set[str] = set()
        while style_id and style_id not in seen:
            seen.add(style_id)
            font, based = self.styles.get(style_id, (None, None))
            if font:
                return font
            style_id = based
        return None


def _font_context(document: Any) -> _FontContext:
    styles: dict[str, tuple[str | None, str | None]] = {}
    default: str | None = None
    try:
        root = document.styles.element
        for rpr in root.iter(_W + "rPrDefault"):
            default = _rfonts_name(rpr.find(_W + "rPr")) or default
        for st in root.iter(_W + "style"):
            sid = _attr(st, "styleId")
            if not sid:
                continue
            based = st.find(_W + "basedOn")
            styles[sid] = (_rfonts_name(st.find(_W + "rPr")), _attr(based, "val"))
    except Exception:  # fonts are a hint; a strange styles part is not fatal
        pass
    return _FontContext(default, styles)


@dataclass
class _Reading:
    fonts: _FontContext
    legacy_runs: dict[str, int] = field(default_factory=lambda: {"tcvn3": 0, "vni": 0})
    fonts_seen: set[str] = field(default_factory=set)


def _paragraph_text(p: Any, ctx: _Reading) -> str:
    """Text of one w:p, run by run, converting TCVN3-font runs."""
    ppr = p.find(_W + "pPr")
    pstyle = _attr(ppr.find(_W + "pStyle"), "val") if ppr is not None else None
    pfont = ctx.fonts.style_font(pstyle) or ctx.fonts.default
    parts: list[str] = []
    for r in p.iter(_W + "r"):
        if _owner_paragraph(r) is not p:
            continue  # a run of a text box anchored here: not this paragraph's text
        rpr = r.find(_W + "rPr")
        rstyle = _attr(rpr.find(_W + "rStyle"), "val") if rpr is not None else None
        font = _rfonts_name(rpr) or ctx.fonts.style_font(rstyle) or pfont
        chunks: list[str] = []
        for child in r:
            tag = child.tag
            if tag == _W + "t":
                chunks.append(child.text or "")
            elif tag == _W + "tab":
                chunks.append("\t")
            elif tag in (_W + "br", _W + "cr"):
                chunks.append("\n")
        text = "".join(chunks)
        if not text:
            continue
        if font:
            ctx.fonts_seen.add(font)
        legacy = legacy_font(font)
        if legacy and not typed_in_legacy(text):
            # Unicode typed while a legacy font is selected, or plain ASCII (the same in
            # every encoding): nothing to convert or report.
            legacy = None
        if legacy:
            ctx.legacy_runs[legacy] += 1
        if legacy == "tcvn3":
            text = tcvn3_to_unicode(text, upper=is_upper_font(font))
        elif legacy == "vni":
            text = vni_to_unicode(text)
        parts.append(text)
    return "".join(parts)


def _owner_paragraph(el: Any) -> Any:
    """The nearest enclosing w:p of an element (lxml proxies compare by identity)."""
    parent = el.getparent()
    while parent is not None and parent.tag != _W + "p":
        parent = parent.getparent()
    return parent


_MAX_NESTING = 20


def _block_lines(container: Any, ctx: _Reading, depth: int = 0) -> list[str]:
    """Lines of a body or table cell in document order: paragraphs, tables, content controls."""
    lines: list[str] = []
    if depth > _MAX_NESTING:
        return lines
    for child in container.iterchildren():
        tag = child.tag
        if tag == _W + "p":
            lines.append(_paragraph_text(child, ctx))
        elif tag == _W + "tbl":
            lines.extend(_table_text(child, ctx, depth + 1))
        elif tag in (_W + "sdt", _W + "customXml", _W + "sdtContent"):
            inner = child.find(_W + "sdtContent") if tag == _W + "sdt" else child
            if inner is not None:
                lines.extend(_block_lines(inner, ctx, depth + 1))
    return lines


def _table_text(tbl: Any, ctx: _Reading, depth: int = 0) -> list[str]:
    """One line per row, cells separated by a tab (two-column forms: label, value)."""
    lines: list[str] = []
    for tr in tbl.findall(_W + "tr"):
        cells: list[str] = []
        for tc in tr.findall(_W + "tc"):
            cell = "\n".join(_block_lines(tc, ctx, depth)).strip()
            if cell:
                cells.append(cell)
        if cells:
            lines.append("\t".join(cells))
    return lines


def _zip_guard(payload: bytes, rules: FieldRules | None) -> tuple[list[str], str | None]:
    """Media names, or a reason to refuse, from the zip directory alone (nothing inflated)."""
    max_bytes = getattr(rules, "max_document_bytes", DEFAULT_MAX_DOCUMENT_BYTES)
    max_inflate = getattr(rules, "max_document_inflate_bytes", DEFAULT_MAX_INFLATE_BYTES)
    max_entries = getattr(rules, "max_document_entries", DEFAULT_MAX_ENTRIES)
    if len(payload) > max_bytes:
        return [], f"tệp quá lớn: {len(payload) // 1_000_000} MB"
    try:
        with zipfile.ZipFile(BytesIO(payload)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return [], "tệp hỏng (không phải tệp Word hợp lệ)"
    if len(infos) > max_entries:
        return [], f"quá nhiều thành phần ({len(infos)})"
    total = sum(max(0, i.file_size) for i in infos)
    if total > max_inflate:
        limit = max_inflate // 1_000_000
        return [], f"giải nén ra {total // 1_000_000} MB, vượt giới hạn {limit} MB"
    if any(i.flag_bits & 0x1 for i in infos):
        return [], "tệp có mật khẩu"
    media = [
        i.filename.rsplit("/", 1)[-1]
        for i in infos
        if i.filename.startswith("word/media/") and not i.is_dir()
    ]
    return media, None


def _read_docx(filename: str, kind: str, payload: bytes, rules: FieldRules | None) -> DocumentInfo:
    if payload[:8] == _OLE_MAGIC:
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00i\x00o\x00n\x00I\x00n\x00f\x00o" in payload:
            return DocumentInfo(filename, kind, "unreadable", "tệp có mật khẩu (đã mã hoá)")
        return _convert_doc(filename, payload, rules)
    if payload[:4] != _ZIP_MAGIC:
        return DocumentInfo(filename, kind, "unreadable", "tệp hỏng (không phải tệp Word hợp lệ)")
    media, refusal = _zip_guard(payload, rules)
    if refusal:
        return DocumentInfo(filename, kind, "unreadable", refusal)
    try:
        import docx  # python-docx

        document = docx.Document(BytesIO(payload))
        ctx = _Reading(_font_context(document))
        lines = _block_lines(document.element.body, ctx)
    except Exception as exc:  # any failure inside a hostile file is "corrupt"
        # The technical reason goes to the log; people read a plain sentence (issue 11).
        log.info("%s: python-docx could not read it: %s: %s", filename, type(exc).__name__, exc)
        return DocumentInfo(
            filename, kind, "unreadable", "tệp hỏng (không đọc được nội dung tệp Word)",
            embedded_images=media,
        )
    text = unicodedata.normalize("NFC", "\n".join(lines))
    info = DocumentInfo(filename, kind, "ok", text=text, embedded_images=media)
    _judge_legacy(info, ctx)
    return info


def _judge_legacy(info: DocumentInfo, ctx: _Reading) -> None:
    """Mark TCVN3/VNI text; the legacy-font runs were converted while reading, and text
    recognised as legacy without its font (copied into another font) is converted here."""
    tcvn3_runs, vni_runs = ctx.legacy_runs["tcvn3"], ctx.legacy_runs["vni"]
    if vni_runs:
        info.status, info.legacy, info.converted = "legacy_encoding", "vni", True
        info.detail = "phông VNI (ví dụ VNI-Times); đã tự chuyển sang Unicode để đọc thử"
        return
    if tcvn3_runs:
        info.status, info.legacy, info.converted = "legacy_encoding", "tcvn3", True
        info.detail = "phông TCVN3 (.VnTime); đã tự chuyển sang Unicode để đọc thử"
        return
    found = detect_legacy_text(info.text)
    if found == "tcvn3":
        info.status, info.legacy, info.converted = "legacy_encoding", "tcvn3", True
        info.text = tcvn3_to_unicode(info.text)
        info.detail = "mã TCVN3 (phông không rõ); đã tự chuyển sang Unicode để đọc thử"
    elif found == "vni":
        info.status, info.legacy, info.converted = "legacy_encoding", "vni", True
        info.text = vni_to_unicode(info.text)
        info.detail = "mã VNI (phông không rõ); đã tự chuyển sang Unicode để đọc thử"


def _kill_tree(proc: subprocess.Popen[bytes]) -> None:
    """Kill a LibreOffice that overran, with the processes it started.

    On POSIX it runs in a session of its own, so the whole group goes (soffice starts
    soffice.bin); Windows has neither process groups nor SIGKILL, and ``kill()`` there is
    TerminateProcess.
    """
    if sys.platform == "win32":
        proc.kill()
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        proc.kill()


def _convert_doc(filename: str, payload: bytes, rules: FieldRules | None) -> DocumentInfo:
    """A Word 97-2003 .doc through LibreOffice (``soffice --convert-to docx``), bounded in time."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return DocumentInfo(
            filename, "doc", "unsupported", "tệp Word cũ .doc (máy chủ chưa cài LibreOffice)"
        )
    timeout = float(getattr(rules, "soffice_timeout_seconds", DEFAULT_SOFFICE_TIMEOUT))
    max_bytes = getattr(rules, "max_document_bytes", DEFAULT_MAX_DOCUMENT_BYTES)
    if len(payload) > max_bytes:
        return DocumentInfo(filename, "doc", "unreadable", "tệp quá lớn")
    with tempfile.TemporaryDirectory(prefix="tinbai-doc-") as tmp:
        src = Path(tmp) / "input.doc"
        out = Path(tmp) / "out"
        out.mkdir()
        src.write_bytes(payload)
        cmd = [
            soffice,
            "--headless",
            "--norestore",
            "--nologo",
            f"-env:UserInstallation=file://{tmp}/profile",
            # Only the Word 97-2003 reader: a broken file fails to load instead of being
            # taken as plain text (LibreOffice's fallback, which turns it into garbage).
            "--infilter=MS Word 97",
            "--convert-to",
            "docx",
            "--outdir",
            str(out),
            str(src),
        ]
        try:
            proc = subprocess.Popen(
                cmd,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            log.warning("%s: LibreOffice could not be started: %s", filename, exc)
            detail = "không chạy được LibreOffice để chuyển tệp .doc"
            return DocumentInfo(filename, "doc", "unsupported", detail)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_tree(proc)
            proc.wait()
            return DocumentInfo(filename, "doc", "unreadable", "chuyển đổi .doc quá thời gian")
        result = out / "input.docx"
        if not result.is_file():
            detail = "tệp .doc hỏng, không chuyển đổi được"
            return DocumentInfo(filename, "doc", "unreadable", detail)
        info = _read_docx(filename, "doc", result.read_bytes(), rules)
        if info.status == "ok":
            info.detail = "đã chuyển từ .doc bằng LibreOffice"
        return info


_UNSUPPORTED_DETAIL = {
    "pdf": "tệp PDF",
    "odt": "tệp OpenDocument .odt",
    "rtf": "tệp RTF",
    "wpd": "tệp WordPerfect",
    "pages": "tệp Pages",
    "wps": "tệp Works",
}


def read_document(filename: str, payload: bytes, rules: FieldRules | None = None) -> DocumentInfo:
    """Read one attached article document; never raises.

    .docx (and a .doc converted by LibreOffice when installed) gives ``ok`` with its text
    (paragraphs and table rows in document order, table cells tab-separated) or
    ``legacy_encoding``; .pdf/.odt/.rtf give ``unsupported``; corrupt, encrypted or
    oversized files give ``unreadable``.
    """
    kind = _kind(filename, "") or "unknown"
    try:
        if kind == "docx" or (kind == "unknown" and payload[:4] == _ZIP_MAGIC):
            return _read_docx(filename, "docx", payload, rules)
        if kind == "doc":
            if payload[:4] == _ZIP_MAGIC:  # a .docx saved with the old extension
                return _read_docx(filename, "doc", payload, rules)
            if payload[:8] != _OLE_MAGIC:
                return DocumentInfo(filename, kind, "unreadable", "tệp .doc hỏng")
            return _convert_doc(filename, payload, rules)
        if kind == "unknown" and payload[:8] == _OLE_MAGIC:  # e.g. application/msword, no name
            return _read_docx(filename, "doc", payload, rules)
        return DocumentInfo(filename, kind, "unsupported", _UNSUPPORTED_DETAIL.get(kind, kind))
    except Exception as exc:  # hostile input must never crash ingestion
        log.info("%s: could not be read: %s: %s", filename, type(exc).__name__, exc)
        return DocumentInfo(filename, kind, "unreadable", "lỗi đọc tệp (tệp hỏng hoặc lạ)")
