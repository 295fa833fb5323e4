"""Per-photo rules on photos made by the tests (Pillow writes EXIF)."""

from __future__ import annotations

import pytest
from photo_factory import (
    camera_exif,
    claim_size,
    corrupt_exif_jpeg,
    make_heic,
    make_jpeg,
    make_png,
    phone_tables,
)

from ingest.photos import PhotoFacts, read_photo_facts
from validators.photos import PHOTO_CHECKS, check_photo, explain_photo
from validators.problems import Severity
from validators.settings import ValidationSettings

SETTINGS = ValidationSettings()


def facts(name: str, data: bytes, settings: ValidationSettings = SETTINGS) -> PhotoFacts:
    return read_photo_facts(name, data, settings.photos)


def codes(name: str, data: bytes, settings: ValidationSettings = SETTINGS) -> list[str]:
    return [p.code for p in check_photo(facts(name, data, settings), settings)]


@pytest.fixture(scope="module")
def original() -> bytes:
    return make_jpeg(exif=camera_exif(), quality=95)


def test_phone_original_at_95_is_accepted(original: bytes) -> None:
    photo = facts("IMG_0001.jpg", original)
    assert photo.format == "JPEG"
    assert (photo.width, photo.height) == (2000, 1500)
    assert photo.quality == 95 and photo.quality_distance == 0.0
    assert photo.camera == "samsung SM-A525F"
    assert photo.error is None
    assert photo.sha256 == ""  # hashed by the pipeline when stored, not by the check
    assert check_photo(photo, SETTINGS) == []


def test_same_photo_saved_at_75_is_recompressed() -> None:
    data = make_jpeg(exif=camera_exif(), quality=75)
    found = check_photo(facts("a.jpg", data), SETTINGS)
    assert [p.code for p in found] == ["photo_recompressed"]
    assert found[0].severity is Severity.ERROR
    assert "75" in (found[0].detail or "")


def test_custom_phone_tables_at_82_with_camera_exif_are_accepted() -> None:
    data = make_jpeg(exif=camera_exif(), qtables=phone_tables(82))
    photo = facts("a.jpg", data)
    assert 80 <= (photo.quality or 0) <= 84
    assert (photo.quality_distance or 0) > 0
    assert check_photo(photo, SETTINGS) == []


def test_chat_copy_without_exif_at_chat_size() -> None:
    data = make_jpeg((1600, 1200), quality=80)
    assert codes("received_123.jpeg", data) == ["photo_not_original", "photo_recompressed"]


def test_chat_size_with_low_quality_even_with_exif() -> None:
    data = make_jpeg((2048, 1536), qtables=phone_tables(85), exif=camera_exif((2048, 1536)))
    assert codes("a.jpg", data) == ["photo_recompressed"]


def test_very_low_quality_is_recompressed_whatever_the_exif() -> None:
    data = make_jpeg(exif=camera_exif(), qtables=phone_tables(60))
    assert codes("a.jpg", data) == ["photo_recompressed"]


def test_reencoder_trace_in_software() -> None:
    data = make_jpeg(exif=camera_exif(software="Zalo"), quality=95)
    assert codes("a.jpg", data) == ["photo_recompressed"]


def test_no_camera_exif_is_not_original() -> None:
    data = make_jpeg(quality=95)
    found = codes("a.jpg", data)
    assert found == ["photo_not_original"]


def test_exposure_data_without_make_counts_as_camera_metadata() -> None:
    exif = camera_exif(make=None, model=None, datetime_original=None)
    assert codes("a.jpg", make_jpeg(exif=exif)) == []


def test_resized_photo_keeps_old_exif_size() -> None:
    data = make_jpeg((1500, 1125), exif=camera_exif((4000, 3000)), quality=95)
    found = check_photo(facts("a.jpg", data), SETTINGS)
    assert [p.code for p in found] == ["photo_resized"]
    assert "4000 × 3000" in (found[0].detail or "")


def test_rotated_size_is_not_resized() -> None:
    data = make_jpeg((1500, 2000), exif=camera_exif((2000, 1500)), quality=95)
    assert codes("a.jpg", data) == []


