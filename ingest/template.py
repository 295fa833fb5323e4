"""Reading the submission template (SPEC §2) the way people actually write it.

The form of seed 002 has eight numbered labels ("1. Tít tin, bài", … "8. Tên chủ tài
khoản"); contributors type them numbered or not, with or without diacritics, abbreviated
(STK, SĐT, Chủ TK), with the value on the same line or on the following lines, inside
forwarded mail, above quoted replies, in an HTML body or in a .docx. This module turns any
such text into field values; it never raises on arbitrary text.

Which line is a label is :mod:`ingest.template_labels` (the alias table, the fuzzy
fallback); which part of the mail is the contributor's own is :mod:`ingest.mailtext`.
This module reads the values: what follows each label, over how many lines, the
captions of several photos, a form left blank.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ingest.documents import DocumentInfo
from ingest.htmltext import html_to_text
from ingest.legacy_text import detect_legacy_text, legacy_to_unicode, looks_legacy
from ingest.mailtext import prepare_lines, split_segments, strip_quotes
from ingest.normalize import find_bank, fold_keep_length
from ingest.template_labels import (
    EDGE_CHARS,
    FIELD_KEYS,
    match_label,
    split_inline,
)

log = logging.getLogger(__name__)

# A leading "(…)" that is the form's instruction or example, not a value: it holds "VD",
# "ví dụ", "ghi kèm", "toàn bộ" or an ellipsis ("(Ảnh 1: …; Ảnh 2: …)").
_PLACEHOLDER_RE = re.compile(
    r"^\s*\((?=[^)]*(?:\bvd\b|\bv\.d\b|\bvi du\b|\be\.g\b|\bghi\b|\btoan bo\b|…|\.\.\.))"
    r"[^)]{0,300}\)\s*"
)
_DOT_CHARS = ".…_"
_BULLET_RE = re.compile(r"^\s*[-+•*]\s+")


@dataclass
class TemplateResult:
    """Field values read from one text (or a document), and what was recognised."""

    fields: dict[str, str] = field(default_factory=dict)
    """Raw values by field key (NFC); an absent key means the label was not found or empty."""
    labels_found: int = 0
    """Number of distinct template fields whose label was recognised."""
    captions: list[str] = field(default_factory=list)
    """One caption per photo ("Ảnh 1: …", "Ảnh 2: …") or the single caption."""
    source: str = ""
    """Where the template was read: ``text``, ``html``, ``docx:NAME`` or ''."""
    labels: list[str] = field(default_factory=list)
    """The recognised field keys in order of first appearance."""
    notes: list[str] = field(default_factory=list)
    """How the reader decided (forwarded part used, fields merged from another source…)."""
    legacy: str = ""
    """``tcvn3`` or ``vni`` when the mail text was typed in a legacy font encoding; its
    values were read as Unicode."""

    @property
    def filled(self) -> int:
        """Number of fields with a non-empty value."""
        return sum(1 for v in self.fields.values() if v.strip())


@dataclass
class _Entry:
    key: str
    first: str
    more: list[str] = field(default_factory=list)
    photo_no: int | None = None
    soft: bool = False
    """The label line ended in a format=flowed soft break (long line, trailing space)."""
    after_closing: bool = False
    """The label came after a closing line ("Trân trọng!"): signature territory."""


def _strip_edge_dots(value: str) -> str:
    """Drop leading/trailing runs of the form's dotted lines ("………", "....", "___").

    A run counts only with two or more dot characters, so "Nông Văn K." keeps its period.
    Written with str.strip rather than a regex so long dotted runs stay linear in time.
    """
    head = value[: len(value) - len(value.lstrip(EDGE_CHARS))]
    if sum(head.count(c) for c in _DOT_CHARS) >= 2:
        value = value[len(head) :]
    stripped = value.rstrip(EDGE_CHARS)
    tail = value[len(stripped) :]
    if sum(tail.count(c) for c in _DOT_CHARS) >= 2:
        value = stripped
    return value


def _blank_if_dotted(line: str) -> str:
    """'' for a line of the form's dots ("……………", "....", "___"), else the line."""
    stripped = line.strip()
    if stripped and not line.strip(EDGE_CHARS) and sum(map(stripped.count, _DOT_CHARS)) >= 2:
        return ""
    return line


def _clean_value(value: str) -> str:
    """Drop the form's placeholders ("(VD: …)", "………") and surrounding space."""
    value = value.strip()
    folded = fold_keep_length(value)
    m = _PLACEHOLDER_RE.match(folded)
    if m:
        value = value[m.end() :]
    return _strip_edge_dots(value.strip()).strip()


