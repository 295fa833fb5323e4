"""Photo intake: candidates, zip expansion, cloud links, quality estimate, perceptual hash."""

from __future__ import annotations

import io
import zipfile

import pytest
from photo_factory import camera_exif, make_jpeg, make_zip

from ingest.jpegquality import estimate_quality
from ingest.links import find_cloud_links
from ingest.photos import expand_zip, is_photo_candidate, perceptual_hash, read_photo_facts
from validators.settings import PhotoRules

RULES = PhotoRules.model_validate({})


@pytest.mark.parametrize(
    ("name", "ctype", "expected"),
    [
        ("IMG_1.JPG", "application/octet-stream", True),
        ("a.heic", "", True),
        ("a.webp", "", True),
        ("scan.tiff", "", True),
        ("x", "image/png", True),
        ("bai.docx", "application/vnd.openxmlformats", False),
        ("anh.zip", "application/zip", False),
    ],
)
def test_is_photo_candidate(name: str, ctype: str, expected: bool) -> None:
    assert is_photo_candidate(name, ctype) is expected


@pytest.mark.parametrize("quality", [30, 50, 75, 85, 90, 95, 100])
def test_quality_of_libjpeg_encodes_is_exact(quality: int) -> None:
    from PIL import Image

    image = Image.open(io.BytesIO(make_jpeg((64, 64), quality=quality)))
    estimate = estimate_quality(getattr(image, "quantization", {}))
    assert estimate is not None
    assert (estimate.quality, estimate.distance) == (quality, 0.0)


def test_zip_photos_are_separate_attachments_with_safe_names() -> None:
    photo = make_jpeg((300, 200), exif=camera_exif((300, 200)))
    data = make_zip(
        [
            ("../../etc/evil.jpg", photo),
            ("/abs/path/b.jpg", photo),
            ("..\\..\\windows\\c.JPG", photo),
            ("album/d.jpg", photo),
            ("album2/d.jpg", photo),
            ("__MACOSX/album/._d.jpg", b"junk"),
            ("notes.txt", b"hello"),
        ]
    )
    photos, errors = expand_zip("anh.zip", data, RULES)
    names = [name for name, _ in photos]
    assert names == ["evil.jpg", "b.jpg", "c.JPG", "d.jpg", "d (2).jpg"]
    assert all(content == photo for _, content in photos)
    assert errors == []  # notes.txt and the __MACOSX resource fork are skipped
    assert read_photo_facts(names[0], photos[0][1], RULES).error is None


def test_zip_bomb_is_refused_before_inflating() -> None:
    rules = PhotoRules.model_validate({"zip_max_total_bytes": 5_000_000})
    data = make_zip([("big.jpg", b"\x00" * 20_000_000)])
    assert len(data) < 100_000
    photos, errors = expand_zip("bomb.zip", data, rules)
    assert photos == [] and errors and "lớn" in errors[0]


def test_zip_with_too_many_entries_is_refused() -> None:
    rules = PhotoRules.model_validate({"zip_max_entries": 3})
    data = make_zip([(f"{i}.jpg", b"x") for i in range(5)])
    photos, errors = expand_zip("many.zip", data, rules)
    assert photos == [] and errors


def test_zip_entry_lying_about_its_size_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.jpg", b"\xff" * 100_000)
    raw = bytearray(out.getvalue())
    # Rewrite the declared uncompressed size (local header and central directory) to 10.
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = raw.find(signature)
        raw[at + offset : at + offset + 4] = (10).to_bytes(4, "little")
    photos, errors = expand_zip("liar.zip", bytes(raw), RULES)
    assert photos == [] and errors


def test_corrupt_zip_gives_an_error_not_an_exception() -> None:
    photos, errors = expand_zip("x.zip", b"PK\x03\x04 broken", RULES)
    assert photos == [] and errors


