"""Submission-level photo checks: no photo, links only, embedded, captions, reuse."""

from __future__ import annotations

from ingest.model import Candidate
from ingest.photos import PhotoFacts
from validators.photos import PHOTO_SUBMISSION_CHECKS
from validators.problems import Severity
from validators.settings import ValidationSettings

SETTINGS = ValidationSettings()


def run(candidate: Candidate) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for check in PHOTO_SUBMISSION_CHECKS:
        found.extend((p.code, p.file or p.detail) for p in check.check(candidate, SETTINGS))
    return found


def photos(*names: str) -> list[PhotoFacts]:
    return [PhotoFacts(filename=name) for name in names]


def test_no_photo() -> None:
    assert run(Candidate()) == [("no_photo", None)]


def test_cloud_links_only_is_link_only_not_no_photo() -> None:
    link = "https://drive.google.com/drive/folders/abc"
    assert run(Candidate(cloud_links=[link])) == [("photo_link_only", link)]


def test_links_with_attached_photos_are_fine() -> None:
    candidate = Candidate(
        photos=photos("a.jpg"), captions=["Ảnh 1: Hội nghị"], cloud_links=["https://1drv.ms/x"]
    )
    assert run(candidate) == []


def test_embedded_only() -> None:
    candidate = Candidate(embedded_images=["bai.docx/word/media/image1.jpeg"])
    assert run(candidate) == [("photo_embedded", "bai.docx/word/media/image1.jpeg")]


def test_single_caption_for_single_photo() -> None:
    assert run(Candidate(photos=photos("a.jpg"), captions=["Lễ ký kết"])) == []


def test_template_caption_for_single_photo() -> None:
    candidate = Candidate(photos=photos("a.jpg"), fields={"caption": "Lễ ký kết thỏa ước"})
    assert run(candidate) == []


def test_missing_captions_name_the_photos() -> None:
    candidate = Candidate(photos=photos("a.jpg", "b.jpg", "c.jpg"), captions=["Ảnh 1: Hội nghị"])
    assert run(candidate) == [("photo_no_caption", "b.jpg"), ("photo_no_caption", "c.jpg")]


def test_empty_caption_counts_as_missing() -> None:
    candidate = Candidate(photos=photos("a.jpg", "b.jpg"), captions=["", "Ảnh 2: Trao quà"])
    assert run(candidate) == [("photo_no_caption", "a.jpg")]


def test_single_photo_without_caption() -> None:
    assert run(Candidate(photos=photos("a.jpg"))) == [("photo_no_caption", "a.jpg")]


def test_duplicate_is_a_warning_naming_the_earlier_submission() -> None:
    candidate = Candidate(
        photos=photos("a.jpg"), captions=["x"], duplicate_photos={"a.jpg": "TB-2026-0042"}
    )
    problems = [p for c in PHOTO_SUBMISSION_CHECKS for p in c.check(candidate, SETTINGS)]
    assert [(p.code, p.file, p.severity) for p in problems] == [
        ("photo_duplicate", "a.jpg", Severity.WARNING)
    ]
    assert "TB-2026-0042" in problems[0].message


def test_checks_have_names_and_descriptions() -> None:
    for check in PHOTO_SUBMISSION_CHECKS:
        assert check.name and check.description
