"""What editors receive never holds a whole bank account number (SPEC §8).

The rules are :mod:`tinbai.privacy`'s; this module applies them to the web:

- :func:`editor_page_values` masks the template values a page shows (the generic rule:
  any long digit run a contributor typed), before the template runs;
- :meth:`tinbai.web.context.WebContext.render` masks the submission's known values in the
  whole page;
- :class:`EditorMasking`, the net under every response to anyone who is not finance or
  admin: text (HTML, JSON, CSV, plain, mail) gets every account the database knows
  masked; a zip-based download (a bundle, a workbook, a document) holding one is refused
  (logged with a reference) rather than sent. Pages added later are covered without
  doing anything.
"""

from __future__ import annotations

import io
import logging
import re
import secrets
import zipfile
from collections.abc import Callable, Iterable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tinbai.privacy import FIELDS, Redactor, mask_account

log = logging.getLogger(__name__)

__all__ = ["EditorMasking", "Redactor", "archive_leak", "editor_page_values", "mask_account",
           "mask_rows"]

#: Who sees account numbers whole.
UNMASKED_ROLES = frozenset({"finance", "admin"})

_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript",
               "message/rfc822", "application/csv")
_ZIP_TYPES = ("application/zip", "application/vnd.openxmlformats", "application/x-zip",
              "application/octet-stream")
_XML_BREAKS = re.compile(r"</(?:w:p|p|c|si|row|td|th|li|div|tr)>|<br\b[^>]*>|<w:br\b[^>]*>",
                         re.IGNORECASE)
_XML_TAG = re.compile(r"<[^>]*>")
MAX_MEMBER_BYTES = 64 * 1024 * 1024


def mask_rows(rows: Iterable[dict[str, Any]], keys: Iterable[str],
              redactor: Redactor) -> list[dict[str, Any]]:
    """Copies of ``rows`` with the user-typed values under ``keys`` masked (generic)."""
    wanted = tuple(keys)
    return [redactor.mask_values(row, wanted) for row in rows]


def _mask_detail(detail: Any, redactor: Redactor) -> Any:
    if isinstance(detail, str):
        return redactor.redact(detail, generic=True)
    if isinstance(detail, dict):
        return {k: _mask_detail(v, redactor) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_mask_detail(v, redactor) for v in detail]
    return detail


def editor_page_values(values: dict[str, Any], redactor: Redactor) -> dict[str, Any]:
    """The values of the submission page (``tinbai.web.submission.page``) as an editor
    may see them: every user-typed text masked by the submission's known values and the
    generic rule (its phone stays visible)."""
    out = dict(values)
    out["s"] = redactor.mask_values(values["s"], (*FIELDS, "subject", "sender_name",
                                                  "reject_reason"))
    out["problems"] = mask_rows(values.get("problems", []), ("message", "detail"), redactor)
    out["photos"] = [
        {**redactor.mask_values(p, ("caption", "caption_text")),
         "photo_problems": _mask_detail(p.get("photo_problems", []), redactor)}
        for p in values.get("photos", [])
    ]
    out["versions"] = [
        {**v, "fields": redactor.mask_values(v.get("fields") or {}, FIELDS),
         "problems": _mask_detail(v.get("problems", []), redactor)}
        for v in values.get("versions", [])
    ]
    out["audit"] = [{**a, "detail": _mask_detail(a.get("detail"), redactor)}
                    for a in values.get("audit", [])]
    out["notes"] = mask_rows(values.get("notes", []), ("body",), redactor)
    out["replies"] = mask_rows(values.get("replies", []), ("text", "subject"), redactor)
    out["messages"] = mask_rows(values.get("messages", []), ("subject", "sender_name"),
                                redactor)
    out["history"] = mask_rows(values.get("history", []), ("reason",), redactor)
    return out


def _archive_texts(data: bytes, depth: int = 0) -> Iterable[tuple[str, str]]:
    """(member name, text) of the text members of a zip (docx/xlsx XML without tags)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            name = info.filename.lower()
            if info.file_size > MAX_MEMBER_BYTES:
                continue
            if name.endswith((".docx", ".xlsx", ".zip")) and depth < 2:
                inner = archive.read(info)
                if zipfile.is_zipfile(io.BytesIO(inner)):
                    yield from ((f"{info.filename}!{n}", t)
                                for n, t in _archive_texts(inner, depth + 1))
            elif name.endswith((".xml", ".rels", ".txt", ".csv", ".html", ".htm", ".json",
                                ".eml")):
                text = archive.read(info).decode("utf-8", "replace")
                if name.endswith((".xml", ".html", ".htm", ".rels")):
                    text = _XML_TAG.sub("", _XML_BREAKS.sub("\n|\n", text))
                yield info.filename, text


def archive_leak(data: bytes, redactor: Redactor) -> str | None:
    """The member of a zip-based file (zip, docx, xlsx) showing a known account, or None."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return None
    try:
        for name, text in _archive_texts(data):
            if redactor.masks(text):
                return name
    except (zipfile.BadZipFile, OSError, ValueError):
        return "(unreadable archive)"
    return None


class EditorMasking:
    """The net under every response to a user who is not finance or admin (see above).

    ``known`` gives the redactor of every account the database knows (cached by the
    context until the next write).
    """

    def __init__(self, app: ASGIApp, known: Callable[[], Redactor]) -> None:
        self.app = app
        self.known = known

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") == "HEAD":  # HEAD has no body
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        kind = ""
        chunks: list[bytes] = []

        async def masked_send(message: Message) -> None:
            nonlocal start, kind
            if message["type"] == "http.response.start":
                user = (scope.get("state") or {}).get("user")
                media = dict(message.get("headers", [])).get(b"content-type", b"").decode(
                    "latin-1").lower()
                if user is not None and user["role"] in UNMASKED_ROLES:
                    kind = ""
                elif media.startswith(_TEXT_TYPES):
                    kind = "text"
                elif media.startswith(_ZIP_TYPES):
                    kind = "zip"
                if not kind:
                    await send(message)
                else:
                    start = message
                return
            if not kind or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            assert start is not None
            await self._finish(scope, start, b"".join(chunks), kind, send)

        await self.app(scope, receive, masked_send)

    async def _finish(self, scope: Scope, start: Message, body: bytes, kind: str,
                      send: Send) -> None:
        redactor = self.known()
        if kind == "text" and redactor:
            text = body.decode("utf-8", "surrogateescape")
            body = redactor.redact(text, html=True).encode("utf-8", "surrogateescape")
        elif kind == "zip" and redactor:
            leak = archive_leak(body, redactor)
            if leak is not None:
                reference = secrets.token_hex(4).upper()
                log.error("privacy: refused to send %s to a user without payment rights: "
                          "%s holds a bank account number (reference %s)",
                          scope.get("path"), leak, reference)
                body = (f"Tệp này chứa số tài khoản ngân hàng nên không được gửi cho tài "
                        f"khoản của bạn. Mã tham chiếu: {reference}.").encode()
                start = {**start, "status": 500, "headers": [
                    (b"content-type", b"text/plain; charset=utf-8")]}
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})
