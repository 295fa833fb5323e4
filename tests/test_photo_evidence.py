"""Each kind of photo evidence on photos made by the tests (deterministic: fixed seeds)."""

from __future__ import annotations

import io
import json
import struct

import numpy as np
import piexif
import pytest
from photo_factory import camera_exif, camera_layout, make_jpeg, phone_tables
from PIL import Image, ImageDraw

from ingest.c2pa_reader import _summary
from ingest.exifinfo import read_exif_details
from ingest.jpegquality import scaled_table
from ingest.photos import PhotoFacts, read_photo_facts
from validators.photos import check_photo
from validators.photos.encoders import BASES
from validators.photos.evidence import Evidence, Strength, judge
from validators.photos.signs import gather
from validators.problems import Severity
from validators.settings import ValidationSettings

SETTINGS = ValidationSettings()
RULES = SETTINGS.photos


def facts(data: bytes, name: str = "IMG_0001.jpg") -> PhotoFacts:
    return read_photo_facts(name, data, RULES)


_ORDER = [Strength.SUPPORTS_ORIGINAL, Strength.WEAK, Strength.MEDIUM, Strength.STRONG]


def kinds(photo: PhotoFacts) -> dict[str, Strength]:
    """The strongest sign of each kind of evidence about ``photo``."""
    found: dict[str, Strength] = {}
    for e in gather(photo, RULES):
        if e.kind not in found or _ORDER.index(e.strength) > _ORDER.index(found[e.kind]):
            found[e.kind] = e.strength
    return found


def scene(size: tuple[int, int] = (1600, 1200), seed: int = 7) -> Image.Image:
    """A textured scene with shapes everywhere (the top rows too), from a fixed seed."""
    rng = np.random.default_rng(seed)
    w, h = size
    x = np.linspace(0, 1, w)[None, :]
    y = np.linspace(0, 1, h)[:, None]
    base = 90 + 60 * np.sin(9 * x + 4 * y) + rng.normal(0, 18, (h, w))
    image = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x0, y0 = int(rng.integers(0, w - 60)), int(rng.integers(0, h - 60))
        size_ = int(rng.integers(20, 160))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        draw.rectangle((x0, y0, x0 + size_, y0 + size_ // 2), fill=colour)
    return image


def save(
    image: Image.Image, exif: bytes | None = None, camera: bool = True, **params: object
) -> bytes:
    out = io.BytesIO()
    if exif is not None:
        params["exif"] = exif
    image.save(out, "JPEG", **params)
    return camera_layout(out.getvalue()) if camera and exif is not None else out.getvalue()


def exif_with_thumbnail(image: Image.Image, size: tuple[int, int], make: str = "Acme") -> bytes:
    """EXIF as a camera writes it, with a 160-wide thumbnail of ``image`` (piexif)."""
    thumb = image.copy()
    thumb.thumbnail((160, 160))
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=80)
    data = {
        "0th": {piexif.ImageIFD.Make: make.encode(), piexif.ImageIFD.Model: b"X100"},
        "Exif": {
            piexif.ExifIFD.DateTimeOriginal: b"2026:10:01 09:30:00",
            piexif.ExifIFD.PixelXDimension: size[0],
            piexif.ExifIFD.PixelYDimension: size[1],
            piexif.ExifIFD.ExposureTime: (1, 120),
            piexif.ExifIFD.FNumber: (18, 10),
        },
        "1st": {piexif.ImageIFD.JPEGInterchangeFormat: 0},
        "thumbnail": out.getvalue(),
    }
    return bytes(piexif.dump(data))


# ---------------------------------------------------------------- judge


def _e(kind: str, strength: Strength) -> Evidence:
    return Evidence(kind, "photo_recompressed", strength, kind)


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([_e("a", Strength.STRONG)], Severity.ERROR),
        ([_e("a", Strength.MEDIUM), _e("b", Strength.MEDIUM)], Severity.ERROR),
        ([_e("a", Strength.MEDIUM), _e("a", Strength.MEDIUM)], Severity.WARNING),
        ([_e("a", Strength.MEDIUM)], Severity.WARNING),
        ([_e("a", Strength.MEDIUM), _e("b", Strength.WEAK)], Severity.WARNING),
        ([_e("a", Strength.MEDIUM), _e("b", Strength.WEAK), _e("c", Strength.WEAK)],
         Severity.ERROR),
        ([_e("a", Strength.WEAK), _e("b", Strength.WEAK)], None),
        ([_e("a", Strength.MEDIUM), _e("chat_size", Strength.WEAK), _e("b", Strength.WEAK)],
         Severity.ERROR),
        ([_e("a", Strength.MEDIUM), _e("chat_size", Strength.WEAK)], Severity.WARNING),
        ([_e("a", Strength.MEDIUM), _e("b", Strength.WEAK),
          _e("c", Strength.SUPPORTS_ORIGINAL)], None),
        ([_e("a", Strength.STRONG), _e("c", Strength.SUPPORTS_ORIGINAL)], Severity.ERROR),
    ],
)  # fmt: skip
def test_judge_needs_strong_evidence_or_two_kinds(items: list[Evidence], expected: object) -> None:
    assert judge(items, RULES) == expected


