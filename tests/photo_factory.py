"""Photos made by the tests with Pillow: camera-like originals and their spoiled copies."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

from PIL import Image, TiffImagePlugin

from ingest.jpegquality import STD_CHROMINANCE, STD_LUMINANCE, scaled_table
from tinbai.samples import camera_layout

DEFAULT_SIZE = (2000, 1500)


def camera_exif(
    size: tuple[int, int] | None = DEFAULT_SIZE,
    *,
    make: str | None = "samsung",
    model: str | None = "SM-A525F",
    software: str | None = "A525FXXU4CVJB",
    datetime_original: str | None = "2026:10:01 09:30:00",
    exposure: bool = True,
    user_comment: bytes | None = None,
) -> Image.Exif:
    """EXIF as a phone writes it (Make, Model, firmware Software, capture data)."""
    exif = Image.Exif()
    if make:
        exif[271] = make
    if model:
        exif[272] = model
    if software:
        exif[305] = software
    ifd = exif.get_ifd(0x8769)
    if datetime_original:
        ifd[36867] = datetime_original
    if size:
        ifd[40962], ifd[40963] = size
    if exposure:
        ifd[33434] = TiffImagePlugin.IFDRational(1, 120)
        ifd[33437] = TiffImagePlugin.IFDRational(18, 10)
        ifd[34855] = 100
    if user_comment is not None:
        ifd[37510] = user_comment
    return exif


def _image(size: tuple[int, int]) -> Image.Image:
    """A smooth gradient: realistic enough for headers, quick to encode."""
    gradient = Image.linear_gradient("L").resize(size)
    across = gradient.transpose(Image.Transpose.ROTATE_90).resize(size)
    return Image.merge("RGB", (gradient, across, gradient))


def make_jpeg(
    size: tuple[int, int] = DEFAULT_SIZE,
    *,
    quality: int = 95,
    exif: Image.Exif | None = None,
    qtables: Sequence[Sequence[int]] | None = None,
    progressive: bool = False,
    comment: bytes | None = None,
    xmp: bytes | None = None,
    layout: str = "camera",
) -> bytes:
    """A JPEG saved by Pillow (libjpeg tables for ``quality`` unless ``qtables``).

    ``layout="camera"`` (with EXIF) rewrites the header as a phone's (:func:`camera_layout`);
    ``"libjpeg"`` keeps Pillow's own, as a re-encoder writes it.
    """
    out = io.BytesIO()
    params: dict[str, object] = {"progressive": progressive}
    if qtables is not None:
        params["qtables"] = [list(t) for t in qtables]
    else:
        params["quality"] = quality
    if exif is not None:
        params["exif"] = exif
    if comment is not None:
        params["comment"] = comment
    if xmp is not None:
        params["xmp"] = xmp
    _image(size).save(out, "JPEG", **params)
    data = out.getvalue()
    if layout == "camera" and exif is not None and not progressive:
        return camera_layout(data)
    return data


def phone_tables(quality: int = 82) -> list[list[int]]:
    """Custom tables like a phone's: near the IJG scale for ``quality`` but not equal."""
    luma = [max(1, v + (1 if i % 3 == 0 else -1 if i % 5 == 0 else 0))
            for i, v in enumerate(scaled_table(STD_LUMINANCE, quality))]  # fmt: skip
    chroma = [max(1, v + (1 if i % 4 == 0 else 0))
              for i, v in enumerate(scaled_table(STD_CHROMINANCE, quality))]  # fmt: skip
    return [luma, chroma]


def make_png(size: tuple[int, int] = (1080, 2400)) -> bytes:
    """A PNG without EXIF, e.g. a phone screenshot."""
    out = io.BytesIO()
    _image(size).save(out, "PNG")
    return out.getvalue()


def make_heic(size: tuple[int, int], exif: Image.Exif | None = None) -> bytes:
    """A HEIC written by pillow-heif, optionally with EXIF."""
    out = io.BytesIO()
    params: dict[str, object] = {"quality": 90}
    if exif is not None:
        params["exif"] = exif.tobytes()
    _image(size).save(out, "HEIF", **params)
    return out.getvalue()


def claim_size(jpeg: bytes, width: int, height: int) -> bytes:
    """The same JPEG with its SOF header claiming another size (a decompression bomb)."""
    data = bytearray(jpeg)
    for marker in (b"\xff\xc0", b"\xff\xc2"):
        at = data.find(marker)
        if at > 0:
            data[at + 5 : at + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
            return bytes(data)
    raise ValueError("no SOF marker")


def corrupt_exif_jpeg() -> bytes:
    """A JPEG whose EXIF IFD offset points past the block (Pillow: "Corrupt EXIF data")."""
    out = io.BytesIO()
    _image((1600, 1200)).save(out, "JPEG", quality=95, exif=b"Exif\x00\x00II*\x00\xf0\xff\xff\x0f")
    return out.getvalue()


def make_zip(entries: Sequence[tuple[str, bytes]]) -> bytes:
    """A .zip holding ``entries`` as given (names may try path tricks)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return out.getvalue()
