"""A submission as a bundle for the website's CMS: the text as .docx plus the original
photos, zipped.

The .docx holds the title, the body, one line per photo caption and the signature line
"Tác giả – Đơn vị". No bank or phone data goes into a bundle: it is for publishing, so
every text in it passes the public's :class:`~tinbai.privacy.Redactor` (the submission's
accounts and phones in any spelling, every known account, any other long digit run).
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docx import Document
from docx.shared import Pt

from tinbai.privacy import FIELDS, Redactor

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str, fallback: str) -> str:
    """An ASCII file name without folders (``../x`` and friends are flattened)."""
    base = unicodedata.normalize("NFKD", Path(str(name).replace("\\", "/")).name)
    base = base.replace("đ", "d").replace("Đ", "D")
    base = "".join(c for c in base if not unicodedata.combining(c))
    base = _UNSAFE.sub("_", base).strip("._")[:80]
    return base or fallback


def caption_lines(submission: dict[str, Any], photos: Sequence[dict[str, Any]]) -> list[str]:
    """``Ảnh 1: …`` per photo from the photos' captions, else the caption field's lines."""
    lines: list[str] = []
    captions = [str(p.get("caption") or "").strip() for p in photos]
    if any(captions):
        for index, caption in enumerate(captions, 1):
            if caption:
                text = re.sub(r"^\s*Ảnh\s*\d+\s*[:.\-–]\s*", "", caption)
                lines.append(f"Ảnh {index}: {text}")
    elif submission.get("caption"):
        lines = [line.strip() for line in str(submission["caption"]).splitlines() if line.strip()]
    return lines


def signature(submission: dict[str, Any]) -> str:
    author = str(submission.get("author") or "").strip()
    unit = str(submission.get("unit") or submission.get("unit_name") or "").strip()
    return " – ".join(part for part in (author, unit) if part)


def article_docx(submission: dict[str, Any], photos: Sequence[dict[str, Any]]) -> bytes:
    """The article as a Word document."""
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    document.add_heading(str(submission.get("title") or submission.get("ref") or ""), level=1)
    body = str(submission.get("body") or "")
    for paragraph in re.split(r"\n\s*\n|\n", body):
        if paragraph.strip():
            document.add_paragraph(paragraph.strip())
    lines = caption_lines(submission, photos)
    if lines:
        document.add_paragraph()
        for line in lines:
            run = document.add_paragraph().add_run(line)
            run.italic = True
    sign = signature(submission)
    if sign:
        run = document.add_paragraph().add_run(sign)
        run.bold = True
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def public_values(
    submission: dict[str, Any], photos: Sequence[dict[str, Any]], redactor: Redactor,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The submission and its photos as the public may read them (personal data masked)."""
    public = redactor.mask_values(submission, FIELDS)
    masked = [{**p, "caption": redactor.redact(str(p.get("caption") or ""), generic=True),
               "filename": redactor.redact(str(p.get("filename") or ""))} for p in photos]
    return public, masked


def build_bundle(
    submission: dict[str, Any], photos: Sequence[dict[str, Any]], photo_root: Path, *,
    redactor: Redactor,
) -> bytes:
    """The zip: ``REF.docx`` and ``anh/NN_NAME`` originals (photos from the blob store);
    ``redactor`` is the public's (:meth:`tinbai.privacy.Redactor.for_public`)."""
    submission, photos = public_values(submission, photos, redactor)
    ref = safe_filename(str(submission.get("ref") or "bai"), "bai")
    out = io.BytesIO()
    root = photo_root.resolve()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{ref}/{ref}.docx", article_docx(submission, photos))
        for index, photo in enumerate(photos, 1):
            blob = str(photo.get("blob_path") or "")
            if not blob:
                continue
            path = (root / blob).resolve()
            if root not in path.parents or not path.is_file():
                continue
            name = safe_filename(str(photo.get("filename") or ""), f"anh_{index}.jpg")
            # photos are already compressed: store them as they are
            archive.write(path, f"{ref}/anh/{index:02d}_{name}", compress_type=zipfile.ZIP_STORED)
    return out.getvalue()
