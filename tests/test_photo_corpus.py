"""The photo rules on real files of the exif-samples corpus (skipped when it is absent).

SOURCE.md of the corpus lists which files are full-size camera and phone originals,
which were edited, and which are broken; the expectations below follow it.
"""

from __future__ import annotations

import pytest
from shared_data import PHOTO_CORPUS

from ingest.photos import read_photo_facts
from validators.photos import check_photo
from validators.problems import has_errors
from validators.settings import ValidationSettings

CORPUS = PHOTO_CORPUS
SETTINGS = ValidationSettings()

pytestmark = pytest.mark.skipif(
    not (CORPUS / "SOURCE.md").exists(),
    reason=f"photo corpus not found at {CORPUS} (read-only real photos, not in the repository)",
)

#: "Full-size camera and phone originals" of SOURCE.md.
ORIGINALS = [
    "jpg/hdr/iphone_hdr_NO.jpg",
    "jpg/hdr/iphone_hdr_YES.jpg",
    "jpg/mobile/jolla.jpg",
    "jpg/mobile/HMD_Nokia_8.3_5G.jpg",
    "jpg/tests/42_IndexError.jpg",
    "jpg/tests/35-empty.jpg",
    "jpg/tests/87_OSError.jpg",
    "heic/mobile/iphone_13_pro_max.HEIC",
    "heic/mobile/HMD_Nokia_8.3_5G.heif",
]

#: "Edited or resized by software" with GIMP or Photoshop (and Windows Photo Gallery).
EDITED = [
    "jpg/Canon_40D.jpg",
    "jpg/Nikon_D70.jpg",
    "jpg/Pentax_K10D.jpg",
    "jpg/tests/30-type_error.jpg",
    "jpg/tests/28-hex_value.jpg",
    "jpg/xmp/BlueSquare.jpg",
    "jpg/xmp/no_exif.jpg",
]


def judge(relative: str) -> list[str]:
    path = CORPUS / relative
    photo = read_photo_facts(path.name, path.read_bytes(), SETTINGS.photos)
    return [p.code for p in check_photo(photo, SETTINGS)]


@pytest.mark.parametrize("relative", ORIGINALS)
def test_full_size_originals_are_accepted(relative: str) -> None:
    path = CORPUS / relative
    photo = read_photo_facts(path.name, path.read_bytes(), SETTINGS.photos)
    problems = check_photo(photo, SETTINGS)
    assert not has_errors(problems), [(p.code, p.detail) for p in problems]


def test_iphone_heic_reports_rotated_size() -> None:
    path = CORPUS / "heic/mobile/iphone_13_pro_max.HEIC"
    photo = read_photo_facts(path.name, path.read_bytes(), SETTINGS.photos)
    assert (photo.width, photo.height) == (3024, 4032)
    assert (photo.exif_width, photo.exif_height) == (4032, 3024)


@pytest.mark.parametrize("relative", EDITED)
def test_gimp_and_photoshop_files_are_edited(relative: str) -> None:
    assert "photo_edited" in judge(relative)


def test_lightroom_metadata_only_save_is_not_edited() -> None:
    # 87_OSError.jpg: xmpMM:History "saved" by Lightroom with changed="/metadata".
    assert "photo_edited" not in judge("jpg/tests/87_OSError.jpg")


def test_corrupt_jpeg_is_unreadable() -> None:
    assert judge("jpg/corrupted.jpg") == ["photo_unreadable"]


def test_cropped_on_phone_heic_is_resized() -> None:
    assert "photo_resized" in judge("heic/IMG_5195.HEIC")


@pytest.mark.parametrize("relative", ["jpg/xmp/no_exif.jpg", "jpg/orientation/landscape_2.jpg"])
def test_files_without_camera_metadata_are_not_original(relative: str) -> None:
    assert "photo_not_original" in judge(relative)


def test_gimp_thumbnails_are_too_small() -> None:
    assert "photo_too_small" in judge("jpg/Canon_40D.jpg")


def test_whole_corpus_never_raises() -> None:
    for path in sorted(CORPUS.rglob("*")):
        if path.is_file():
            read_photo_facts(path.name, path.read_bytes(), SETTINGS.photos)
