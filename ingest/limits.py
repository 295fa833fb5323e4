"""Read limits: how much ingest may read of one photo or document (memory and time bounds).

They are configuration (``validation.photos`` and ``validation.fields`` in config.yaml), but
ingest only fetches and parses and imports nothing from validators: the validators'
settings compose these models (``PhotoRules`` and ``FieldRules`` extend them), so one
config section still holds every key, and ingest gets its bounds without knowing the rules.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PhotoReadLimits(_Strict):
    """Bounds of reading one photo or a .zip of photos."""

    max_photo_bytes: int = Field(
        60_000_000, description="A photo file larger than this is photo_unreadable (too large)."
    )
    max_pixels: int = Field(
        120_000_000,
        description="Width x height above this is a decompression bomb (photo_unreadable); "
        "108-MP phones stay below.",
    )
    zip_max_entries: int = Field(200, description="A .zip with more entries is refused.")
    zip_max_total_bytes: int = Field(
        500_000_000,
        description="A .zip whose entries inflate to more than this (per its central "
        "directory, checked before reading) is refused.",
    )
    standard_table_max_distance: float = Field(
        0.0,
        description="Mean absolute difference per coefficient from the scaled Annex K tables up "
        "to which the tables count as a libjpeg encode (such files, and those with a known "
        "re-encoder's tables, get the double-quantisation analysis).",
    )
    coefficient_sample_blocks: int = Field(
        4_096,
        description="Luminance 8x8 blocks of quantised DCT coefficients read from the top of "
        "a JPEG for the double-quantisation analysis and the thumbnail comparison (0 turns "
        "both off); more is surer and slower.",
    )
    thumbnail_with_own_tables: bool = Field(
        False,
        description="Compare the EXIF thumbnail with the photo (a crop or an edit) also when "
        "the quantisation tables are the camera's own, which only a lossless crop or edit "
        "(jpegtran) keeps; true reads the coefficient sample for every such photo, more than "
        "doubling the check of a 2-5 MP photo. Photos saved again are compared either way.",
    )
    coefficient_max_fraction: float = Field(
        0.1,
        description="At most this fraction of a JPEG's blocks is read for the coefficient "
        "analysis (keeps small photos cheap).",
    )


class DocumentReadLimits(_Strict):
    """Bounds of reading one article document."""

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


class ReadLimits(Protocol):
    """The read limits of one message: what ``validators.settings.ValidationSettings``
    offers ingest (a protocol, so ingest names no validators class)."""

    @property
    def fields(self) -> DocumentReadLimits: ...
    @property
    def photos(self) -> PhotoReadLimits: ...