def _scene(size: tuple[int, int], quality: int) -> bytes:
    """A picture with structure (pHash of a flat gradient is noise)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (800, 600), (200, 220, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((50, 300, 350, 580), fill=(150, 40, 40))
    draw.ellipse((450, 80, 750, 380), fill=(30, 120, 30))
    draw.polygon([(400, 590), (600, 420), (790, 590)], fill=(20, 20, 90))
    out = io.BytesIO()
    image.resize(size).save(out, "JPEG", quality=quality)
    return out.getvalue()


def test_perceptual_hash_is_stable_across_recompression() -> None:
    import imagehash

    first = perceptual_hash(_scene((2000, 1500), 95))
    again = perceptual_hash(_scene((1280, 960), 70))
    other = perceptual_hash(make_jpeg((2000, 1500), quality=95))
    assert first and again and other
    assert imagehash.hex_to_hash(first) - imagehash.hex_to_hash(again) <= 6
    assert imagehash.hex_to_hash(first) - imagehash.hex_to_hash(other) > 10


def test_perceptual_hash_of_garbage_is_none() -> None:
    assert perceptual_hash(b"not an image") is None


def test_cloud_links() -> None:
    text = (
        "Ảnh: https://drive.google.com/drive/folders/1AbC?usp=sharing. Thêm "
        '1drv.ms/u/s!Abc, <a href="https://www.dropbox.com/s/x/a.jpg?dl=0">x</a> '
        "https://photos.app.goo.gl/XyZ https://photos.google.com/share/AF1Q "
        "https://contoso.sharepoint.com/:f:/g/abc https://www.icloud.com/photos/#0abc "
        "liên hệ abc@dropbox.com, dropbox.com nói chung, https://example.com/x "
        "https://drive.google.com/drive/folders/1AbC?usp=sharing"
    )
    assert find_cloud_links(text) == [
        "https://drive.google.com/drive/folders/1AbC?usp=sharing",
        "https://1drv.ms/u/s!Abc",
        "https://www.dropbox.com/s/x/a.jpg?dl=0",
        "https://photos.app.goo.gl/XyZ",
        "https://photos.google.com/share/AF1Q",
        "https://contoso.sharepoint.com/:f:/g/abc",
        "https://www.icloud.com/photos/#0abc",
    ]


def test_no_cloud_links_in_plain_text() -> None:
    assert find_cloud_links("Gửi kèm 3 ảnh gốc. Trân trọng!") == []


def test_phash_matches_imagehash_without_scipy() -> None:
    """Our matrix DCT gives imagehash.phash's bits exactly (scipy stays unimported)."""
    import io

    import imagehash
    from PIL import Image

    from ingest.phash import _phash
    from tinbai.samples import camera_jpeg, screenshot_png

    samples = [camera_jpeg(seed, (1200, 900)) for seed in range(5)] + [screenshot_png(1)]
    for data in samples:
        gray = Image.open(io.BytesIO(data)).convert("L")
        assert str(_phash(gray, imagehash)) == str(imagehash.phash(gray))


@pytest.mark.filterwarnings("ignore:Possibly corrupt EXIF data .uncollected.")
def test_warnings_are_collected_per_thread() -> None:
    """The pipeline reads one photo's headers while another thread decodes the previous
    photo: a warning raised in one thread is never recorded for the other's photo."""
    import threading
    import warnings

    from ingest.photos import collected_warnings

    inside = threading.Event()
    emitted = threading.Event()
    other: list[str] = []

    def decoder() -> None:
        inside.wait(5)
        with collected_warnings() as mine:
            warnings.warn("Possibly corrupt EXIF data (other photo)", UserWarning,
                          stacklevel=1)
        other.extend(str(w.message) for w in mine)
        # Not collected by this thread: handled as usual (here: ignored by the mark
        # below), never handed to the thread that is collecting.
        warnings.warn("Possibly corrupt EXIF data (uncollected)", UserWarning, stacklevel=1)
        emitted.set()

    thread = threading.Thread(target=decoder)
    thread.start()
    with collected_warnings() as caught:
        inside.set()
        assert emitted.wait(5)
        warnings.warn("Possibly corrupt EXIF data (this photo)", UserWarning, stacklevel=1)
    thread.join(5)
    assert [str(w.message) for w in caught] == ["Possibly corrupt EXIF data (this photo)"]
    assert other == ["Possibly corrupt EXIF data (other photo)"]