# ---------------------------------------------------------------- tables


def test_libjpeg_tables_under_a_maker_that_never_writes_them_are_strong() -> None:
    exif = camera_exif(make="Canon", model="Canon PowerShot A70", software=None)
    photo = facts(make_jpeg(exif=exif, quality=92))
    assert kinds(photo)["family_tables"] is Strength.STRONG
    found = check_photo(photo, SETTINGS)
    assert [(p.code, p.severity) for p in found] == [("photo_recompressed", Severity.ERROR)]
    assert "máy Canon không ghi loại này" in (found[0].detail or "")
    assert found[0].evidence and found[0].evidence[0]["strength_label"] == "dấu hiệu mạnh"


def test_libjpeg_tables_of_a_maker_that_writes_them_are_fine() -> None:
    photo = facts(make_jpeg(exif=camera_exif(), quality=96))  # samsung: libjpeg 96 seen
    assert "family_tables" not in kinds(photo)
    assert check_photo(photo, SETTINGS) == []


def test_libjpeg_tables_below_the_makers_quality_are_medium() -> None:
    photo = facts(make_jpeg(exif=camera_exif(), quality=88))
    assert kinds(photo)["family_tables"] is Strength.MEDIUM


def test_mozjpeg_robidoux_tables_are_strong() -> None:
    table = list(scaled_table(BASES["mozjpeg/ImageMagick (Robidoux)"], 75))
    photo = facts(make_jpeg(exif=camera_exif(), qtables=[table, table]))
    assert kinds(photo)["encoder_tables"] is Strength.STRONG
    assert [p.severity for p in check_photo(photo, SETTINGS)] == [Severity.ERROR]


def test_old_camera_low_quality_mode_with_own_tables_is_not_refused() -> None:
    # The false rejections: 2-5 MP cameras at q65-89 with their own tables and a
    # long side in chat_long_sides. Unknown maker, custom tables, 1600 px, q70.
    exif = camera_exif((1600, 1200), make="Sanyo Electric Co.,Ltd.", model="VPC-S1")
    photo = facts(make_jpeg((1600, 1200), exif=exif, qtables=phone_tables(70)))
    found = check_photo(photo, SETTINGS)
    assert not any(p.is_error for p in found), [(p.code, p.detail) for p in found]
    assert all("chat" not in p.message.lower() for p in found)


# ---------------------------------------------------------------- structure