def _collect(lines: list[str]) -> tuple[list[_Entry], list[str]]:
    """Group lines under the labels that start them; lines before the first label apart."""
    entries: list[_Entry] = []
    preamble: list[str] = []
    closings: list[int] = []
    starts: list[int] = []
    for idx, line in enumerate(lines):
        label = match_label(line)
        if label is None:
            if len(line) <= 80 and _CLOSING_RE.match(fold_keep_length(line)):
                closings.append(idx)
            if entries:
                entries[-1].more.append(line)
            else:
                preamble.append(line)
            continue
        if label.photo_no is not None:
            entries.append(_Entry("caption", label.value, [], label.photo_no))
            starts.append(idx)
            continue
        for fld, val in split_inline(label.key, label.value):
            entries.append(_Entry(fld, val))
            starts.append(idx)
        entries[-1].soft = len(line) >= _FLOWED_MIN and line.endswith(" ")
    # The signature is what follows the last closing line, if that is short.
    for closing in reversed(closings):
        if sum(1 for x in lines[closing + 1 :] if x.strip()) <= _SIGNATURE_MAX_LINES:
            for entry, start in zip(entries, starts, strict=True):
                entry.after_closing = start > closing
            break
    return entries, preamble

_SIGNATURE_MAX_LINES = 8

#: A closing line of a letter; labels below it are a signature's ("ĐT: 0983…").
_CLOSING_RE = re.compile(
    r"^\s*(?:tran trong|than ai|kinh thu|tran trong cam on|xin cam on|cam on|chuc suc khoe|"
    r"best regards|kind regards|regards|thanks|thank you|cheers)\b[\s!.,]*(?:\S+[\s!.,]*){0,4}$"
)

#: A line this long ending in a space is a format=flowed soft break (RFC 3676), not the end
#: of a value; shorter lines with a stray trailing space are left alone.
_FLOWED_MIN = 60

#: A value below an empty label may follow one blank line only if it is this short
#: (a name, a number, a unit), so a blank form's last label does not take the next sentence.
_VALUE_AFTER_BLANK_MAX_WORDS = 10


def _short_value(e: _Entry) -> tuple[str, list[str]]:
    """The value of a one-line field and the lines left after it."""
    value = _clean_value(re.sub(r"\s+", " ", e.first))
    rest = list(e.more)
    if value:
        soft = e.soft
        while soft and rest and rest[0].strip():
            line = rest.pop(0)
            more = _clean_value(re.sub(r"\s+", " ", line))
            value = f"{value} {more}".strip()
            soft = len(line) >= _FLOWED_MIN and line.endswith(" ")
        return value, rest
    blanks = 0
    while rest and not _clean_value(rest[0]):
        rest.pop(0)
        blanks += 1
    if rest and blanks <= 1:
        candidate = _clean_value(re.sub(r"\s+", " ", rest[0]))
        if blanks == 0 or len(candidate.split()) <= _VALUE_AFTER_BLANK_MAX_WORDS:
            rest.pop(0)
            return candidate, rest
    return "", rest

#: A title typed over two lines ("… trao quà" / "cho đoàn viên khó khăn") is joined when
#: the second part is this short and nothing but blank lines follows before the next label.
_TITLE_WRAP_MAX_WORDS = 25


def _wrapped_title(value: str, rest: list[str]) -> tuple[str, list[str]]:
    """Join a title continued on the lines right below it (see ``_TITLE_WRAP_MAX_WORDS``)."""
    block: list[str] = []
    for line in rest:
        if not line.strip():
            break
        block.append(line.strip())
    remaining = rest[len(block) :]
    words = sum(len(b.split()) for b in block)
    if block and len(block) <= 2 and words <= _TITLE_WRAP_MAX_WORDS and not any(
        x.strip() for x in remaining
    ):
        return _clean_value(" ".join([value, *block])), remaining
    return value, rest


def _paragraphs(lines: list[str]) -> str:
    """Join body lines: spaces tidied, runs of blank lines collapsed to one."""
    out: list[str] = []
    for line in lines:
        line = re.sub(r"[ \t]+", " ", line).strip()
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


def _first_paragraph(lines: list[str]) -> list[str]:
    """Leading blank lines skipped, then lines up to the next blank line."""
    out: list[str] = []
    for line in lines:
        if not line.strip():
            if out:
                break
            continue
        out.append(line)
    return out


def _caption_items(entries: list[_Entry]) -> list[str]:
    """One caption per photo from the caption entries ("Ảnh 1: …" or a bulleted list)."""
    items: list[str] = []
    for e in entries:
        lines = _first_paragraph([e.first, *e.more])
        if e.photo_no is not None:
            text = _clean_value(" ".join(x.strip() for x in lines))
            if text:
                items.append(f"Ảnh {e.photo_no}: {text}")
            continue
        if len(lines) > 1 and all(_BULLET_RE.match(x) for x in lines):
            items.extend(_clean_value(_BULLET_RE.sub("", x)) for x in lines)
        else:
            joined = _clean_value(" ".join(x.strip() for x in lines))
            if joined:
                items.append(joined)
    return [i for i in items if i]


