"""The labels of the submission template (SPEC §2) and how a line is matched to one.

An explicit alias table first: every way people write each of the eight labels of seed
002's form, numbered or not, with or without diacritics, abbreviated (STK, SĐT, Chủ TK);
the longest alias wins. A fuzzy match (rapidfuzz) is only a fallback, with a high
threshold *and* a clear margin over the best alias of another field, because a naive
fuzzy match takes "Chủ TK" for "Chú thích ảnh".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from ingest.normalize import fold, fold_keep_length

#: Template field keys in form order (SPEC §2).
FIELD_KEYS: tuple[str, ...] = (
    "title",
    "body",
    "caption",
    "author",
    "unit",
    "phone",
    "bank_account",
    "account_holder",
    "bank_name",
)

#: Thresholds of the fuzzy label fallback (ratio 0-100; the margin over the runner-up).
LABEL_FUZZY_THRESHOLD = 88.0
LABEL_FUZZY_MARGIN = 8.0

#: Fields whose value may run over many lines (to the next label).
MULTILINE = frozenset({"body", "caption"})

# (field, alias, strict). Aliases are written as people type them and folded when compiled.
# A strict alias (short or an ordinary word) needs a colon or tab after it, or a numbered
# line ("6. ĐT"), to count as a label, so that article text is not mistaken for labels.
ALIASES: tuple[tuple[str, str, bool], ...] = (
    # 1. title
    ("title", "Tít tin, bài", False),
    ("title", "Tít tin bài viết", False),
    ("title", "Tít bài viết", False),
    ("title", "Tít tin", False),
    ("title", "Tít bài", False),
    ("title", "Tít", True),
    ("title", "Tiêu đề tin, bài", False),
    ("title", "Tiêu đề bài viết", False),
    ("title", "Tiêu đề", True),
    ("title", "Tựa đề", True),
    ("title", "Tên bài viết", False),
    ("title", "Tên tin, bài", False),
    ("title", "Tên bài", True),
    ("title", "Title", True),
    # 2. body
    ("body", "Nội dung bài viết", False),
    ("body", "Nội dung tin, bài viết", False),
    ("body", "Nội dung tin, bài", False),
    ("body", "Nội dung tin", False),
    ("body", "Nội dung bài", False),
    ("body", "Nội dung", True),
    ("body", "Bài viết", True),
    ("body", "Toàn văn", True),
    ("body", "Content", True),
    # 3. caption
    ("caption", "Chú thích ảnh", False),
    ("caption", "Chú thích hình ảnh", False),
    ("caption", "Chú thích các ảnh", False),
    ("caption", "Chú thích hình", False),
    ("caption", "Chú thích", True),
    ("caption", "Ghi chú ảnh", False),
    ("caption", "Hình ảnh", True),
    ("caption", "Ảnh", True),
    ("caption", "Caption", True),
    # 4. author
    ("author", "Tác giả bài viết", False),
    ("author", "Tên tác giả", False),
    ("author", "Họ tên người viết", False),
    ("author", "Tác giả", False),
    ("author", "Họ và tên tác giả", False),
    ("author", "Họ tên tác giả", False),
    ("author", "Người viết bài", False),
    ("author", "Người viết", True),
    ("author", "Bút danh", True),
    ("author", "Họ và tên", True),
    ("author", "Họ tên", True),
    ("author", "Author", True),
    # 5. unit
    ("unit", "Đơn vị công tác", False),
    ("unit", "Tên đơn vị", False),
    ("unit", "Đơn vị", True),
    ("unit", "Cơ quan công tác", False),
    ("unit", "Nơi công tác", False),
    ("unit", "Cơ quan", True),
    # 6. phone
    ("phone", "Số điện thoại liên hệ", False),
    ("phone", "Số điện thoại di động", False),
    ("phone", "Điện thoại di động", False),
    ("phone", "SĐT liên hệ", False),
    ("phone", "Số di động", False),
    ("phone", "Số điện thoại", False),
    ("phone", "Điện thoại liên hệ", False),
    ("phone", "Điện thoại", True),
    ("phone", "Số ĐT", True),
    ("phone", "SĐT", True),
    ("phone", "ĐTDĐ", True),
    ("phone", "ĐT", True),
    ("phone", "Di động", True),
    ("phone", "Phone", True),
    ("phone", "Tel", True),
    ("phone", "Mobile", True),
    # 7. bank account
    ("bank_account", "Số tài khoản của tác giả", False),
    ("bank_account", "Số tài khoản tác giả", False),
    ("bank_account", "Số tài khoản ngân hàng", False),
    ("bank_account", "Số tài khoản", False),
    ("bank_account", "Tài khoản ngân hàng", False),
    ("bank_account", "Tài khoản", True),
    ("bank_account", "Số TK", True),
    ("bank_account", "STK", True),
    ("bank_account", "TK", True),
    ("bank_account", "Account", True),
    # 8. account holder
    ("account_holder", "Tên chủ tài khoản", False),
    ("account_holder", "Tên chủ tài khoản ngân hàng", False),
    ("account_holder", "Chủ tài khoản", False),
    ("account_holder", "Tên tài khoản", False),
    ("account_holder", "Tên người thụ hưởng", False),
    ("account_holder", "Người thụ hưởng", False),
    ("account_holder", "Tên chủ TK", True),
    ("account_holder", "Chủ TK", True),
    ("account_holder", "Tên TK", True),
    ("account_holder", "Account holder", True),
    # bank name (not in the form; finance needs it)
    ("bank_name", "Tên ngân hàng", False),
    ("bank_name", "Mở tại ngân hàng", False),
    ("bank_name", "Tại ngân hàng", False),
    ("bank_name", "Ngân hàng mở tài khoản", False),
    ("bank_name", "Mở tại", True),
    ("bank_name", "Ngân hàng", True),
    ("bank_name", "NH", True),
    ("bank_name", "Bank", True),
)
_WORD_SEP = r"[\s,/&.\-]*"
_WORD_SPLIT = re.compile(r"[\s,/&.\-]+")


def alias_key(alias: str) -> str:
    """An alias folded to plain words: "Tít tin, bài" → "tit tin bai"."""
    return " ".join(w for w in _WORD_SPLIT.split(fold(alias)) if w)


def _alias_regex(alias: str) -> str:
    return _WORD_SEP.join(re.escape(w) for w in alias_key(alias).split())


@dataclass(frozen=True)
class _AliasTable:
    index: dict[str, tuple[str, bool]]
    """Alias key → (field, strict)."""
    groups: dict[str, str]
    """Regex group name → alias key."""
    line_re: re.Pattern[str]
    inline_re: re.Pattern[str]


@lru_cache(maxsize=1)
def _aliases() -> _AliasTable:
    """The compiled alias table: longest alias first, so "Tên TK" beats "TK"."""
    index: dict[str, tuple[str, bool]] = {}
    for fld, alias, strict in ALIASES:
        index.setdefault(alias_key(alias), (fld, strict))
    ordered = sorted(index, key=len, reverse=True)
    groups = {f"a{i}": a for i, a in enumerate(ordered)}
    alternation = "|".join(f"(?P<{g}>{_alias_regex(a)})" for g, a in groups.items())
    line_re = re.compile(
        r"^(?P<lead>[\s>]*(?:[-*•+»·–]\s*)?(?:\[?\(?(?:\d{1,2}|[ivx]{1,4}|[a-h])\s*[.):/\-\]]\s*"
        r"|\(\d{1,2}\)\s*|\d{1,2}\s+)?(?:[*_]{1,2})?)"
        r"(?P<label>" + alternation + r")(?![a-z0-9])"
        r"(?P<trail>(?:[*_]{1,2})?[^\S\t]*(?:\([^)\n]{0,200}\)[^\S\t]*)?(?:[*_]{1,2})?)"
        r"(?P<sep>[:：]+|\t+|[-–—=]+(?=\s|$)|[.…_]{2,})?(?:[*_]{1,2}(?=\s|$))?"
    )
    inline_re = re.compile(
        r"(?:[;|,]\s*|(?<!\s)\s[-–—]\s|(?<!\s)\s{2,}|\t)(?P<label>"
        + "|".join(_alias_regex(a) for a in ordered)
        + r")(?![a-z0-9])\s*(?:\([^)\n]{0,100}\)\s*)?[:：]"
    )
    return _AliasTable(index, groups, line_re, inline_re)

_NUMBERED_RE = re.compile(r"(?:\d|\b[ivx]{1,4}\b|\b[a-h]\b)")
_PHOTO_LINE_RE = re.compile(
    r"^[\s>]*(?:[-*•+]\s*)?(?:hinh\s*anh|anh|hinh|photo|h)\s*(?:so\s*)?(?P<n>\d{1,2})\s*"
    r"(?:[:.)\-–—]|\t)"
)
#: What the form's blank lines are made of ("………", "....", "___") besides spaces.
EDGE_CHARS = " \t.…_"


@dataclass
class Label:
    """A recognised label: its field, the rest of the line, the photo number of "Ảnh 2:"."""

    key: str
    value: str
    photo_no: int | None = None


_MATCH_SPAN = 2000


def match_label(line: str) -> Label | None:
    """The label at the start of ``line`` and the rest of the line, or None.

    Only the line's head is folded and matched (labels are short; very long lines are
    article paragraphs); the value is cut from the whole line.
    """
    folded = fold_keep_length(line[:_MATCH_SPAN])
    photo = _PHOTO_LINE_RE.match(folded)
    if photo:
        return Label("caption", line[photo.end() :].strip(), int(photo.group("n")))
    table = _aliases()
    m = table.line_re.match(folded)
    if m is None:
        return _fuzzy_label(line, folded)
    group = next((g for g, v in m.groupdict().items() if v is not None and g in table.groups), "")
    fld, strict = table.index.get(table.groups.get(group, ""), ("", True))
    if not fld:
        return None
    lead = m.group("lead") or ""
    numbered = bool(_NUMBERED_RE.search(lead))
    sep = m.group("sep") or ""
    rest = line[m.end() :]
    if sep.startswith((":", "：", "\t")):
        ok = True
    elif sep:
        ok = not strict or numbered
    else:
        ok = (not strict or numbered) and not rest.strip(EDGE_CHARS)
    if not ok:
        return None
    return Label(fld, rest.strip())


@lru_cache(maxsize=1)
def _fuzzy_choices() -> list[tuple[str, str]]:
    """(folded alias, field) pairs long enough for fuzzy comparison."""
    return [(fold(a), f) for f, a, _ in ALIASES if len(fold(a)) >= 6]

_FUZZY_HEAD_RE = re.compile(
    r"^[\s>]*(?:[-*•+]\s*)?(?:\(?\d{1,2}\s*[.):/\-]\s*)?(?P<head>[^:：\t]{3,40}?)\s*(?:\([^)]*\))?"
    r"\s*[:：\t]"
)


def _fuzzy_label(line: str, folded: str) -> Label | None:
    """Fuzzy fallback: the text before a colon close to exactly one field's aliases."""
    m = _FUZZY_HEAD_RE.match(folded)
    if m is None:
        return None
    head = re.sub(r"[\s,/&.\-]+", " ", m.group("head")).strip()
    if len(head) < 4 or len(head.split()) > 7 or any(ch.isdigit() for ch in head):
        return None
    best: dict[str, float] = {}
    for alias, fld in _fuzzy_choices():
        score = fuzz.ratio(head, alias)
        if score > best.get(fld, 0.0):
            best[fld] = score
    ranked = sorted(best.items(), key=lambda kv: -kv[1])
    if not ranked:
        return None
    top_field, top = ranked[0]
    runner = ranked[1][1] if len(ranked) > 1 else 0.0
    if top >= LABEL_FUZZY_THRESHOLD and top - runner >= LABEL_FUZZY_MARGIN:
        return Label(top_field, line[m.end() :].strip())
    return None


def split_inline(fld: str, value: str) -> list[tuple[str, str]]:
    """Split "Tác giả: A; SĐT: 0983…" style lines into their fields (short fields only)."""
    if fld in MULTILINE:
        return [(fld, value)]
    table = _aliases()
    folded = fold_keep_length(value)
    out: list[tuple[str, str]] = []
    start = 0
    cur = fld
    for m in table.inline_re.finditer(folded):
        target = table.index.get(alias_key(m.group("label")))
        if target is None:
            continue
        out.append((cur, value[start : m.start()]))
        cur = target[0]
        start = m.end()
    out.append((cur, value[start:]))
    return [(f, v.strip(" ;,|-–—\t")) for f, v in out]
