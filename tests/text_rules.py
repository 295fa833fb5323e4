"""The text rules of what office workers read (issue 16), for pages and exports.

:func:`violations` returns, for a text people read, every place it shows the code
underneath: a problem code or other internal key (``invalid_phone``, ``pending_review``),
a MIME type (``text/html``), a JPEG marker name (``APP0:JFIF``), a Python value (``None``,
``[]``), an ISO or EXIF date (``2026-12-01``, ``2026:11:03``), a 12-hour time, a decimal
point (``0.8``; Vietnamese writes ``0,8`` and ``1.234.567``), a command option
(``--coefficient``), a genre key shown for its label ("thể loại bai"), or an English
word. What people wrote (titles, names, addresses, file names…) is theirs: pass its words
as ``data`` and they are not judged.

"English word" is decided without a dictionary: a word written in ASCII letters only must
be a possible Vietnamese syllable written without its tone marks (onset, vowels, final:
"tin", "theo", "Nhuan"), or one of the few names office staff use as they are
(:data:`ALLOWED_WORDS`). English and technical words ("text", "html", "progressive",
"error", "None", "JFIF") are not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from store import lifecycle
from tinbai.alerts import TITLES as ALERT_KINDS
from tinbai.finance.batches import FLAG_LABELS
from tinbai.formatting import BROWSER_NAMES
from tinbai.web.context import ROLE_LABELS
from tinbai.web.messages import KIND_LABELS
from validators.problems import CATALOGUE

#: Names used as they are: file formats and programs office staff know, abbreviations of
#: Vietnamese forms and signatures (TM. = thay mặt), Roman numerals of quarters, units.
ALLOWED_WORDS: frozenset[str] = frozenset({
    "JPEG", "PNG", "HEIC", "HEIF", "Word", "Excel", "CSV", "Photoshop", "email", "URL",
    "http", "https", "STT", "STK", "TK", "TNCN", "VD", "vd", "TB", "NB", "II", "III", "IV",
    "MB", "KB", "px", "TM", "KT", "TL",
    # Browsers and systems by their names (the sessions page: "Chrome trên Windows").
    *(word for name in BROWSER_NAMES for word in re.split(r"[\s/]+", name)),
})

#: Internal keys that must never be read as text: problem codes, statuses, dispositions,
#: alert kinds, payee flags, roles.
CODE_WORDS: frozenset[str] = frozenset({
    *CATALOGUE, *lifecycle.STATUSES, *KIND_LABELS, *ALERT_KINDS, *FLAG_LABELS, *ROLE_LABELS,
    "open", "cancelled",
})

_ONSET = r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?"
_SYLLABLE = re.compile(rf"^{_ONSET}[aeiouy]{{1,3}}(?:ch|ng|nh|[cmnpt])?$")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_CHUNK = re.compile(r"\S+")
_PUNCT = "«»“”\"'()[]{}.,;:!?…·—–-/\\|<>"

PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("internal key", re.compile(r"(?<![\w.@/-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w@/-])")),
    ("MIME type", re.compile(
        r"\b(?:text|image|application|multipart|message|audio|video)/[a-z0-9.+-]+", re.I)),
    ("JPEG marker", re.compile(r"\bAPP\d{1,2}\b|\bJFIF\b|\bSOF\d\b|\bDQT\b|\bDHT\b|\bSOS\b")),
    ("Python value", re.compile(
        r"\b(?:None|True|False|NaN)\b|\[\]|\{\}|\[['\"]|\{['\"]|\bDecimal\(|\bdatetime\(")),
    ("ISO date", re.compile(r"\b\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2})?")),
    ("EXIF date", re.compile(r"\b\d{4}:\d{2}:\d{2}\b")),
    ("12-hour time", re.compile(r"\b\d{1,2}(?::\d{2})?\s?(?:AM|PM|am|pm|a\.m\.|p\.m\.)")),
    ("option name", re.compile(r"(?<![\w-])--[a-z][\w-]*")),
    ("thousands comma", re.compile(r"\b\d{1,3}(?:,\d{3}){2,}\b")),
)
#: A number with a decimal point; "2.1." (a section number, its own dot after) is not.
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:\.\d+)+(?![\w]|\.\d|\.(?:\s|$))")
_THOUSANDS = re.compile(r"^\d{1,3}(?:\.\d{3})+$")
#: An IPv4 address (the sessions page shows where a browser logged in from) is not a number.
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")


def data_words(values: Iterable[object]) -> frozenset[str]:
    """The chunks (whitespace-separated, punctuation trimmed) of what people wrote."""
    found: set[str] = set()
    for value in values:
        for chunk in _CHUNK.findall(str(value or "")):
            trimmed = chunk.strip(_PUNCT)
            if trimmed:
                found.add(trimmed)
                found.update(w for w in re.split(r"[/\-–—_.,:;]+", trimmed) if w)
    return frozenset(found)


def _own_text(text: str, data: frozenset[str]) -> str:
    """``text`` without the chunks that are data (what people wrote)."""
    kept = []
    for chunk in _CHUNK.findall(text):
        trimmed = chunk.strip(_PUNCT)
        if trimmed and trimmed in data:
            continue
        kept.append(chunk)
    return " ".join(kept)


def is_vietnamese_syllable(word: str) -> bool:
    """Whether an ASCII word could be a Vietnamese syllable written without tone marks."""
    return bool(_SYLLABLE.match(word.lower()))


def violations(
    text: str, data: frozenset[str] = frozenset(), *, genre_keys: Iterable[str] = ()
) -> list[str]:
    """Every rule ``text`` breaks, as "rule: what" lines (empty when it reads well)."""
    own = _own_text(text, data)
    found = [f"{name}: {m.group(0)!r}" for name, pattern in PATTERNS
             for m in pattern.finditer(own)]
    found += [f"decimal point: {m.group(0)!r}" for m in _NUMBER.finditer(own)
              if not _THOUSANDS.match(m.group(0)) and not _IPV4.match(m.group(0))]
    words = _WORD.findall(own)
    found += [f"internal key: {w!r}" for w in words if w in CODE_WORDS]
    keys = {k for k in genre_keys if k.isascii()}
    found += [f"genre key: {w!r}" for w in words if w in keys]
    # Letters written with digits are patterns and codes ("02xx", "Q3", "A4"), not words.
    plain = [w for chunk in _CHUNK.findall(own) if not any(c.isdigit() for c in chunk)
             for w in _WORD.findall(chunk)]
    found += [f"English word: {w!r}" for w in plain
              if w.isascii() and len(w) > 1 and w not in ALLOWED_WORDS
              and not is_vietnamese_syllable(w)]
    return found
