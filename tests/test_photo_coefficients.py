"""The two coefficient readers give the same coefficients, so the same verdicts.

libturbojpeg (``ingest.turbojpeg_reader``, the fast path, installed by .ci/run and the
Dockerfile) and the Python Huffman decoder (``ingest.huffman_reader``, what a fresh
``pip install`` on Windows gets) read the same strip of every real photo of the corpora
and of photos encoded the ways encoders do (optimised Huffman tables, restart markers,
4:4:4, 4:2:2, greyscale, CMYK, quality 100) and cut short; both must return identical
blocks, or both refuse the data.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from shared_data import CAMERA_ORIGINALS, PHOTO_CORPUS, jpegs

from ingest import jpegcoefficients, turbojpeg_reader
from ingest.jpegstructure import parse_header
from ingest.photos import PhotoFacts, read_photo_facts
from validators.photos import check_photo
from validators.settings import ValidationSettings

SETTINGS = ValidationSettings()
LIMITS = SETTINGS.photos

needs_turbojpeg = pytest.mark.skipif(
    turbojpeg_reader.library() is None, reason="libturbojpeg not installed (see .ci/run)"
)


REAL = jpegs(CAMERA_ORIGINALS) + jpegs(PHOTO_CORPUS)


def _read(data: bytes, reader: str) -> object:
    """(width, blocks), None, or the refusal, through one reader."""
    header = parse_header(data)
    assert header is not None
    try:
        sample = jpegcoefficients.sample_luma_blocks(
            data, header, LIMITS.coefficient_sample_blocks, LIMITS.coefficient_max_fraction,
            reader=reader,
        )  # fmt: skip
    except jpegcoefficients.CoefficientError:
        return "refused"
    return None if sample is None else (sample.width, sample.blocks)


def _assert_same(data: bytes) -> bool:
    """Both readers agree; True when there were coefficients to compare."""
    fast, portable = _read(data, "turbojpeg"), _read(data, "python")
    if fast is None or fast == "refused":
        assert portable == fast
        return False
    assert isinstance(portable, tuple) and isinstance(fast, tuple)
    assert portable[0] == fast[0]
    np.testing.assert_array_equal(portable[1], fast[1])
    return True


@needs_turbojpeg
@pytest.mark.skipif(not REAL, reason=f"photo corpora not found at {CAMERA_ORIGINALS}")
def test_both_readers_give_the_same_coefficients_on_real_photos() -> None:
    compared = sum(_assert_same(path.read_bytes()) for path in REAL)
    assert compared >= 0.8 * len(REAL)  # nearly all are baseline JPEGs with a scan


def _encoded(image: Image.Image) -> dict[str, bytes]:
    variants = {
        "optimised Huffman": ("RGB", {"optimize": True, "quality": 90}),
        "4:4:4": ("RGB", {"subsampling": 0, "quality": 95}),
        "4:2:2": ("RGB", {"subsampling": 1}),
        "greyscale": ("L", {"quality": 85}),
        "CMYK": ("CMYK", {"quality": 90}),
        "restart every row": ("RGB", {"restart_marker_rows": 1}),
        "restart every 7 MCUs": ("RGB", {"restart_marker_blocks": 7}),
        "quality 100": ("RGB", {"quality": 100}),
        "progressive": ("RGB", {"progressive": True}),
    }
    found = {}
    for name, (mode, params) in variants.items():
        out = io.BytesIO()
        image.convert(mode).save(out, "JPEG", **params)
        found[name] = out.getvalue()
    return found


def _textured(size: tuple[int, int] = (1203, 805), seed: int = 3) -> Image.Image:
    """Detail everywhere, odd sizes (partial MCUs at the right and bottom edges)."""
    rng = np.random.default_rng(seed)
    w, h = size
    y, x = np.mgrid[0:h, 0:w]
    wave = 60 * np.sin(x / 17.0) * np.cos(y / 23.0)
    base = 128 + wave[:, :, None] + rng.normal(0, 25, (h, w, 3))
    return Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")


@needs_turbojpeg
@pytest.mark.parametrize("name", list(_encoded(_textured((64, 48)))))  # the names
def test_both_readers_agree_on_every_coding(name: str) -> None:
    data = _encoded(_textured())[name]
    compared = _assert_same(data)
    assert compared == (name != "progressive")  # progressive scans are not sampled


@needs_turbojpeg
@pytest.mark.parametrize("cut", [120, 200, 2_000, 30_000])
def test_both_readers_agree_where_the_data_runs_out(cut: int) -> None:
    data = _encoded(_textured())["restart every 7 MCUs" if cut == 2_000 else "4:2:2"]
    header = parse_header(data)
    assert header is not None
    _assert_same(data[: header.scan_offset + cut])


@needs_turbojpeg
@pytest.mark.skipif(not REAL, reason=f"photo corpora not found at {CAMERA_ORIGINALS}")
def test_facts_and_verdicts_do_not_depend_on_the_reader() -> None:
    for path in REAL[::4]:
        data = path.read_bytes()
        with jpegcoefficients.using_reader("turbojpeg"):
            fast = read_photo_facts(path.name, data, LIMITS)
        with jpegcoefficients.using_reader("python"):
            portable = read_photo_facts(path.name, data, LIMITS)
        assert (portable.dq, portable.thumbnail_match) == (fast.dq, fast.thumbnail_match)
        assert check_photo(portable, SETTINGS) == check_photo(fast, SETTINGS), path.name


def test_the_python_reader_is_always_there() -> None:
    data = _encoded(_textured((320, 240)))["4:2:2"]
    assert jpegcoefficients.available()
    with jpegcoefficients.using_reader("python"):
        assert jpegcoefficients.reader_name() == "python"
        header = parse_header(data)
        assert header is not None
        sample = jpegcoefficients.sample_luma_blocks(data, header, 4096, 1.0)
    assert sample is not None and sample.width == 40 and sample.rows == 30
    # The DC of the first block is the mean of its pixels (T.81 A.3.3).
    with Image.open(io.BytesIO(data)) as im:
        top = np.asarray(im.convert("L"), dtype=np.float64)[:8, :8].mean()
    luma = header.qtables[header.components[0].table]
    assert abs(sample.blocks[0, 0] * luma[0] / 8 + 128 - top) < 3


# ---------------------------------------------------------------- what is read, once


@pytest.mark.skipif(not REAL, reason=f"photo corpora not found at {CAMERA_ORIGINALS}")
def test_exif_block_read_once_gives_what_pillow_gives() -> None:
    """ingest.exifinfo reads the camera tags of a plain block as Pillow's getexif() does;
    the blocks it does not find plain (damaged ones) are left to Pillow."""
    from photo_derive import KINDS

    from ingest.exifinfo import read_exif_details
    from ingest.photoexif import _pillow_tags, _with_xmp_orientation

    plain = 0
    for path in REAL:
        data = path.read_bytes()
        variants = [data]
        if path.is_relative_to(CAMERA_ORIGINALS):  # EXIF rewritten by piexif, as tools do
            variants.append(KINDS["resize 1600, EXIF size updated"][1](data))
        for content in variants:
            with Image.open(io.BytesIO(content)) as im:
                block = im.info.get("exif")
                if not isinstance(block, bytes):
                    continue
                tags = read_exif_details(block).tags
                if tags is None:
                    continue
                plain += 1
                assert _with_xmp_orientation(tags, im.info) == {
                    k: v for k, v in _pillow_tags(im).items() if v is not None
                }, path.name
    assert plain >= len(REAL)  # nearly every block is plain


@needs_turbojpeg
@pytest.mark.skipif(not (CAMERA_ORIGINALS / "manifest.json").exists(), reason="no originals")
def test_coefficients_are_read_only_where_they_can_be_judged() -> None:
    """Double quantisation only for an encoder's tables; the thumbnail comparison where
    the strip covers enough of the thumbnail; neither: no sample at all."""
    from photo_derive import resave

    comparing = ValidationSettings.model_validate({"photos": {"thumbnail_with_own_tables": True}})

    def facts(part: str) -> PhotoFacts:
        path = next(p for p in CAMERA_ORIGINALS.iterdir() if part in p.name)
        return read_photo_facts(path.name, path.read_bytes(), comparing.photos)

    canon = facts("PowerShot_A20")  # Canon's own tables, a 160x120 thumbnail
    assert canon.dq is None and canon.thumbnail_match is not None
    samsung = facts("GT-I9505")  # libjpeg's tables
    assert samsung.dq is not None and samsung.dq["blocks"] > 0
    big = facts("EOS_1300D")  # 18 MP: 4096 blocks are too few rows of its thumbnail
    assert big.dq is None and big.thumbnail_match is None
    # By default the thumbnail of a file with the camera's own tables is left uncompared.
    path = next(p for p in CAMERA_ORIGINALS.iterdir() if "PowerShot_A20" in p.name)
    skipped = read_photo_facts(path.name, path.read_bytes(), LIMITS)
    assert skipped.thumbnail_match is None and skipped.dq is None
    resaved = read_photo_facts(path.name, resave(path.read_bytes(), 92), LIMITS)
    assert resaved.dq is not None and resaved.thumbnail_match is not None  # libjpeg's tables


@pytest.mark.parametrize("seed", range(6))
def test_the_python_reader_survives_damaged_scans_and_tables(seed: int) -> None:
    """Random damage in the scan or the Huffman tables: a sample or a refusal, never
    another exception (the photo is then judged on its other evidence)."""
    rng = np.random.default_rng(seed)
    data = bytearray(_encoded(_textured((320, 240), seed=seed))["optimised Huffman"])
    header = parse_header(bytes(data))
    assert header is not None
    if seed % 2:  # damage the tables
        dht = bytes(data).find(b"\xff\xc4")
        for at in rng.integers(dht + 4, dht + 40, 6):
            data[int(at)] = int(rng.integers(0, 256))
    else:  # damage the scan
        for at in rng.integers(header.scan_offset, len(data) - 2, 40):
            data[int(at)] = int(rng.integers(0, 256))
    damaged = bytes(data)
    header = parse_header(damaged)
    assert header is not None
    try:
        sample = jpegcoefficients.sample_luma_blocks(damaged, header, 4096, 1.0, reader="python")
    except jpegcoefficients.CoefficientError:
        sample = None  # refused: reported as unreadable coefficients
    assert sample is None or (
        sample.blocks.shape[1] == 64 and len(sample.blocks) == sample.rows * sample.width
    )


@needs_turbojpeg
@pytest.mark.skipif(not REAL, reason="shared photo corpora absent")
def test_thumbnails_decode_to_pillows_pixels_through_libturbojpeg() -> None:
    """libturbojpeg's grey thumbnail is Pillow's ``draft("L")`` decode, pixel for pixel;
    a thumbnail it warns about (cut short) is left to Pillow."""
    from ingest.exifinfo import read_exif_details
    from ingest.thumbcompare import pillow_thumbnail_pixels, thumbnail_pixels

    compared = 0
    for path in REAL:
        with Image.open(path) as im:
            block = im.info.get("exif")
        thumbnail = read_exif_details(block).thumbnail if isinstance(block, bytes) else None
        if thumbnail is None:
            continue
        fast = turbojpeg_reader.grey_pixels(thumbnail, (160, 120))
        reference = pillow_thumbnail_pixels(thumbnail)
        if fast is None:
            continue
        assert reference is not None, path.name
        assert fast.shape == reference.shape and (fast == reference).all(), path.name
        compared += 1
        cut = thumbnail[: len(thumbnail) // 2]
        assert turbojpeg_reader.grey_pixels(cut, (160, 120)) is None, path.name
        expected = pillow_thumbnail_pixels(cut)
        got = thumbnail_pixels(cut)
        assert (got is None) == (expected is None), path.name
    assert compared >= len(REAL) // 2
