"""The evidence collectors of the photo rules, in the order their evidence is listed.

Each is a small object (name, one-line description, ``collect``) in the module of its
kind: EXIF size and editor traces in :mod:`~validators.photos.signs_exif`, the JPEG
coding in :mod:`~validators.photos.signs_jpeg`, the metadata in
:mod:`~validators.photos.signs_meta` (README "Photo rules").
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from ingest.photos import PhotoFacts
from validators.photos.evidence import SUPPORT, Evidence, EvidenceCollector
from validators.photos.signs_exif import EditorTraces, ExifDimensions
from validators.photos.signs_jpeg import DoubleQuantisation, QuantisationTables, Structure
from validators.photos.signs_meta import (
    ChatSize,
    ContentCredentials,
    MetadataConsistency,
    ReencoderTraces,
)
from validators.settings import PhotoRules

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


#: The evidence gathered inside one :func:`one_judgement` (every rule of one photo asks
#: for it; the facts do not change while they are judged).
_GATHERED: ContextVar[dict[tuple[int, int], list[Evidence]] | None] = ContextVar(
    "gathered", default=None
)


@contextlib.contextmanager
def one_judgement() -> Iterator[None]:
    """Gather each photo's evidence once while the rules judge it (check_photo)."""
    token = _GATHERED.set({})
    try:
        yield
    finally:
        _GATHERED.reset(token)


def gather(photo: PhotoFacts, rules: PhotoRules) -> list[Evidence]:
    """Every collector's evidence about one photo, in collector order."""
    cache = _GATHERED.get()
    key = (id(photo), id(rules))
    if cache is not None and key in cache:
        return cache[key]
    found: list[Evidence] = []
    for collector in COLLECTORS:
        found.extend(collector.collect(photo, rules))
    if cache is not None:
        cache[key] = found
    return found


def for_code(photo: PhotoFacts, rules: PhotoRules, code: str) -> list[Evidence]:
    """The evidence for ``code`` and the evidence supporting the original."""
    return [e for e in gather(photo, rules) if e.code in (code, SUPPORT)]