def _parse_segment(lines: list[str]) -> TemplateResult:
    entries, preamble = _collect(lines)
    result = TemplateResult()
    title_tail: list[str] = []
    for e in entries:
        if e.key not in result.labels:
            result.labels.append(e.key)
        if e.key == "caption":
            continue
        if e.key == "body":
            value = _paragraphs([_clean_value(e.first), *map(_blank_if_dotted, e.more)]).strip()
            value = _clean_value(value) if "\n" not in value else value
        else:
            value, rest = _short_value(e)
            if e.key == "title" and value:
                value, rest = _wrapped_title(value, rest)
            if e.key == "title" and not title_tail:
                title_tail = rest
        if value and not result.fields.get(e.key):
            result.fields[e.key] = value
    captions = _caption_items([e for e in entries if e.key == "caption"])
    if captions:
        result.captions = captions
        result.fields["caption"] = "\n".join(captions)
    if result.labels and "body" not in result.labels:
        # No body label at all (a labelled but empty body stays empty).
        tail = _paragraphs(title_tail)
        pre = _paragraphs(_drop_greeting(preamble))
        if len(tail.split()) >= 20:
            result.fields["body"] = tail
            result.notes.append("body read from the lines after the title")
        elif len(pre.split()) >= 40:
            first, _, after = pre.partition("\n")
            if not result.fields.get("title") and _looks_like_title(first) and after.strip():
                result.fields["title"] = first.strip()
                pre = after.strip()
                result.notes.append("title read from the first line of the article")
            result.fields["body"] = pre
            result.notes.append("body read from the text before the first label")
    _bank_from_account(result)
    if entries and all(e.after_closing for e in entries):
        # Only a signature ("Trân trọng! … ĐT: 0983…") looks like the form: that is a
        # letter with contact details, not a template. Values are kept for editors.
        result.labels = []
        result.notes.append("labels only in the signature")
    result.labels_found = len(result.labels)
    return result

_GREETING_RE = re.compile(
    r"^\s*(?:kinh gui|kinh thua|kinh chuyen|gui ban|gui bbt|em gui|toi gui|minh gui|chung toi "
    r"gui|xin gui|chao|xin chao|dear|hi|hello|thua)\b"
)
_MAX_GREETING_LINES = 4


def _drop_greeting(lines: list[str]) -> list[str]:
    """The text before the first label without its greeting ("Kính gửi Ban Biên tập, …")."""
    out = list(lines)
    dropped = 0
    while out and dropped <= _MAX_GREETING_LINES:
        head = out[0]
        if not head.strip():
            out.pop(0)
            continue
        if _GREETING_RE.match(fold_keep_length(head)) and len(head.split()) <= 25:
            out.pop(0)
            dropped += 1
            continue
        break
    return out


def _looks_like_title(line: str) -> bool:
    """A short first line without a sentence's final period: an unlabelled title."""
    line = line.strip()
    return bool(line) and len(line.split()) <= 30 and not line.endswith((".", ":", ",", ";"))


def _bank_from_account(result: TemplateResult) -> None:
    """"3951… tại Agribank chi nhánh Chợ Đồn": the bank words become ``bank_name``."""
    account = result.fields.get("bank_account", "")
    if result.fields.get("bank_name") or not account:
        return
    rest = re.sub(r"\d[\d .\-]*\d|\d", " ", account)
    rest = re.sub(
        r"^[\s\-–—,;:()]*(?:(?:tại|tai|ở|NH|ngân hàng|ngan hang)(?!\w)[\s\-–—,;:(]*)*",
        "",
        rest,
        flags=re.IGNORECASE,
    )
    rest = re.sub(r"\s+", " ", rest).strip(" -–—,;:()")
    if rest and find_bank(rest) is not None:
        result.fields["bank_name"] = rest


# --------------------------------------------------------------------------- public API


def extract(text: str) -> TemplateResult:
    """Read the template fields from a message text (plain text or converted HTML).

    Quoted replies and signatures are dropped; in a forwarded message the part with most
    filled fields is read (the forwarder's own part wins a tie) and the fields it lacks are
    taken from the other parts. Never raises.
    """
    try:
        if not isinstance(text, str) or not text.strip():
            return TemplateResult()
        segments = split_segments(prepare_lines(text))
        results: list[TemplateResult] = []
        for kind, seg in segments:
            res = _parse_segment(strip_quotes(seg))
            if kind == "forwarded":
                res.notes.append("read from a forwarded message")
            results.append(res)
        best = max(results, key=lambda r: (r.filled, r.labels_found))  # first wins a tie
        for other in results:
            if other is not best and other.filled:
                _merge(best, other, "another part of the forwarded mail")
        return best
    except Exception:  # contributor text must never crash ingestion
        log.exception("template reader error")  # the technical detail goes to the log
        return TemplateResult(notes=["template reader error (details in the log)"])


