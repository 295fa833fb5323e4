"""Thresholds of the checks, as read from the ``validation`` section of config.yaml."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldRules(_Strict):
    """Rules for the template fields."""

    min_body_words: int = Field(80, description="Fewer words in the body give body_too_short.")
    max_document_bytes: int = Field(
        30_000_000, description="An attached article document larger than this is unreadable."
    )
    max_document_inflate_bytes: int = Field(
        100_000_000,
        description="A .docx whose zip entries inflate past this (per its central directory, "
        "checked before reading) is document_unreadable (zip bomb guard).",
    )
    max_document_entries: int = Field(
        2_000, description="A .docx with more zip entries than this is document_unreadable."
    )
    soffice_timeout_seconds: float = Field(
        60.0, description="Time allowed to LibreOffice to convert one .doc to .docx."
    )


# fmt: off
_EDITOR_NAMES: tuple[str, ...] = (
    "photoshop", "gimp", "lightroom", "snapseed", "picsart", "canva", "meitu",
    "photo gallery", "paint.net", "paintshop", "corel", "affinity", "pixlr", "fotor",
    "vsco", "facetune", "photoscape", "acdsee", "capture one", "darktable",
    "rawtherapee", "luminar", "picasa", "faststone", "pixelmator", "photodirector",
    "lightx", "airbrush", "youcam", "b612", "beautycam", "beautyplus", "ulike",
    "polarr", "inshot", "remini", "picmonkey", "befunky", "photo editor",
    "imagemagick", "graphicsmagick", "xnview", "irfanview", "camera raw",
)
_REENCODER_NAMES: tuple[str, ...] = (
    "facebook", "instagram", "zalo", "messenger", "whatsapp", "telegram", "viber",
    "tinypng", "tinyjpg", "compressor", "imageoptim", "squoosh", "jpegoptim",
    "mozjpeg", "jpegmini", "optimizer", "uploader",
)
_SCREEN_SIZES: tuple[tuple[int, int], ...] = (
    (720, 1280), (720, 1520), (720, 1560), (720, 1600), (750, 1334), (828, 1792),
    (1080, 1920), (1080, 2160), (1080, 2220), (1080, 2280), (1080, 2340),
    (1080, 2400), (1080, 2408), (1125, 2436), (1170, 2532), (1179, 2556),
    (1242, 2208), (1242, 2688), (1284, 2778), (1290, 2796), (1440, 2560),
    (1440, 2960), (1440, 3040), (1440, 3088), (1440, 3120), (1440, 3200),
    (768, 1366), (800, 1280), (864, 1536), (900, 1440), (900, 1600),
    (1024, 1280), (1050, 1680), (1200, 1920), (1600, 2560),
    (1800, 2880), (2160, 3840), (1668, 2388), (1620, 2160),
)
# fmt: on


class PhotoRules(_Strict):
    """Thresholds of the photo rules (SPEC §3); see README "Photo rules"."""

    min_long_side: int = Field(1200, description="Long side below this gives photo_too_small.")
    max_photo_bytes: int = Field(
        60_000_000, description="A photo file larger than this is photo_unreadable (too large)."
    )
    max_pixels: int = Field(
        120_000_000,
        description="Width x height above this is a decompression bomb (photo_unreadable); "
        "108-MP phones stay below.",
    )
    min_quality: int = Field(
        90,
        description="Estimated JPEG quality below this is photo_recompressed when another sign "
        "agrees: no camera EXIF, a chat-app long side, resized, progressive, re-encoder trace.",
    )
    standard_min_quality: int = Field(
        80,
        description="Exact libjpeg (Annex K) tables below this quality are photo_recompressed "
        "even with camera EXIF; phones that use libjpeg tables save at 85-95.",
    )
    hard_min_quality: int = Field(
        70,
        description="Estimated quality below this is photo_recompressed whatever else the file "
        "says (phones with custom tables sit at 79-98).",
    )
    standard_table_max_distance: float = Field(
        0.0,
        description="Mean absolute difference per coefficient from the scaled Annex K tables up "
        "to which the tables count as a libjpeg encode.",
    )
    chat_long_sides: list[int] = Field(
        default_factory=lambda: [1280, 1600, 2048],
        description="Long sides chat apps and social networks resize to.",
    )
    resize_tolerance_px: int = Field(
        16,
        description="Pixel size may differ from EXIF PixelX/YDimension by this much (MCU "
        "padding) before photo_resized.",
    )
    editor_names: list[str] = Field(
        default_factory=lambda: list(_EDITOR_NAMES),
        description="Editor names (case-insensitive substrings) that make EXIF Software, "
        "XMP CreatorTool, XMP history agents or a JPEG comment count as photo_edited.",
    )
    reencoder_names: list[str] = Field(
        default_factory=lambda: list(_REENCODER_NAMES),
        description="Names in EXIF Software, XMP CreatorTool or a JPEG comment that are "
        "re-encoder traces (photo_recompressed).",
    )
    screen_sizes: list[tuple[int, int]] = Field(
        default_factory=lambda: list(_SCREEN_SIZES),
        description="Screen resolutions (either orientation): without camera EXIF, an image "
        "of exactly this size is photo_screenshot.",
    )
    screen_min_aspect: float = Field(
        1.9,
        description="Without camera EXIF, an image this elongated (phone screens are 19.5:9) "
        "with a short side in screen_short_sides is photo_screenshot.",
    )
    screen_short_sides: list[int] = Field(
        default_factory=lambda: [720, 750, 828, 1080, 1125, 1170, 1179, 1242, 1284, 1290, 1440],
        description="Short sides of phone screens, used with screen_min_aspect.",
    )
    zip_max_entries: int = Field(200, description="A .zip with more entries is refused.")
    zip_max_total_bytes: int = Field(
        500_000_000,
        description="A .zip whose entries inflate to more than this (per its central "
        "directory, checked before reading) is refused.",
    )


class ValidationSettings(_Strict):
    """Everything the checks need besides the candidate itself."""

    fields: FieldRules = Field(default_factory=FieldRules)
    photos: PhotoRules = Field(default_factory=PhotoRules)
