"""Personal data in what people receive (SPEC §8): the one masking service.

Bank account numbers are personal data: editors see them masked (``•••• 4567``), only
finance and admins see them whole. Phone numbers are personal data too: editors see them
(to call an author), the public (the CMS bundle, the quarterly public list) never does.

A :class:`Redactor` masks by *known values*, not by guessing a format: the account digits
and the raw account text of a submission (every version, the author's earlier accounts,
editors' corrections), every account the database knows, and — for the public — the
phones. A known value is found whatever people put between its digits: spaces (one or
more), no-break and zero-width spaces, dots, dashes, slashes, underscores, commas, none,
or a mix, and in HTML also inline tags and entities (Word splits text into ``<span>``\\ s).

On top of that, template values (what a contributor typed: title, body, captions, author,
unit…) get the *generic* rule: any other run of 9–19 or more digits is masked too, except
dates (``31/12/2026``), amounts grouped by thousands (``1.500.000.000``) and — for
editors — the submission's own phone. The generic rule is never applied to whole pages:
links, tokens and ids there are not personal data.

Where it is applied: :mod:`tinbai.web.masking` (pages, the editors' raw mail, the net over
every text response an editor gets, binary downloads), :mod:`tinbai.bundle` (public),
:mod:`tinbai.reports.data` (the public list), :meth:`tinbai.outbox.Outbox.alert`.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from store.db import Store

MASK = "••••"

#: What people put between the digits of one number (no letters, no colon: 10:15 is a
#: time; no comma: 1, 2, 3 is a list). Zero-width and bidi characters count as nothing.
_SEPARATORS = ("\\s\u00a0\u00ad\u200b-\u200f\u2010-\u2015\u202a-\u202f\u2060-\u2069"
               "\u2212\u3000._/\\\\\\-")
_TEXT_GAP = f"[{_SEPARATORS}]{{1,3}}"
#: In HTML, inline tags and entities may sit between digits too (not cells or blocks).
_INLINE_TAG = (r"</?(?:span|b|i|u|em|strong|font|a|o:p|wbr|small|sup|sub|mark|s|del|ins|bdi"
               r"|code)\b[^<>]{0,300}>")
_ENTITY = r"&(?:nbsp|#160|#xa0|#8203|#x200b|shy|#173);"
_HTML_GAP = f"(?:[{_SEPARATORS}]|{_INLINE_TAG}|{_ENTITY}){{1,8}}"
_TEXT_RUN = re.compile(rf"\d(?:(?:{_TEXT_GAP})?\d)*")
_HTML_RUN = re.compile(rf"\d(?:(?:{_HTML_GAP})?\d)*", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_TAG = re.compile(_INLINE_TAG, re.IGNORECASE)

#: Not personal data in a text: dates and amounts grouped by thousands.
_NOT_PERSONAL = re.compile(
    r"(?<![\d.,/-])(?:\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2})(?![\d])"
    r"|(?<![\d.,])\d{1,3}(?:\.\d{3})+(?:,\d+)?(?![\d.])"
    r"|(?<![\d.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,])"
)

#: Shortest value looked for (SPEC §4: accounts have 6–19 digits).
MIN_KNOWN = 6
#: The generic rule: a run of this many digits or more in a template value.
GENERIC_MIN = 9


def digits(value: object) -> str:
    """The digits of a value as ASCII (``'3951 0001-23'`` → ``'3951000123'``; full-width
    and other decimal digits count)."""
    return "".join(str(int(c)) for c in _DIGIT.findall(str(value or "")))


def mask_account(value: object) -> str:
    """``•••• 4567`` for an account number; '' for nothing; a masked value as it is."""
    if str(value or "").lstrip().startswith(MASK):
        return str(value).strip()
    number = digits(value)
    if not number:
        return "" if not value else MASK
    return f"{MASK} {number[-4:]}" if len(number) > 4 else MASK


def account_values(raw: object) -> set[str]:
    """The digit strings a written account may be found by: each run of digits in it
    (separators allowed) with at least 6 digits, and all its digits when that is a
    plausible account ("0451  0003  88990 tại BIDV chi nhánh 3" → 0451000388990)."""
    text = str(raw or "")
    found = {digits(m.group(0)) for m in _TEXT_RUN.finditer(text)}
    whole = digits(text)
    if MIN_KNOWN <= len(whole) <= 19:
        found.add(whole)
    return {value for value in found if len(value) >= MIN_KNOWN}


def phone_values(raw: object, e164: object = None) -> set[str]:
    """The digit strings a phone may be found by: as written, E.164 and national."""
    found = {digits(raw)} | account_values(raw)
    international = digits(e164)
    if international:
        found.add(international)
        if international.startswith("84"):
            found.add("0" + international[2:])
    return {value for value in found if len(value) >= MIN_KNOWN}


@dataclass
class _Run:
    """One run of digits in a text: where each digit is and what it is."""

    positions: list[int]
    number: str

    @classmethod
    def of(cls, match: re.Match[str]) -> _Run:
        base = match.start()
        found = list(_DIGIT.finditer(match.group(0)))
        return cls([base + m.start() for m in found], "".join(str(int(m.group(0)))
                                                              for m in found))


def _occurrences(number: str, values: Iterable[str]) -> list[tuple[int, int]]:
    spans = []
    for value in values:
        start = number.find(value)
        while start >= 0:
            spans.append((start, start + len(value)))
            start = number.find(value, start + 1)
    return spans


class KnownAccounts(frozenset[str]):
    """Account numbers as digit strings, with their lengths worked out once.

    A page masks hundreds of digit runs against the database's thousands of accounts:
    each run is looked up at each length, so the lengths must not be recounted per run.
    """

    @functools.cached_property
    def lengths(self) -> tuple[int, ...]:
        """The distinct lengths of the accounts, shortest first."""
        return tuple(sorted({len(k) for k in self}))


def _lengths(known: frozenset[str]) -> tuple[int, ...]:
    if isinstance(known, KnownAccounts):
        return known.lengths
    return tuple(sorted({len(k) for k in known}))


@dataclass
class Redactor:
    """Masks known values (and, for template values, the generic rule) in texts.

    ``accounts``: a submission's own account values (also masked when a run holds only a
    piece of one: odd spacing may split a number); ``known``: every account the database
    knows (masked when a run holds a whole one); ``literals``: raw account texts that are
    not digits only (``19034-ABC-77``), masked where they appear as written; ``phones``:
    masked for the public; ``exempt``: never masked by the generic rule (the editors'
    view of the submission's own phone).
    """

    accounts: set[str] = field(default_factory=set)
    known: frozenset[str] = frozenset()
    literals: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    exempt: set[str] = field(default_factory=set)

    def add(self, account: object) -> None:
        """Also mask this written account (its digit runs, and its text as written)."""
        self.accounts |= account_values(account)
        text = " ".join(str(account or "").split())
        if len(digits(text)) >= MIN_KNOWN and not re.fullmatch(r"[\d\s.\-]+", text):
            self.literals.add(text)

    def with_known(self, known: frozenset[str]) -> Redactor:
        """A copy that also masks every account of ``known``."""
        # The same set when this one knows none: the database's thousands of accounts are
        # not copied (nor their lengths recounted) for every page.
        merged = KnownAccounts(self.known | known) if self.known else known
        return Redactor(set(self.accounts), merged, set(self.literals), set(self.phones),
                        set(self.exempt))

    def for_public(self, phones: Iterable[str] = ()) -> Redactor:
        """A copy for the public: phones masked as well, no phone exempt."""
        return Redactor(set(self.accounts), self.known, set(self.literals),
                        {*self.phones, *phones, *self.exempt}, set())

    def __bool__(self) -> bool:
        return bool(self.accounts or self.known or self.literals or self.phones)

    # -- finding ---------------------------------------------------------------------------

    def _known_spans(self, run: _Run) -> list[tuple[int, int]]:
        number = run.number
        spans = _occurrences(number, self.accounts | self.phones)
        if len(number) >= MIN_KNOWN and any(number in a for a in self.accounts):
            spans.append((0, len(number)))  # a piece of the submission's own account
        if self.known:
            spans.extend((i, i + size) for size in _lengths(self.known)
                         for i in range(len(number) - size + 1)
                         if number[i:i + size] in self.known)
        return spans

    def _generic_spans(self, run: _Run, text: str) -> list[tuple[int, int]]:
        number = run.number
        if len(number) < GENERIC_MIN or _in_a_name(text, run):
            return []
        kept = [False] * len(number)
        for low, high in _occurrences(number, self.exempt):
            kept[low:high] = [True] * (high - low)
        first, last = run.positions[0], run.positions[-1] + 1
        for match in _NOT_PERSONAL.finditer(text, first, last):
            for index, position in enumerate(run.positions):
                if match.start() <= position < match.end():
                    kept[index] = True
        spans: list[tuple[int, int]] = []
        start: int | None = None
        for index, keep in enumerate([*kept, True]):
            if not keep and start is None:
                start = index
            elif keep and start is not None:
                if index - start >= GENERIC_MIN:
                    spans.append((start, index))
                start = None
        return spans

    def masks(self, text: str, *, generic: bool = False, html: bool = False,
              ) -> list[tuple[int, int, str]]:
        """Where ``text`` shows personal data: (start, end, replacement), in order."""
        found: list[tuple[int, int, str]] = []
        for literal in self.literals:
            pattern = r"\s+".join(re.escape(part) for part in literal.split())
            for match in re.finditer(pattern, text, re.IGNORECASE):
                found.append((match.start(), match.end(), mask_account(literal)))
        for match in (_HTML_RUN if html else _TEXT_RUN).finditer(text):
            run = _Run.of(match)
            spans = self._known_spans(run) if self else []
            if generic:
                spans += self._generic_spans(run, text)
            for start, end in _merged(spans):
                first, last = run.positions[start], run.positions[end - 1] + 1
                replacement = mask_account(run.number[start:end])
                if html:  # keep the markup between the digits: the page stays well formed
                    replacement += "".join(_TAG.findall(text, first, last))
                found.append((first, last, replacement))
        return _non_overlapping(found)

    def redact(self, text: str, *, generic: bool = False, html: bool = False) -> str:
        """``text`` with the personal data masked (``generic``: template values)."""
        if not text or (not self and not generic):
            return text
        out, last = [], 0
        for start, end, replacement in self.masks(text, generic=generic, html=html):
            out.append(text[last:start])
            out.append(replacement)
            last = end
        out.append(text[last:])
        return "".join(out)

    def restore(self, submitted: str, stored: str, *, generic: bool = True) -> str:
        """What an editor meant by ``submitted``, a form value they were shown masked:
        each mask they left in place stands for the stored text it hid (so correcting a
        title never overwrites the body with masks)."""
        if not stored:
            return submitted
        hidden = [(replacement, stored[start:end])
                  for start, end, replacement in self.masks(stored, generic=generic)]
        if not hidden:
            return submitted
        out, position = [], 0
        for replacement, original in hidden:
            found = submitted.find(replacement, position)
            if found < 0:
                continue
            out.append(submitted[position:found])
            out.append(original)
            position = found + len(replacement)
        out.append(submitted[position:])
        return "".join(out)

    def mask_values(self, row: dict[str, object], keys: Iterable[str]) -> dict[str, object]:
        """A copy of ``row`` with the template values under ``keys`` masked (generic)."""
        copy = dict(row)
        for key in keys:
            value = copy.get(key)
            if isinstance(value, str):
                copy[key] = self.redact(value, generic=True)
        return copy


def _in_a_name(text: str, run: _Run) -> bool:
    """Whether the digits are part of a name, not a number someone wrote: glued to letters
    (``IMG_20261103_093012.jpg``, ``Screenshot_20261107-201133.png``, ``MVC-003F``).
    Such runs are file names and identifiers; a known value inside one is still masked."""
    first, last = run.positions[0], run.positions[-1] + 1
    before = text[max(0, first - 2):first]
    after = text[last:last + 2]
    return bool(re.search(r"[^\W\d_][_-]?$", before) or re.match(r"[._-]?[^\W\d_]", after))


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _non_overlapping(found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    result: list[tuple[int, int, str]] = []
    for start, end, replacement in sorted(found, key=lambda f: (f[0], -f[1])):
        if result and start < result[-1][1]:
            if end > result[-1][1]:
                previous = result[-1]
                result[-1] = (previous[0], end, previous[2])
            continue
        result.append((start, end, replacement))
    return result


#: The template fields (SPEC §2) as the pages show them: masked for editors by the generic
#: rule too (their own phone exempt).
FIELDS: tuple[str, ...] = (
    "title", "body", "caption", "author", "unit", "phone", "bank_account", "account_holder",
    "bank_name",
)


def known_accounts(store: Store) -> frozenset[str]:
    """Every account number the database knows, as the digit strings it is found by."""
    found: set[str] = set()
    for text in store.submissions.account_numbers():
        found |= account_values(text)
    return KnownAccounts(found)


def _json(text: object) -> Any:
    try:
        return json.loads(str(text)) if text else {}
    except ValueError:
        return {}


def submission_redactor(store: Store, submission_id: int) -> Redactor:
    """The known values of one submission: every account connected with it (all versions,
    the author's earlier accounts, edits recorded in the audit log) and its phones (the
    editors' view leaves those visible: :attr:`Redactor.exempt`)."""
    submission = store.submissions.get(submission_id)
    redactor = Redactor()
    redactor.add(submission.get("bank_account"))
    redactor.add(submission.get("bank_account_digits"))
    phones = phone_values(submission.get("phone"), submission.get("phone_e164"))
    for version in store.submissions.versions(submission_id):
        data = _json(version["candidate_json"])
        redactor.add((data.get("fields") or {}).get("bank_account"))
        redactor.add(data.get("bank_account_digits"))
        for account in data.get("previous_bank_accounts") or []:
            redactor.add(account)
        phones |= phone_values((data.get("fields") or {}).get("phone"), data.get("phone_e164"))
    if submission.get("author_key"):
        for account in store.submissions.previous_bank_accounts(
            str(submission["author_key"]), None
        ):
            redactor.add(account)
    for entry in store.audit.of_submission(submission_id):
        if entry["action"] == "edit_field":
            detail = _json(entry["detail_json"])
            if detail.get("field") == "bank_account":
                redactor.add(detail.get("old"))
                redactor.add(detail.get("new"))
            elif detail.get("field") == "phone":
                phones |= phone_values(detail.get("old")) | phone_values(detail.get("new"))
    redactor.exempt = phones
    return redactor
