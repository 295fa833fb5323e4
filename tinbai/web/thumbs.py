"""Photo thumbnails: made once per photo (JPEG draft decoding, HEIC too), cached on disk."""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image, ImageOps
from pillow_heif import register_heif_opener

from store.files import write_atomically

register_heif_opener()  # HEIC/HEIF (iPhone) photos

THUMB_SIZE = (480, 480)
_HEX = re.compile(r"^[0-9a-f]{64}$")

Image.MAX_IMAGE_PIXELS = 120_000_000  # the photo rules already refused bombs


def thumb_path(thumbs_dir: Path, sha256: str) -> Path | None:
    """Where the thumbnail of a photo with this digest is cached (None: not a digest)."""
    if not _HEX.match(sha256 or ""):
        return None
    return thumbs_dir / sha256[:2] / f"{sha256}-{THUMB_SIZE[0]}.jpg"


def make_thumbnail(source: Path, target: Path) -> Path:
    """Write the thumbnail of ``source`` to ``target`` unless it exists; return ``target``."""
    if target.exists():
        return target
    with Image.open(source) as image:
        image.draft("RGB", THUMB_SIZE)  # JPEG: decode at 1/2, 1/4 or 1/8 scale directly
        small = ImageOps.exif_transpose(image) or image
        small = small.convert("RGB")
        small.thumbnail(THUMB_SIZE, Image.Resampling.LANCZOS)
        out = io.BytesIO()
        small.save(out, "JPEG", quality=82, optimize=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(target, out.getvalue())
    return target