def test_too_small() -> None:
    data = make_jpeg((1000, 750), exif=camera_exif((1000, 750)), quality=95)
    found = check_photo(facts("a.jpg", data), SETTINGS)
    assert [p.code for p in found] == ["photo_too_small"]
    assert "1000 × 750" in (found[0].detail or "")


def test_min_long_side_comes_from_settings() -> None:
    settings = ValidationSettings.model_validate({"photos": {"min_long_side": 800}})
    data = make_jpeg((1000, 750), exif=camera_exif((1000, 750)), quality=95)
    assert codes("a.jpg", data, settings) == []


@pytest.mark.parametrize(
    "software",
    ["Adobe Photoshop 25.0 (Windows)", "GIMP 2.10.34", "Snapseed 2.0", "PicsArt", "Canva",
     "Meitu", "Microsoft Windows Photo Gallery 6.0.6001.18000", "Adobe Lightroom 7.1"],
)  # fmt: skip
def test_editor_in_software_is_edited(software: str) -> None:
    data = make_jpeg(exif=camera_exif(software=software), quality=95)
    assert codes("a.jpg", data) == ["photo_edited"]


@pytest.mark.parametrize("software", ["8.3", "Version 1.3", "G935FXXU1APL1", "14.4.2", "Ver.1.00"])
def test_firmware_versions_are_not_editing(software: str) -> None:
    data = make_jpeg(exif=camera_exif(software=software), quality=95)
    assert codes("a.jpg", data) == []


def test_xmp_history_with_pixel_changes_is_edited() -> None:
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
        b'xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"><xmpMM:History><rdf:Seq>'
        b'<rdf:li stEvt:action="saved" stEvt:softwareAgent="Adobe Photoshop 24.0" '
        b'stEvt:changed="/"/></rdf:Seq></xmpMM:History></rdf:Description></rdf:RDF></x:xmpmeta>'
    )
    found = check_photo(facts("a.jpg", make_jpeg(exif=camera_exif(), xmp=xmp)), SETTINGS)
    assert [p.code for p in found] == ["photo_edited"]
    assert "Photoshop" in (found[0].detail or "")


def test_metadata_only_history_is_not_editing() -> None:
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description><xmpMM:History>'
        b'<rdf:Seq><rdf:li stEvt:action="saved" stEvt:softwareAgent="Adobe Photoshop '
        b'Lightroom 6.2.1 (Macintosh)" stEvt:changed="/metadata"/></rdf:Seq></xmpMM:History>'
        b"</rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    assert codes("a.jpg", make_jpeg(exif=camera_exif(), xmp=xmp)) == []


def test_gimp_comment_is_edited() -> None:
    data = make_jpeg(exif=camera_exif(), comment=b"Created with GIMP")
    assert codes("a.jpg", data) == ["photo_edited"]


def test_png_screenshot() -> None:
    data = make_png((1080, 2400))
    photo = facts("Screenshot_20261001.png", data)
    assert photo.format == "PNG"
    # Screenshot explains the missing EXIF: reported once.
    assert [p.code for p in check_photo(photo, SETTINGS)] == ["photo_screenshot"]


def test_screen_sized_jpeg_without_exif_is_screenshot() -> None:
    assert codes("a.jpg", make_jpeg((1170, 2532), quality=95)) == ["photo_screenshot"]


def test_screen_sized_jpeg_with_camera_exif_is_not_screenshot() -> None:
    data = make_jpeg((1920, 1080), exif=camera_exif((1920, 1080)), quality=95)
    assert codes("a.jpg", data) == []


def test_ios_screenshot_marker() -> None:
    marker = b"ASCII\x00\x00\x00Screenshot"
    exif = camera_exif((1290, 2796), make=None, model=None, user_comment=marker)
    assert "photo_screenshot" in codes("a.jpg", make_jpeg((1290, 2796), exif=exif))


