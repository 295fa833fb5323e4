"""Thresholds of the checks, as read from the ``validation`` section of config.yaml."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ingest.limits import DocumentReadLimits, PhotoReadLimits


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldRules(DocumentReadLimits):
    """Rules for the template fields (the document read limits of ingest included)."""

    min_body_words: int = Field(80, description="Fewer words in the body give body_too_short.")
    text_duplicate_similarity: float = Field(
        0.6, gt=0, le=1, description="A body whose 5-word shingles overlap an earlier body's "
        "this much (estimated Jaccard similarity) gives text_duplicate."
    )
    text_duplicate_min_words: int = Field(
        30, ge=5, description="Bodies shorter than this (in words) are not compared."
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


class PhotoRules(PhotoReadLimits):
    """Thresholds of the photo rules (SPEC §3), the photo read limits of ingest included;
    see README "Photo rules"."""

    min_long_side: int = Field(1200, description="Long side below this gives photo_too_small.")
    decoration_max_side: int = Field(
        400,
        description="An image inside the mail's HTML or the document whose long side is at "
        "most this (a signature logo, a letterhead, an emoji) is decoration: not an inserted "
        "photo (photo_embedded) and not a photo of the item.",
    )
    min_quality: int = Field(
        90,
        description="Estimated JPEG quality below this is weak evidence of a re-save (counts "
        "only with another sign).",
    )
    standard_min_quality: int = Field(
        80,
        description="Exact libjpeg (Annex K) tables below this quality are strong evidence of a "
        "re-save even with camera EXIF; phones that use libjpeg tables save at 85-96.",
    )
    hard_min_quality: int = Field(
        70,
        description="Custom (non-libjpeg) tables below this estimated quality are medium "
        "evidence (cameras have low-quality modes with their own tables).",
    )
    chat_long_sides: list[int] = Field(
        default_factory=lambda: [1280, 1600, 2048],
        description="Long sides chat apps and social networks resize to (weak evidence: "
        "counts only with another sign).",
    )
    resize_tolerance_px: int = Field(
        16,
        description="Pixel size may differ from EXIF PixelX/YDimension by this much (MCU "
        "padding) before photo_resized.",
    )
    evidence_error_points: int = Field(
        4,
        description="Each kind of evidence counts as its strongest sign (medium 2, weak 1), "
        "signs supporting the original -2: this sum, from at least two kinds, makes an error "
        "(strong evidence alone always does).",
    )
    evidence_warning_points: int = Field(
        3, description="This sum of evidence points makes a warning for editors."
    )
    families_file: str = Field(
        "",
        description="Per-maker JPEG family data (JSON, see validators/photos/families.py); "
        "empty: the data shipped with tinbai, built from real camera originals.",
    )
    family_min_models: int = Field(
        3,
        description="Exact libjpeg tables under a maker seen with this many models and never "
        "with libjpeg tables are strong evidence (fewer models: medium).",
    )
    libjpeg_quality_margin: int = Field(
        2,
        description="libjpeg tables more than this below the lowest quality the maker was seen "
        "to write with them are medium evidence of a re-save.",
    )
    dq_frequency_z: float = Field(
        6.0,
        description="A DCT frequency whose log-histogram departs from smooth by more than this "
        "z-score counts as periodically modulated (double quantisation).",
    )
    dq_min_periodic: int = Field(
        8,
        description="Modulated frequencies needed for double-quantisation evidence (the "
        "statistic also reacts to upscaled content, hence a margin).",
    )
    dq_min_score: float = Field(
        8.0,
        description="Median z-score over the analysed frequencies needed for "
        "double-quantisation evidence.",
    )
    thumbnail_aspect_tolerance: float = Field(
        0.03,
        description="The EXIF thumbnail's aspect may differ from the image's by this fraction "
        "(DCF 160x120 thumbnails are not compared) before it counts as a crop.",
    )
    thumbnail_min_correlation: float = Field(
        0.5,
        description="The EXIF thumbnail's top and the photo's (from DC coefficients) must "
        "correlate at least this much; less is medium evidence of a crop or an edit.",
    )
    dcf_thumbnail_sizes: list[tuple[int, int]] = Field(
        default_factory=lambda: [(160, 120)],
        description="Fixed thumbnail sizes (DCF) whose aspect says nothing about the image.",
    )
    modify_date_min_seconds: int = Field(
        60,
        description="EXIF ModifyDate later than DateTimeOriginal by more than this is weak "
        "evidence the photo was saved again.",
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


class ValidationSettings(_Strict):
    """Everything the checks need besides the candidate itself."""

    fields: FieldRules = Field(default_factory=FieldRules)
    photos: PhotoRules = Field(default_factory=PhotoRules)
