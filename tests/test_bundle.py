"""The CMS bundle: the article as .docx plus the original photos, zipped."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from web_support import copy_site, shared_template

from store.db import Store
from tinbai.bundle import article_docx, build_bundle, caption_lines, safe_filename, signature
from tinbai.config import Config
from tinbai.privacy import Redactor


@pytest.fixture
def site(tmp_path_factory: Any, tmp_path: Path) -> Iterator[tuple[Config, Store]]:
    config, store = copy_site(shared_template(tmp_path_factory), tmp_path / "site")
    yield config, store
    store.close()


def docx_paragraphs(data: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


def test_bundle_of_a_sample_submission(site: tuple[Config, Store]) -> None:
    _, store = site
    submission = store.submissions.get("TB-2026-0001")
    photos = store.submissions.photos_of(int(submission["id"]))
    data = build_bundle(submission, photos, store.photos.root, redactor=Redactor())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert names[0] == "TB-2026-0001/TB-2026-0001.docx"
        assert names[1:] == ["TB-2026-0001/anh/01_IMG_20261103_093012.jpg",
                             "TB-2026-0001/anh/02_IMG_20261103_093544.jpg"]
        for name, photo in zip(names[1:], photos, strict=True):
            original = archive.read(name)
            assert original == (store.photos.root / photo["blob_path"]).read_bytes()
            assert hashlib.sha256(original).hexdigest() == photo["sha256"]
        paragraphs = docx_paragraphs(archive.read(names[0]))
    assert paragraphs[0] == submission["title"]
    text = "\n".join(paragraphs)
    assert submission["body"].split(".")[0] in text
    assert "Ảnh 1: Đồng chí Chủ tịch CĐCS trao quà cho đoàn viên." in paragraphs
    assert "Ảnh 2: Các đại biểu chụp ảnh lưu niệm" in paragraphs
    assert paragraphs[-1] == "Nông Thị Lan – Công đoàn cơ sở Công ty TNHH May Chợ Mới"
    # publishing data only: no bank account, no phone number
    assert "3951" not in text and "0983" not in text and "Agribank" not in text


def test_bundle_over_http(site: tuple[Config, Store]) -> None:
    from starlette.testclient import TestClient
    from web_support import login

    from tinbai.web.app import create_app

    config, store = site
    with TestClient(create_app(config, store=store),
                    follow_redirects=False) as client:
        login(client, "bientap")
        response = client.get("/s/TB-2026-0002/bundle.zip")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/zip"
        assert 'filename="TB-2026-0002.zip"' in response.headers["content-disposition"]
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            assert archive.namelist() == ["TB-2026-0002/TB-2026-0002.docx",
                                          "TB-2026-0002/anh/01_DSC_0412.JPG"]


def test_captions_signature_and_missing_photos(tmp_path: Path) -> None:
    submission = {"ref": "TB-2026-0099", "title": "Tít", "body": "Đoạn một.\n\nĐoạn hai.",
                  "caption": "Ảnh 1: Hội nghị\nẢnh 2: Trao quà", "author": "Lê Thị Ba",
                  "unit": None, "unit_name": "Công đoàn ngành Y tế"}
    # photos without their own caption: the caption field's lines
    assert caption_lines(submission, [{"caption": None}, {"caption": ""}]) == [
        "Ảnh 1: Hội nghị", "Ảnh 2: Trao quà"]
    # a photo's caption "Ảnh 2: …" is renumbered by position, not doubled
    assert caption_lines(submission, [{"caption": "Ảnh 2: Trao quà"}]) == ["Ảnh 1: Trao quà"]
    assert signature(submission) == "Lê Thị Ba – Công đoàn ngành Y tế"
    assert signature({"author": "Lê Thị Ba"}) == "Lê Thị Ba"
    paragraphs = docx_paragraphs(article_docx(submission, []))
    assert paragraphs[:3] == ["Tít", "Đoạn một.", "Đoạn hai."]
    # a blob path pointing outside the photo folder, or a missing file, is skipped
    outside = tmp_path / "secret.jpg"
    outside.write_bytes(b"secret")
    root = tmp_path / "photos"
    root.mkdir()
    photos = [{"blob_path": "../secret.jpg", "filename": "a.jpg", "caption": "x"},
              {"blob_path": "ab/missing.jpg", "filename": "b.jpg", "caption": "y"},
              {"blob_path": "", "filename": "c.jpg", "caption": "z"}]
    data = build_bundle(submission, photos, root, redactor=Redactor())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["TB-2026-0099/TB-2026-0099.docx"]


@pytest.mark.parametrize(("name", "expected"), [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\boot.ini", "boot.ini"),
    ("Ảnh đẹp Đà Lạt.JPG", "Anh_dep_Da_Lat.JPG"),
    ("", "fallback"),
    ("...", "fallback"),
    ("a" * 300 + ".jpg", "a" * 80),
])
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name, "fallback") == expected
