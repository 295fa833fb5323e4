"""Which attachments are photos, and which photo formats the rules read (SPEC §3)."""

from __future__ import annotations

#: Formats the rules read (SPEC §3); anything else is ``photo_unsupported_format``.
SUPPORTED_FORMATS = frozenset({"JPEG", "HEIF", "PNG"})

#: Extensions of the supported formats: a file named so that cannot be opened is unreadable.
SUPPORTED_EXTENSIONS = frozenset({"jpg", "jpeg", "jpe", "jfif", "heic", "heif", "hif", "png"})

#: Every image extension: these count as photos so unsupported ones get a clear problem.
IMAGE_EXTENSIONS = SUPPORTED_EXTENSIONS | frozenset(
    {
        "gif", "bmp", "dib", "webp", "tif", "tiff", "avif", "jxl", "jp2", "j2k", "ico",
        "svg", "psd", "dng", "cr2", "cr3", "nef", "arw", "orf", "rw2", "raf", "srw", "pef",
        "raw", "tga", "pcx", "emf", "wmf", "jxr", "hdp", "wdp", "mpo", "avifs", "heics",
    }
)  # fmt: skip


def _extension(filename: str) -> str:
    """Lower-case extension without the dot."""
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def is_photo_candidate(filename: str, content_type: str) -> bool:
    """Whether an attachment is meant as a photo: image/* or an image extension."""
    ctype = (content_type or "").split(";", 1)[0].strip().lower()
    if ctype.startswith("image/"):
        return True
    return _extension(filename) in IMAGE_EXTENSIONS