def test_libjpeg_writer_layout_with_custom_tables_is_evidence() -> None:
    exif = camera_exif(make="Acme", model="X100", software=None)
    camera = facts(make_jpeg(exif=exif, qtables=phone_tables(92)))
    assert camera.jpeg_segments[0] == "APP1:Exif" and not camera.libjpeg_layout
    assert check_photo(camera, SETTINGS) == []
    resaved = facts(make_jpeg(exif=exif, qtables=phone_tables(92), layout="libjpeg"))
    assert resaved.jpeg_segments[:2] == ["APP0:JFIF", "APP1:Exif"] and resaved.libjpeg_layout
    signs = kinds(resaved)
    assert signs["structure"] is Strength.MEDIUM and signs["encoder_tables"] is Strength.WEAK
    found = check_photo(resaved, SETTINGS)
    assert [(p.code, p.severity) for p in found] == [("photo_recompressed", Severity.WARNING)]
    # What editors and contributors read is plain Vietnamese; the marker names are kept
    # as the technical side of the evidence (tooltip, check-photo).
    assert "JFIF" not in (found[0].detail or "") and "phần mềm" in (found[0].detail or "")
    assert any("APP0:JFIF" in e["technical"] for e in found[0].evidence)


# ---------------------------------------------------------------- coefficients


def test_double_quantisation_is_seen_in_the_coefficients() -> None:
    image = scene((1024, 768))
    first = Image.open(io.BytesIO(save(image, quality=60))).convert("RGB")
    exif = camera_exif((1024, 768), make="Acme", model="X100")
    single = facts(save(image, exif.tobytes(), quality=90))
    double = facts(save(first, exif.tobytes(), quality=90))
    assert single.dq is not None and double.dq is not None
    assert double.dq["periodic"] >= RULES.dq_min_periodic > single.dq["periodic"]
    assert double.dq["score"] > RULES.dq_min_score > single.dq["score"]
    assert "double_quantisation" in kinds(double)
    assert "double_quantisation" not in kinds(single)


def test_coefficient_sample_is_bounded_and_can_be_turned_off() -> None:
    data = save(scene(), camera_exif((1600, 1200)).tobytes(), quality=95)
    photo = facts(data)
    assert photo.dq is not None and 0 < photo.dq["blocks"] <= RULES.coefficient_sample_blocks
    off = ValidationSettings.model_validate({"photos": {"coefficient_sample_blocks": 0}})
    assert read_photo_facts("a.jpg", data, off.photos).dq is None


# ---------------------------------------------------------------- EXIF consistency


def test_thumbnail_of_the_same_picture_matches_and_a_crop_does_not() -> None:
    image = scene()
    original = facts(save(image, exif_with_thumbnail(image, image.size), quality=95))
    assert original.thumbnail_width == 160 and (original.thumbnail_match or 0) > 0.9
    assert "thumbnail_content" not in kinds(original)
    cut = image.crop((200, 240, 1600, 1200))
    cropped = facts(save(cut, exif_with_thumbnail(image, cut.size), quality=95))
    assert cropped.thumbnail_match is not None
    assert cropped.thumbnail_match < RULES.thumbnail_min_correlation
    assert kinds(cropped)["thumbnail_content"] is Strength.MEDIUM
    found = check_photo(cropped, SETTINGS)
    assert "photo_resized" in [p.code for p in found]


def test_thumbnail_of_another_aspect_is_a_crop() -> None:
    image = scene()
    wide = image.resize((1600, 800))
    photo = facts(save(image, exif_with_thumbnail(wide, image.size), quality=95))
    assert (photo.thumbnail_width, photo.thumbnail_height) == (160, 80)
    assert kinds(photo)["thumbnail"] is Strength.MEDIUM


def test_ifd0_size_other_than_the_pixels() -> None:
    exif = camera_exif()
    exif[256], exif[257] = 4000, 3000
    photo = facts(make_jpeg(exif=exif, quality=96))
    assert (photo.ifd0_width, photo.ifd0_height) == (4000, 3000)
    assert kinds(photo)["ifd0_size"] is Strength.MEDIUM
    found = check_photo(photo, SETTINGS)
    assert [(p.code, p.severity) for p in found] == [("photo_resized", Severity.WARNING)]
    assert "kích thước khác với máy chụp ghi lại" in (found[0].detail or "")


def test_modify_date_after_capture_is_weak_evidence_only() -> None:
    exif = camera_exif()
    exif[306] = "2026:10:05 18:00:00"
    photo = facts(make_jpeg(exif=exif, quality=96))
    assert kinds(photo)["dates"] is Strength.WEAK
    assert check_photo(photo, SETTINGS) == []


