"""Perceptual hashes of a message's photos, computed in a thread of their own.

Decoding a photo for its pHash is about half of a photo mail's CPU time, and Pillow
releases the GIL while decoding: on a backlog one thread hashes the photos of the message
just read while the read-ahead thread parses the next one and the main thread commits
(benchmarks/poll.py).
"""

from __future__ import annotations

import functools
from concurrent.futures import Future, ThreadPoolExecutor

from ingest.photos import perceptual_hash
from tinbai.evaluate import Reading


def _perceptual_hashes(reading: Reading) -> list[str | None]:
    """The pHash of each readable photo of ``reading`` (None for the others)."""
    return [
        perceptual_hash(data) if data and not photo.error else None
        for photo, data in zip(reading.candidate.photos, reading.photo_payloads, strict=False)
    ]


@functools.cache
def _photo_hasher() -> ThreadPoolExecutor:
    """The one thread that decodes photos for their pHash."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="tinbai-phash")


def hash_photos(reading: Reading) -> Future[list[str | None]]:
    """Start hashing the photos of ``reading``; the future holds one hash per photo."""
    return _photo_hasher().submit(_perceptual_hashes, reading)


def photos_by_digest(
    reading: Reading, hashes: list[str | None]
) -> dict[str, tuple[bytes, str | None]]:
    """The photos read from this message by SHA-256: their bytes and perceptual hash."""
    photos = reading.candidate.photos
    payloads = dict(zip((p.sha256 for p in photos), reading.photo_payloads, strict=False))
    phashes = dict(zip((p.sha256 for p in photos), hashes, strict=False))
    return {sha: (data, phashes.get(sha)) for sha, data in payloads.items()}