def _merge(into: TemplateResult, other: TemplateResult, what: str) -> None:
    """Fill the fields ``into`` lacks from ``other`` (e.g. author data typed in the mail)."""
    added: list[str] = []
    for key in FIELD_KEYS:
        if not into.fields.get(key) and other.fields.get(key):
            into.fields[key] = other.fields[key]
            added.append(key)
            if key == "caption" and not into.captions:
                into.captions = list(other.captions)
    for key in other.labels:
        if key not in into.labels:
            into.labels.append(key)
    into.labels_found = len(into.labels)
    if added:
        into.notes.append(f"{', '.join(added)} taken from {what}")


def find_template(text: str, html: str, documents: Sequence[DocumentInfo]) -> TemplateResult:
    """Read the template from the mail or its documents (see :func:`_find_in_sources`),
    reading text pasted from a .VnTime or VNI-Times document as the Unicode it means.

    Either the whole form was pasted (its labels only match once converted) or labels
    typed in the mail hold pasted values (then only those values are converted:
    converting the Unicode labels would garble them). ``legacy`` records the encoding, so
    that legacy_encoding still asks the contributor for Unicode.
    """
    result = _find_in_sources(text, html, documents)
    # The detector reads the first 200,000 characters: convert no more HTML than that.
    kind = detect_legacy_text(text or html_to_text((html or "")[:400_000]))
    if not kind:
        return result
    converted = _find_in_sources(
        legacy_to_unicode(text, kind), legacy_to_unicode(html, kind) if html else html,
        documents,
    )
    if converted.labels_found > result.labels_found:
        result = converted
    else:
        for key, value in result.fields.items():
            if value and looks_legacy(value, kind):
                result.fields[key] = legacy_to_unicode(value, kind)
        result.captions = [
            legacy_to_unicode(c, kind) if looks_legacy(c, kind) else c for c in result.captions
        ]
    result.legacy = kind
    return result


def _find_in_sources(
    text: str, html: str, documents: Sequence[DocumentInfo]
) -> TemplateResult:
    """Pick where the template is: plain-text body, HTML body, or one attached document.

    The plain text wins unless it is empty or the HTML (converted) has more labels; a
    readable document wins when the body has no labels or fewer. Fields missing from the
    chosen source are filled from the other one (people type their bank details in the
    mail and attach the article as .docx). A label-less document beside a body template is
    the article itself and gives the body (and the title, its first line) when missing.
    ``source`` records the choice: ``text``, ``html`` or ``docx:NAME``.
    """
    try:
        body: TemplateResult | None = None
        if text and text.strip():
            body = extract(text)
            body.source = "text"
        if html and html.strip() and (body is None or body.labels_found < 8):
            alt = extract(html_to_text(html))
            alt.source = "html"
            if body is None or alt.labels_found > body.labels_found:
                body = alt
        body = body or TemplateResult()
        readable = [
            d for d in documents if d.status in ("ok", "legacy_encoding") and d.text.strip()
        ]
        doc_results: list[tuple[DocumentInfo, TemplateResult]] = []
        for d in readable:
            r = extract(d.text)
            r.source = f"docx:{d.filename}"
            doc_results.append((d, r))
        best_doc = max(doc_results, key=lambda dr: dr[1].labels_found, default=None)
        chosen = body
        if best_doc is not None and best_doc[1].labels_found > body.labels_found:
            chosen = best_doc[1]
            if body.labels_found:
                _merge(chosen, body, "the mail body")
        elif best_doc is not None and best_doc[1].labels_found:
            _merge(chosen, best_doc[1], best_doc[1].source)
        if chosen.labels_found and len(readable) == 1 and doc_results[0][1].labels_found == 0:
            doc_text = _paragraphs(prepare_lines(readable[0].text))
            if not chosen.fields.get("body") and doc_text:
                lines = doc_text.split("\n")
                short_first = len(lines) > 1 and len(lines[0].split()) <= 40
                if not chosen.fields.get("title") and short_first:
                    chosen.fields["title"] = lines[0].strip()
                    doc_text = "\n".join(lines[1:]).strip()
                chosen.fields["body"] = doc_text
                chosen.notes.append(f"article body read from {readable[0].filename}")
        if not chosen.source and chosen is body:
            chosen.source = "text" if text and text.strip() else ("html" if html else "")
        return chosen
    except Exception:
        log.exception("template reader error")  # the technical detail goes to the log
        return TemplateResult(notes=["template reader error (details in the log)"])
