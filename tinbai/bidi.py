"""Bidirectional control characters in what people typed (U+202E and friends).

An author name or a title carrying RIGHT-TO-LEFT OVERRIDE reorders what editors read
around it ("‮gpj.exe" shows as "exe.jpg"; a name can flip the sender's address and the
date after it). Stored template values are cleaned when mail is read and when an editor
corrects a field, with a note in the audit log (:mod:`tinbai.intake`,
:mod:`tinbai.decisions`); the pages also strip them from every value they print and
isolate user text (``<bdi>``, ``unicode-bidi: isolate``) so legitimate right-to-left text
cannot spill into its neighbours either.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

#: LRE, RLE, PDF, LRO, RLO (U+202A–U+202E), LRI, RLI, FSI, PDI (U+2066–U+2069), and the
#: Arabic letter mark (U+061C). The marks LRM/RLM (U+200E/F) are harmless and kept.
CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u061c]")


def strip_bidi(text: str) -> str:
    """``text`` without bidirectional embedding, override and isolate controls."""
    return CONTROLS.sub("", text)


def clean_fields(fields: MutableMapping[str, Any]) -> dict[str, int]:
    """Strip the controls from every text value in place (others are left as they are);
    {key: how many were removed}."""
    removed: dict[str, int] = {}
    for key, value in list(fields.items()):
        if isinstance(value, str):
            count = len(CONTROLS.findall(value))
            if count:
                fields[key] = strip_bidi(value)
                removed[key] = count
    return removed
