"""C2PA Content Credentials (a signed manifest of how the photo was made and changed).

Read with c2pa-python (the Content Authenticity Initiative's reference library) only when
the bytes carry a manifest label, so photos without one cost a substring search. The
facts are the validation state, the claim generator and the actions recorded: a capture
(``c2pa.created`` with a digital-capture source type) supports "original", an edit action
is ``photo_edited`` (C2PA 2.1 §18.13 "Actions").
"""

from __future__ import annotations

import io
import json
import logging
from typing import Any

log = logging.getLogger(__name__)

_MIME = {"JPEG": "image/jpeg", "HEIF": "image/heic", "PNG": "image/png"}
_CAPTURE_SOURCES = ("digitalcapture", "computationalcapture")
#: Actions that change the pixels (C2PA 2.1 standard actions).
PIXEL_ACTIONS = frozenset(
    {
        "c2pa.edited", "c2pa.cropped", "c2pa.filtered", "c2pa.color_adjustments",
        "c2pa.resized", "c2pa.drawing", "c2pa.orientation", "c2pa.transcoded",
        "c2pa.repackaged", "c2pa.placed", "c2pa.removed", "c2pa.converted",
    }
)  # fmt: skip


def has_manifest(data: bytes, fmt: str | None, jpeg_segments: list[str], header_end: int) -> bool:
    """Whether the file may carry a manifest: in a JPEG an APP11 (JUMBF) segment before the
    scan (C2PA 2.1 §A.3.1) holding the ``c2pa`` label, elsewhere the label anywhere."""
    if fmt == "JPEG":
        return any(s.startswith("APP11") for s in jpeg_segments) and (
            data.find(b"c2pa", 0, header_end) >= 0
        )
    return fmt in _MIME and b"c2pa" in data


def read_c2pa(data: bytes, fmt: str | None) -> dict[str, Any] | None:
    """The active manifest's facts, or None when there is none (or no library)."""
    if fmt not in _MIME:
        return None
    try:
        import c2pa
    except ImportError:  # pragma: no cover - an optional dependency
        return {"state": "unread", "reason": "c2pa-python not installed"}
    try:
        with c2pa.Reader(_MIME[fmt], io.BytesIO(data)) as reader:
            store = json.loads(reader.json())
            state = str(reader.get_validation_state() or "")
    except Exception as exc:  # no manifest after all, or a malformed one
        log.info("C2PA manifest unreadable: %s: %s", type(exc).__name__, str(exc)[:200])
        return None
    return _summary(store, state)


def _summary(store: dict[str, Any], state: str) -> dict[str, Any]:
    """State, generator and actions of the active manifest of a manifest store."""
    manifests = store.get("manifests") or {}
    active = manifests.get(store.get("active_manifest") or "") or {}
    actions: list[str] = []
    capture = False
    for assertion in active.get("assertions") or []:
        if not str(assertion.get("label", "")).startswith("c2pa.actions"):
            continue
        for action in (assertion.get("data") or {}).get("actions") or []:
            name = str(action.get("action", ""))
            actions.append(name)
            source = str(action.get("digitalSourceType", "")).lower()
            if name == "c2pa.created" and any(s in source for s in _CAPTURE_SOURCES):
                capture = True
    generator = active.get("claim_generator") or next(
        (g.get("name") for g in active.get("claim_generator_info") or [] if g.get("name")), None
    )
    return {
        "state": state or "unknown",
        "generator": str(generator)[:120] if generator else None,
        "actions": actions[:20],
        "capture": capture,
        "edits": sorted({a for a in actions if a in PIXEL_ACTIONS}),
    }