def _tiff_with_makernote(order: str, shift: int) -> bytes:
    """A TIFF (the Exif block) whose Exif IFD holds a Canon-style MakerNote: an IFD whose
    out-of-line value is addressed from the TIFF header. ``shift`` moves the MakerNote
    without fixing its pointer, as an EXIF rewriter does."""
    e = "<" if order == "II" else ">"
    note_at = 64 + shift
    value_at = note_at + 2 + 12 * 2 + 4
    note = struct.pack(e + "H", 2)
    note += struct.pack(e + "HHII", 1, 2, 8, value_at - shift)  # ASCII, 8 bytes, outside
    note += struct.pack(e + "HHII", 2, 3, 1, 7)  # SHORT inline
    note += b"\x00\x00\x00\x00" + b"CANONXX\x00"
    head = (b"II*\x00" if order == "II" else b"MM\x00*") + struct.pack(e + "I", 8)
    ifd0 = struct.pack(e + "H", 1) + struct.pack(e + "HHII", 0x8769, 4, 1, 26) + b"\0\0\0\0"
    exif_ifd = struct.pack(e + "H", 1) + struct.pack(e + "HHII", 37500, 7, len(note), note_at)
    exif_ifd += b"\0\0\0\0"
    body = head + ifd0 + exif_ifd
    return b"Exif\x00\x00" + body + b"\0" * (note_at - len(body)) + note


def test_makernote_moved_by_an_exif_rewrite() -> None:
    assert read_exif_details(_tiff_with_makernote("II", 0)).makernote_consistent is True
    assert read_exif_details(_tiff_with_makernote("II", 40)).makernote_consistent is False
    assert read_exif_details(_tiff_with_makernote("MM", 0)).makernote_consistent is True


# ---------------------------------------------------------------- C2PA, chat size


def test_c2pa_edit_action_is_editing_and_a_capture_supports_the_original() -> None:
    store = {
        "active_manifest": "m",
        "manifests": {"m": {"claim_generator": "Phone Camera/1.0", "assertions": [
            {"label": "c2pa.actions.v2", "data": {"actions": [
                {"action": "c2pa.created",
                 "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"},
                {"action": "c2pa.cropped"},
            ]}},
        ]}},
    }  # fmt: skip
    summary = _summary(store, "Valid")
    assert summary["capture"] and summary["edits"] == ["c2pa.cropped"]
    photo = facts(make_jpeg(exif=camera_exif(), quality=96))
    photo.c2pa = json.loads(json.dumps(summary))
    found = check_photo(photo, SETTINGS)
    assert [(p.code, p.severity) for p in found] == [("photo_edited", Severity.ERROR)]
    assert "1 thao tác chỉnh sửa" in (found[0].detail or "")  # the action names: technical
    assert "c2pa.cropped" in found[0].evidence[0]["technical"]
    photo.c2pa = {**summary, "edits": []}
    assert kinds(photo)["c2pa"] is Strength.SUPPORTS_ORIGINAL
    assert check_photo(photo, SETTINGS) == []


def test_chat_size_alone_is_never_a_problem() -> None:
    exif = camera_exif((1600, 1200))
    photo = facts(make_jpeg((1600, 1200), exif=exif, quality=96))
    assert kinds(photo)["chat_size"] is Strength.WEAK
    assert check_photo(photo, SETTINGS) == []


# ---------------------------------------------------------------- messages


def test_unreadable_photo_message_has_no_python_repr() -> None:
    found = check_photo(facts(b"\xff\xd8\xff\xe0 not really a jpeg", "a.jpg"), SETTINGS)
    assert [p.code for p in found] == ["photo_unreadable"]
    assert "<_io" not in found[0].message and "Error" not in found[0].message
    assert "0x" not in (found[0].detail or "")
    technical = found[0].evidence[0]["technical"]
    assert "UnidentifiedImageError" in technical or "OSError" in technical
