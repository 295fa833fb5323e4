"""Normalisation of template values: phone, bank account, bank, names, units.

Every function here takes the raw text a contributor typed and returns either a clean value
or ``None`` when it cannot be sure; none of them raises on arbitrary input, because the
validators turn ``None`` into a problem for the contributor. An unexpected error on the
way is logged (``ingest.normalize``, a warning naming the function and the error type,
not the personal value) before ``None`` is returned, so it is seen, not hidden.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Protocol

import phonenumbers
from rapidfuzz import fuzz

log = logging.getLogger(__name__)


def _swallowed(where: str, exc: Exception) -> None:
    """Log an unexpected error on contributor text (never the text: it is personal data)."""
    log.warning("%s: unexpected %s on contributor text; value treated as unreadable",
                where, type(exc).__name__)


#: Fuzzy thresholds for unit names (ratio 0-100; the margin over the runner-up).
UNIT_FUZZY_THRESHOLD = 90.0
UNIT_FUZZY_MARGIN = 5.0

ACCOUNT_MIN_DIGITS = 6
ACCOUNT_MAX_DIGITS = 19


@dataclass(frozen=True)
class BankInfo:
    """A bank of the VietQR/NAPAS list."""

    bin: str
    code: str
    short_name: str
    name: str


class UnitLike(Protocol):
    """Anything with a unit ``name`` and its ``aliases`` (e.g. a config.yaml registry entry)."""

    @property
    def name(self) -> str: ...

    @property
    def aliases(self) -> Sequence[str]: ...


@dataclass
class UnitEntry:
    """One unit of the registry: canonical name, kind (configuration) and aliases."""

    name: str
    aliases: list[str] = field(default_factory=list)
    kind: str = ""


# --------------------------------------------------------------------------- folding


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """One character without diacritics, lower case; exactly one character out.

    Why: a 1:1 fold lets the template reader match labels on the folded line and cut the
    value from the original line at the same offset.
    """
    if ch in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", ch)[:1] or ch
    low = base.lower()
    return low[:1] if low else base


def fold_keep_length(s: str) -> str:
    """Lower-case, diacritic-free copy of ``s`` with the same length (no space collapsing)."""
    if s.isascii():
        return s.lower()  # the common case (labels without diacritics), at C speed
    return "".join(map(_fold_char, s))


_SPACE_RE = re.compile(r"\s+")


def fold(s: str) -> str:
    """Lower-case, no diacritics, đ→d, collapsed spaces: the key for loose comparisons."""
    s = unicodedata.normalize("NFC", s)
    return _SPACE_RE.sub(" ", fold_keep_length(s)).strip()


def holder_ascii(name: str) -> str:
    """Account holder as banks want it: upper case, no diacritics, Đ→D, single spaces."""
    return fold(name).upper()


# --------------------------------------------------------------------------- phone

_PHONE_CANDIDATE_RE = re.compile(r"(?:\(\s*\+?\d{2}\s*\)\s*|\+)?\d[\d .\-()/]{6,40}\d")
_PHONE_SPLIT_RE = re.compile(r"\s*[/;]\s*|\s+-\s+|\s{2,}")


def normalize_phone(raw: str) -> str | None:
    """A Vietnamese phone number in E.164 (``+84…``), or None when not a valid VN number.

    Accepts mobile numbers (10 digits, 03/05/07/08/09), landlines (11 digits, 02xx), the
    +84 / 84 / (+84) forms and dots, spaces, dashes as separators; extra words around the
    number ("0983 123 456 (Zalo)") are ignored.
    """
    try:
        text = unicodedata.normalize("NFKC", raw or "")
        cands: list[str] = []
        for m in _PHONE_CANDIDATE_RE.finditer(text):
            cands.append(m.group(0))
            cands.extend(p for p in _PHONE_SPLIT_RE.split(m.group(0)) if p != m.group(0))
        for cand in cands:
            digits = re.sub(r"\D", "", cand)
            if cand.lstrip().startswith(("+", "(")) or (
                digits.startswith("84") and len(digits) in (11, 12)
            ):
                digits = "+" + digits if not digits.startswith("0") else digits
            try:
                num = phonenumbers.parse(digits, "VN")
            except phonenumbers.NumberParseException:
                continue
            if num.country_code != 84 or not phonenumbers.is_valid_number(num):
                continue
            return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    except Exception as exc:  # a bad value is a problem for the contributor, not a crash
        _swallowed("normalize_phone", exc)
        return None
    return None


# --------------------------------------------------------------------------- banks


@lru_cache(maxsize=1)
def _bank_table() -> tuple[tuple[BankInfo, tuple[str, ...]], ...]:
    """(bank, aliases) pairs of the dated VietQR/NAPAS snapshot in ``ingest/data/banks.json``."""
    data: dict[str, Any] = json.loads(
        resources.files("ingest").joinpath("data/banks.json").read_text(encoding="utf-8")
    )
    return tuple(
        (
            BankInfo(
                bin=str(b["bin"]),
                code=str(b["code"]),
                short_name=str(b["short_name"]),
                name=str(b["name"]),
            ),
            tuple(str(a) for a in b.get("aliases", [])),
        )
        for b in data["banks"]
    )


def load_banks() -> tuple[BankInfo, ...]:
    """The banks of the shipped snapshot, in file order."""
    return tuple(bank for bank, _ in _bank_table())


def banks_snapshot_date() -> str:
    """The date of the shipped bank list snapshot."""
    data = json.loads(
        resources.files("ingest").joinpath("data/banks.json").read_text(encoding="utf-8")
    )
    return str(data.get("snapshot_date", ""))


def _alias_pattern(alias: str) -> str:
    """Regex for a folded alias: words separated by any run of spaces/punctuation, or none."""
    words = [w for w in re.split(r"[\s\-.&/]+", fold(alias)) if w]
    return r"[\s\-.&/]*".join(re.escape(w) for w in words)


@lru_cache(maxsize=1)
def _bank_patterns() -> list[tuple[int, re.Pattern[str], BankInfo]]:
    pats: list[tuple[int, re.Pattern[str], BankInfo]] = []
    for bank, aliases in _bank_table():
        names = {bank.short_name, bank.code, *aliases}
        for alias in names:
            body = _alias_pattern(alias)
            if not body:
                continue
            pats.append(
                (len(fold(alias)), re.compile(r"(?<![a-z0-9])" + body + r"(?![a-z0-9])"), bank)
            )
    pats.sort(key=lambda p: -p[0])
    return pats


def find_bank(text: str) -> BankInfo | None:
    """The bank named in free text ("tại Agribank chi nhánh…", "NH Ngoại thương", "VCB").

    The longest alias found wins (so "Đông Nam Á" is SeABank, not Nam Á Bank); None when
    no known bank is named.
    """
    try:
        folded = fold(text or "")
        if not folded:
            return None
        best: tuple[int, int, BankInfo] | None = None
        for length, pat, bank in _bank_patterns():
            if best is not None and length < best[0]:
                break
            m = pat.search(folded)
            if m and (best is None or m.start() < best[1]):
                best = (length, m.start(), bank)
        return best[2] if best else None
    except Exception as exc:  # never crash on contributor text
        _swallowed("find_bank", exc)
        return None


_ACCOUNT_GROUP_RE = re.compile(r"\d(?:[ .\-]?\d)*")


def parse_bank_account(raw: str) -> tuple[str | None, BankInfo | None]:
    """Account digits and the bank named beside them.

    "3951 0001 2345 67 tại Agribank chi nhánh Chợ Đồn" → ("39510001234567", Agribank).
    The digits are the longest run of digits separated only by single spaces, dots or
    dashes; None unless it has 6-19 digits.
    """
    try:
        text = unicodedata.normalize("NFKC", raw or "")
        groups = [re.sub(r"\D", "", m.group(0)) for m in _ACCOUNT_GROUP_RE.finditer(text)]
        digits = max(groups, key=len) if groups else ""
        account = digits if ACCOUNT_MIN_DIGITS <= len(digits) <= ACCOUNT_MAX_DIGITS else None
        return account, find_bank(text)
    except Exception as exc:
        _swallowed("parse_bank_account", exc)
        return None, None


# --------------------------------------------------------------------------- units

_UNIT_NOISE_RE = re.compile(r"[\"'“”‘’().,;:!?]")

#: Abbreviations of unit names, folded, expanded before comparing ("CĐCS" = "Công đoàn
#: cơ sở"), so a registry entry matches however the contributor shortens it.
_UNIT_ABBREVIATIONS: dict[str, str] = {
    "cdcs": "cong doan co so",
    "ldld": "lien doan lao dong",
    "cd": "cong doan",
    "cdn": "cong doan nganh",
    "tp": "thanh pho",
    "tx": "thi xa",
    "bv": "benh vien",
    "bvdk": "benh vien da khoa",
    "ubnd": "uy ban nhan dan",
    "cty": "cong ty",
    "ct": "cong ty",
    "tnhh": "trach nhiem huu han",
    "cp": "co phan",
    "ctcp": "cong ty co phan",
    "th": "tieu hoc",
    "mn": "mam non",
    "ptdtnt": "pho thong dan toc noi tru",
    "gd": "giao duc",
    "gddt": "giao duc va dao tao",
}


def _unit_key(s: str) -> str:
    words = fold(_UNIT_NOISE_RE.sub(" ", s).replace("&", " va ").replace("/", " ")).split()
    out: list[str] = []
    for i, w in enumerate(words):
        if w == "cd" and i and words[i - 1] == "truong":
            out.append("cao dang")  # "Trường CĐ …" is a college, not a union
        else:
            out.append(_UNIT_ABBREVIATIONS.get(w, w))
    return " ".join(out)


def match_unit(
    text: str,
    units: Sequence[UnitLike],
    *,
    threshold: float = UNIT_FUZZY_THRESHOLD,
    margin: float = UNIT_FUZZY_MARGIN,
) -> str | None:
    """The registry name of the unit written in ``text``, or None when unsure.

    Diacritics- and case-insensitive exact match on names and aliases first; then a fuzzy
    match (rapidfuzz token-sort ratio) that must reach ``threshold`` and beat the best
    *other* unit by ``margin``, because near-identical unit names ("CĐCS Trường A" and
    "CĐCS Trường B") must not be confused.
    """
    try:
        key = _unit_key(text or "")
        if not key or not units:
            return None
        # The whole text, then its first segment ("…huyện Chợ Đồn, tỉnh Bắc Kạn").
        head = _unit_key(re.split(r"[,;(\[]|\s[-–—]\s", text, maxsplit=1)[0])
        for probe in (key, head):
            for unit in units:
                names = (unit.name, *unit.aliases)
                if probe and any(probe == _unit_key(n) for n in names):
                    return unit.name
        scores: dict[str, float] = {}
        for unit in units:
            best = max(
                (fuzz.token_sort_ratio(key, _unit_key(n)) for n in (unit.name, *unit.aliases)),
                default=0.0,
            )
            scores[unit.name] = max(scores.get(unit.name, 0.0), best)
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        top_name, top = ranked[0]
        runner = ranked[1][1] if len(ranked) > 1 else 0.0
        if top >= threshold and top - runner >= margin:
            return top_name
        return None
    except Exception as exc:
        _swallowed("match_unit", exc)
        return None
