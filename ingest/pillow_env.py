"""Pillow, set up once for reading untrusted photos: HEIF opener, pixel limit, warnings.

Imported by every ingest module that opens images, so the set-up happens once per
process, not per photo.

Pillow reports corrupt EXIF as a warning, which the rules need per photo. The standard
``warnings.catch_warnings()`` swaps process-wide state: while the pipeline reads one
photo's headers in one thread and decodes another for its pHash in a second, a warning
from one thread could be recorded for the other photo, and the filters left behind could
belong to either. Instead, one router (installed once, idempotent) hands each warning
raised while a thread collects to that thread's list; other warnings go on as before.
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Iterator
from typing import Any

from PIL import Image

from ingest.limits import PhotoReadLimits

try:  # pillow-heif is a dependency; without it a HEIC is reported unreadable, not a crash
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover
    pass

#: Pillow refuses (DecompressionBombError / the warning made an error below) images whose
#: header claims more pixels than this; set once here, changed only by a config that asks
#: for another limit (:func:`ensure_pixel_limit`).
Image.MAX_IMAGE_PIXELS = PhotoReadLimits().max_pixels

_PIXEL_LOCK = threading.Lock()


def ensure_pixel_limit(max_pixels: int) -> None:
    """Make Pillow's decompression-bomb limit ``max_pixels`` if a config changed it."""
    if max_pixels != Image.MAX_IMAGE_PIXELS:
        with _PIXEL_LOCK:
            Image.MAX_IMAGE_PIXELS = max_pixels


_CAPTURE = threading.local()
_ROUTER_LOCK = threading.Lock()
_shown_before_router = warnings.showwarning  # where warnings nobody collects go


def _route_warning(
    message: Warning | str, category: type[Warning], filename: str, lineno: int,
    file: Any = None, line: str | None = None,
) -> None:
    sink: list[warnings.WarningMessage] | None = getattr(_CAPTURE, "sink", None)
    if sink is not None:
        sink.append(warnings.WarningMessage(message, category, filename, lineno, file, line))
        return
    _shown_before_router(message, category, filename, lineno, file, line)


def _install_router() -> None:
    """Route warnings.showwarning through :func:`_route_warning` (again, if a
    catch_warnings() block, as pytest uses, put the previous one back)."""
    global _shown_before_router
    if warnings.showwarning is _route_warning:  # installed: the usual case, no lock needed
        return
    with _ROUTER_LOCK:
        if warnings.showwarning is _route_warning:
            return
        _shown_before_router = warnings.showwarning
        warnings.showwarning = _route_warning
        # Every Pillow warning is reported (not once per place), and a decompression bomb
        # is an error everywhere in the process. (catch_warnings() restores the filters
        # together with showwarning, so they are put back here together.)
        warnings.filterwarnings("always", module=r"PIL(\.|$)")
        warnings.filterwarnings("error", category=Image.DecompressionBombWarning)


@contextlib.contextmanager
def collected_warnings() -> Iterator[list[warnings.WarningMessage]]:
    """The warnings raised in this thread inside the block, collected, not printed."""
    _install_router()
    previous = getattr(_CAPTURE, "sink", None)
    sink: list[warnings.WarningMessage] = []
    _CAPTURE.sink = sink
    try:
        yield sink
    finally:
        _CAPTURE.sink = previous
