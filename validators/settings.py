"""Thresholds of the checks, as read from the ``validation`` section of config.yaml."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldRules(_Strict):
    """Rules for the template fields."""

    min_body_words: int = Field(80, description="Fewer words in the body give body_too_short.")


class PhotoRules(_Strict):
    """Thresholds of the photo rules (SPEC §3); see README "Photo rules"."""

    min_long_side: int = Field(1200, description="Long side below this gives photo_too_small.")


class ValidationSettings(_Strict):
    """Everything the checks need besides the candidate itself."""

    fields: FieldRules = Field(default_factory=FieldRules)
    photos: PhotoRules = Field(default_factory=PhotoRules)