def test_truncated_jpeg_is_unreadable(original: bytes) -> None:
    found = check_photo(facts("a.jpg", original[: len(original) // 2]), SETTINGS)
    assert [p.code for p in found] == ["photo_unreadable"]


def test_garbage_inside_scan_is_unreadable(original: bytes) -> None:
    data = bytearray(original)
    middle = len(data) // 2
    data[middle : middle + 2] = b"\xff\x9f"
    assert codes("a.jpg", bytes(data)) == ["photo_unreadable"]


def test_not_an_image_named_jpg_is_unreadable() -> None:
    assert codes("a.jpg", b"this is not a photo at all") == ["photo_unreadable"]


def test_empty_file_is_unreadable() -> None:
    assert codes("a.jpg", b"") == ["photo_unreadable"]


@pytest.mark.parametrize("size", [(60000, 60000), (12000, 11000)])
def test_header_claiming_gigapixels_is_unreadable(size: tuple[int, int]) -> None:
    data = claim_size(make_jpeg((64, 64), quality=90), *size)
    photo = facts("bomb.jpg", data)
    assert photo.error and "lớn" in photo.error
    assert [p.code for p in check_photo(photo, SETTINGS)] == ["photo_unreadable"]


def test_corrupt_exif_is_unreadable() -> None:
    photo = facts("a.jpg", corrupt_exif_jpeg())
    assert photo.error and "EXIF" in photo.error
    assert [p.code for p in check_photo(photo, SETTINGS)] == ["photo_unreadable"]


def test_too_large_file_is_unreadable() -> None:
    settings = ValidationSettings.model_validate({"photos": {"max_photo_bytes": 1000}})
    assert codes("a.jpg", make_jpeg((200, 200)), settings) == ["photo_unreadable"]


@pytest.mark.parametrize(("name", "fmt"), [("a.gif", "GIF"), ("a.webp", "WEBP"), ("a.bmp", "BMP")])
def test_unsupported_formats(name: str, fmt: str) -> None:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), "white").save(out, fmt)
    photo = facts(name, out.getvalue())
    found = check_photo(photo, SETTINGS)
    assert [p.code for p in found] == ["photo_unsupported_format"]
    assert found[0].detail == fmt


def test_unknown_raw_extension_is_unsupported() -> None:
    assert codes("DSC_0001.NEF", b"II*\x00garbage") == ["photo_unsupported_format"]


def test_heic_with_rotated_exif_size_is_accepted() -> None:
    data = make_heic((1500, 2000), camera_exif((2000, 1500)))
    photo = facts("IMG_0001.HEIC", data)
    assert photo.format == "HEIF" and photo.quality is None
    assert check_photo(photo, SETTINGS) == []


def test_cropped_heic_is_resized() -> None:
    data = make_heic((1500, 1800), camera_exif((2000, 1500)))
    assert codes("IMG_0002.HEIC", data) == ["photo_resized"]


def test_truncated_heic_is_unreadable() -> None:
    data = make_heic((1500, 2000), camera_exif((2000, 1500)))
    assert codes("a.heic", data[: len(data) - 200]) == ["photo_unreadable"]


def test_progressive_flag_and_markers_are_read() -> None:
    photo = facts("a.jpg", make_jpeg(exif=camera_exif(), progressive=True, quality=95))
    assert photo.progressive is True
    assert "APP1:Exif" in photo.app_markers


def test_every_rule_has_name_description_and_evidence(original: bytes) -> None:
    photo = facts("a.jpg", original)
    evidence = explain_photo(photo, SETTINGS)
    for check in PHOTO_CHECKS:
        assert check.name.startswith("photo_") and check.description
        assert evidence[check.name]


def test_facts_survive_a_json_round_trip(original: bytes) -> None:
    import dataclasses
    import json

    photo = facts("a.jpg", make_jpeg((1500, 1125), exif=camera_exif((4000, 3000))))
    again = PhotoFacts(**json.loads(json.dumps(dataclasses.asdict(photo))))
    assert check_photo(again, SETTINGS) == check_photo(photo, SETTINGS)


def test_adversarial_scan_data_keeps_memory_bounded(original: bytes) -> None:
    import tracemalloc

    sos = original.find(b"\xff\xda")
    header_end = sos + 2 + int.from_bytes(original[sos + 2 : sos + 4], "big")
    data = original[:header_end] + b"\xff\x00" * 10_000_000  # 20 MB of stuffing, no EOI
    tracemalloc.start()
    try:
        photo = facts("a.jpg", data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert photo.error and "EOI" in photo.error
    assert peak < 80_000_000, peak
