"""The parts of a mail's text: its own part, forwarded messages, quotes and signatures.

Contributors forward an earlier mail, reply above a quoted original, or sign off with a
phone number; the template is read from the message's own part and from forwarded parts,
never from the quoted original of a reply or from below a signature.
"""

from __future__ import annotations

import re
import unicodedata

from ingest.normalize import fold_keep_length

#: Upper bound on the text read, so hostile input cannot make extraction slow.
MAX_TEXT_CHARS = 300_000

# "On … <a@b> wrote:" / "Vào … <a@b> đã viết:" (Gmail, Apple Mail, Thunderbird). The
# address is required so that an article sentence ending in "đã viết:" is not a quote.
_QUOTE_INTRO_RE = re.compile(r"^.{0,300}@.{0,300}\b(?:wrote|da viet|a ecrit|schrieb)\s*:\s*$")
_QUOTE_INTRO_END_RE = re.compile(r"\b(?:wrote|da viet|a ecrit|schrieb)\s*:\s*$")
_QUOTE_INTRO_START_RE = re.compile(r"^\s*(?:on|vao|le|am)\b")
_SIGNATURE_RE = re.compile(r"^--\s*$")
_MOBILE_FOOTER_RE = re.compile(
    r"^\s*(?:sent from (?:my|mail|yahoo)|get outlook for|sent with|"
    r"(?:duoc )?gui tu (?:iphone|ipad|dien thoai|thiet bi|samsung|android|mail|outlook|yahoo"
    r"|ung dung))\b.{0,60}$"
)
_FWD_MARKER_RE = re.compile(
    r"^\s*[-_=]{2,}\s*(?:forwarded message|original message|thu (?:duoc |da )?chuyen tiep|"
    r"tin nhan (?:duoc )?chuyen tiep|thu goc|message transfere)\s*[-_=]*\s*$"
    r"|^\s*(?:begin forwarded message|bat dau thu (?:duoc )?chuyen tiep)\s*:?\s*$"
)
_HEADER_LINE_RE = re.compile(
    r"^\s*[>*]*\s*(?:from|tu|nguoi gui|sent|date|ngay|da gui|gui|thoi gian|to|den|cc|bcc|"
    r"subject|chu de|tieu de|reply-to)\s*[*]*\s*:"
)
_HEADER_SUBJECT_RE = re.compile(r"^\s*[>*]*\s*(?:subject|chu de|tieu de)\s*[*]*\s*:")
_HEADER_FROM_RE = re.compile(r"^\s*[*]*\s*(?:from|tu|nguoi gui)\s*[*]*\s*:")
_SUBJECT_REPLY_RE = re.compile(
    r"^\s*[*]*\s*(?:subject|chu de|tieu de)\s*[*]*\s*:\s*(?:re|tl|tra loi|aw|sv)\s*:"
)
_OUTLOOK_RULE_RE = re.compile(r"^\s*_{8,}\s*$")


def prepare_lines(text: str) -> list[str]:
    """NFC, unified newlines, invisible characters removed, bounded length."""
    text = unicodedata.normalize("NFC", text[:MAX_TEXT_CHARS])
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # U+00AD is kept: in TCVN3 text it is the letter "ư".
    for ch in ("\u200b", "\u200c", "\u200d", "\ufeff", "\u2060"):
        text = text.replace(ch, "")
    text = text.replace("\u00a0", " ").replace("\u2028", "\n").replace("\u2029", "\n")
    return text.split("\n")


def _is_header_block(folded: list[str], i: int) -> bool:
    """True when a mail header block ("From:/Từ:", "Sent:", "To:", "Subject:") starts at i."""
    if not _HEADER_FROM_RE.match(folded[i]):
        return False
    block = folded[i + 1 : i + 7]
    hits = sum(1 for line in block if _HEADER_LINE_RE.match(line))
    has_subject = any(_HEADER_SUBJECT_RE.match(line) for line in block)
    # An address or a Subject line: "Từ: 15/11 …" followed by "Ngày: …" in an article is
    # not a mail header.
    return hits >= 2 and ("@" in folded[i] or has_subject)


def split_segments(lines: list[str]) -> list[tuple[str, list[str]]]:
    """The message's own part, then each forwarded part (replies' originals dropped).

    A Gmail/Outlook forward marker or an Outlook header block opens a new part; its header
    lines are skipped; a part whose Subject is a reply ("RE:", "TL:", "Trả lời:") is the
    quoted original of a reply, not template text.
    """
    folded = [fold_keep_length(line) for line in lines]
    segments: list[tuple[str, list[str]]] = []
    kind = "own"
    current: list[str] = []
    i = 0
    n = len(lines)
    while i < n:
        is_marker = bool(_FWD_MARKER_RE.match(folded[i]))
        if is_marker or _is_header_block(folded, i):
            segments.append((kind, current))
            current = []
            j = i + 1 if is_marker else i
            while j < n and not folded[j].strip():
                j += 1
            kind = "forwarded"
            seen_header = False
            while j < n and (_HEADER_LINE_RE.match(folded[j]) or (seen_header and folded[j]
                             .startswith((" ", "\t")) and folded[j].strip())):
                if _SUBJECT_REPLY_RE.match(folded[j]):
                    kind = "reply"
                seen_header = True
                j += 1
            i = max(j, i + 1)
            continue
        if _OUTLOOK_RULE_RE.match(folded[i]) and i + 1 < n and _is_header_block(folded, i + 1):
            i += 1
            continue
        current.append(lines[i])
        i += 1
    segments.append((kind, current))
    return [(k, seg) for k, seg in segments if k != "reply"]


def strip_quotes(lines: list[str]) -> list[str]:
    """Drop "> " lines, everything from an "On … wrote:" line, a "-- " signature on."""
    out: list[str] = []
    for idx, line in enumerate(lines):
        f = fold_keep_length(line)
        if _SIGNATURE_RE.match(line):
            break
        if len(line) <= 600 and _QUOTE_INTRO_RE.match(f):
            break
        # Gmail wraps long "On … <addr> wrote:" lines in two.
        if _QUOTE_INTRO_START_RE.match(f) and idx + 1 < len(lines) and len(line) < 300:
            following = fold_keep_length(lines[idx + 1])
            if _QUOTE_INTRO_END_RE.search(following) and "@" in f + following:
                break
        if line.lstrip().startswith(">"):
            continue
        if _MOBILE_FOOTER_RE.match(f):
            continue
        out.append(line)
    return out
