"""The evidence collectors of the photo rules, in the order their evidence is listed.

Each is a small object (name, one-line description, ``collect``) in the module of its
kind: EXIF size and editor traces beside their rules (:mod:`~validators.photos.resized`,
:mod:`~validators.photos.edited`), the JPEG coding in :mod:`~validators.photos.signs_jpeg`,
the metadata in :mod:`~validators.photos.signs_meta` (README "Photo rules").
"""

from __future__ import annotations

from validators.photos.edited import EditorTraces
from validators.photos.evidence import EvidenceCollector
from validators.photos.resized import ExifDimensions
from validators.photos.signs_jpeg import DoubleQuantisation, QuantisationTables, Structure
from validators.photos.signs_meta import (
    ChatSize,
    ContentCredentials,
    MetadataConsistency,
    ReencoderTraces,
)

COLLECTORS: tuple[EvidenceCollector, ...] = (
    ExifDimensions(),
    EditorTraces(),
    ReencoderTraces(),
    QuantisationTables(),
    Structure(),
    DoubleQuantisation(),
    MetadataConsistency(),
    ContentCredentials(),
    ChatSize(),
)
