"""Signature logos and letterheads are decoration, not photos inserted in the article.

Outlook, and most webmail, put the sender's signature logo into the HTML as a ``cid:``
image in ``multipart/related``; union letterheads put a logo in the .docx. Seed 002 asks
that photos be attached rather than inserted, and a logo is no photo: an Outlook sender
must not get a fix request for it, and a thank-you note with a logo is no article. A
real photo pasted inline is still ``photo_embedded``.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from mailshapes import Letter, Part, write
from PIL import Image
from test_template_harness import CASES
from test_wire_shapes import FORM

from ingest.mime import parse_message
from tinbai.commands.check import check_json
from tinbai.config import load_config
from tinbai.samples import camera_jpeg

LOGO_HTML = '<p>Trân trọng,<br>Nguyễn Văn An</p><img src="cid:image001.png@01DB3C4D.5E6F7A80">'


def _logo(size: tuple[int, int] = (240, 80)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 40)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def config() -> Any:
    return load_config(CASES / "config.yaml")


def _outlook(text: str, html_extra: str, parts: list[Part]) -> bytes:
    html = "<div>" + text.replace("\n", "<br>\n") + "</div>" + html_extra
    letter = Letter(subject="Gửi tin bài hội thao", sender=("Nguyễn Văn An", "an.nv@example.org"),
                    text=text, html=html, parts=parts)
    return write(letter, "outlook")


def _codes(result: dict[str, Any]) -> set[str]:
    return {p["code"] for p in result["problems"]}


def test_an_outlook_signature_logo_is_not_an_inserted_photo(config: Any) -> None:
    photo = Part("IMG_2041.jpg", "image/jpeg", camera_jpeg(1, (2400, 1800)))
    logo = Part("image001.png", "image/png", _logo(), inline=True,
                content_id="image001.png@01DB3C4D.5E6F7A80")
    result = check_json(parse_message(_outlook(FORM, LOGO_HTML, [photo, logo])), config)
    assert "photo_embedded" not in _codes(result)
    assert [p["file"] for p in result["photos"]] == ["IMG_2041.jpg"]


def test_a_photo_pasted_inline_is_still_inserted(config: Any) -> None:
    pasted = Part("image002.jpg", "image/jpeg", camera_jpeg(2, (2400, 1800)), inline=True,
                  content_id="image002.jpg@01DB3C4D.5E6F7A80")
    html = '<img src="cid:image002.jpg@01DB3C4D.5E6F7A80">'
    result = check_json(parse_message(_outlook(FORM, html, [pasted])), config)
    assert "photo_embedded" in _codes(result)
    assert "no_photo" not in _codes(result)  # the fix request says "attach it", not "none"


def test_a_thank_you_note_with_a_logo_is_not_an_article(config: Any) -> None:
    logo = Part("image001.png", "image/png", _logo(), inline=True,
                content_id="image001.png@01DB3C4D.5E6F7A80")
    note = "Cảm ơn Ban Biên tập đã đăng bài của đơn vị.\n"
    result = check_json(parse_message(_outlook(note, LOGO_HTML, [logo])), config)
    assert result["disposition"] == "not_submission"


def test_only_a_logo_is_no_photo(config: Any) -> None:
    logo = Part("image001.png", "image/png", _logo(), inline=True,
                content_id="image001.png@01DB3C4D.5E6F7A80")
    result = check_json(parse_message(_outlook(FORM, LOGO_HTML, [logo])), config)
    assert "no_photo" in _codes(result) and "photo_embedded" not in _codes(result)


def _docx_with_media(media: bytes) -> bytes:
    from docx import Document
    from docx.shared import Cm

    document = Document()
    document.sections[0].header.paragraphs[0].add_run().add_picture(io.BytesIO(media),
                                                                     width=Cm(3))
    for line in FORM.splitlines():
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize(("size", "inserted"), [((300, 120), False), ((1800, 1200), True)])
def test_a_letterhead_logo_in_the_document(config: Any, size: tuple[int, int],
                                           inserted: bool) -> None:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 90, 160)).save(out, "PNG")
    docx = _docx_with_media(out.getvalue())
    assert any(n.startswith("word/media/") for n in zipfile.ZipFile(io.BytesIO(docx)).namelist())
    photo = Part("IMG_2041.jpg", "image/jpeg", camera_jpeg(1, (2400, 1800)))
    document = Part("bai viet.docx", "application/vnd.openxmlformats-officedocument."
                    "wordprocessingml.document", docx)
    letter = Letter(subject="Gửi tin bài hội thao", sender=("Nguyễn Văn An", "an.nv@example.org"),
                    text="Kính gửi Ban Biên tập, đơn vị gửi tin bài đính kèm.\n",
                    parts=[document, photo])
    result = check_json(parse_message(write(letter, "gmail")), config)
    assert ("photo_embedded" in _codes(result)) is inserted
