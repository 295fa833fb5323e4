"""Where the shared reference data lives: ``../shared`` beside the checkout.

The corpora (real photos, hostile mail) and the seed documents are read in place, never
copied into the project; tests that need them skip when they are absent.
"""

from __future__ import annotations

from pathlib import Path

_CANDIDATES = (
    Path(__file__).resolve().parents[2] / "shared",  # CI: a clone with shared/ beside it
    Path("/work/shared"),  # the developers' machines
)


def shared_dir() -> Path:
    """The first shared folder that exists (the first candidate when none does)."""
    return next((p for p in _CANDIDATES if p.is_dir()), _CANDIDATES[0])


SHARED = shared_dir()
MAIL_CORPUS = SHARED / "corpus" / "mail-parser-mails"
PHOTO_CORPUS = SHARED / "corpus" / "exif-samples"
SEEDS = SHARED / "seeds"
CAMERA_ORIGINALS = SHARED / "corpus" / "camera-originals"


def jpegs(root: Path) -> list[Path]:
    """The JPEG files under ``root``, sorted (none when the folder is absent)."""
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg"))
