"""Text decoding with declared, lying and missing charsets, never raising.

Real mail declares charsets wrongly all the time: UTF-8 labelled Latin-1 by old webmail,
GBK labelled GB2312, EUC-JP labelled ISO-2022-JP, raw 8-bit headers in Windows-1258
(Outlook Express) with no label at all. Each decision taken here is recorded as a defect,
and :func:`looks_garbled` tells a wrong decode (mojibake) from real Vietnamese, so a
garbled message never looks like a submission.
"""

from __future__ import annotations

import codecs
import unicodedata

# Declared charsets that decode any byte string, so a UTF-8 message mislabelled with one
# of them ("lying charset", common with old webmail) would silently become mojibake.
_PERMISSIVE_CHARSETS = {
    "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "l1", "iso8859-1",
    "windows-1252", "cp1252", "iso-8859-15", "windows-1258", "cp1258", "windows-1250",
    "iso-8859-2", "windows-1251", "koi8-r",
}
#: After UTF-8: Vietnamese Windows first (the users' own legacy), then Latin-1.
FALLBACK_CHARSETS = ("windows-1258", "latin-1")
# Labels senders use for what is really the superset (the web's "encoding sniffing" rules,
# WHATWG Encoding §4.2): decoding with the superset loses nothing and fixes the rest.
_SUPERSETS = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "euc-cn": "gb18030",
    "ks_c_5601-1987": "cp949", "euc-kr": "cp949", "big5": "big5hkscs",
    "shift_jis": "cp932", "x-sjis": "cp932", "iso-8859-1": "windows-1252",
    "latin-1": "windows-1252", "latin1": "windows-1252", "us-ascii": "windows-1252",
    "ascii": "windows-1252", "iso-8859-9": "windows-1254", "tis-620": "cp874",
}
# The encodings a label of the same language is confused with: ISO-2022-JP declared on
# EUC-JP or Shift_JIS text (a 7-bit label on 8-bit bytes), Big5 on GBK and so on. Tried,
# strictly, when the declared one fails, before any fallback.
_SAME_LANGUAGE = {
    "iso-2022-jp": ("euc-jp", "cp932"), "euc-jp": ("cp932", "iso-2022-jp"),
    "cp932": ("euc-jp", "iso-2022-jp"), "iso-2022-kr": ("cp949",), "cp949": ("iso-2022-kr",),
    "gb18030": ("big5hkscs",), "big5hkscs": ("gb18030",), "hz": ("gb18030",),
}
_ALIASES = {"utf8": "utf-8", "unicode-1-1-utf-8": "utf-8", "x-unicode20utf8": "utf-8"}


def codec_ok(charset: str) -> bool:
    """Whether Python has a codec for ``charset``."""
    try:
        codecs.lookup(charset)
    except (LookupError, ValueError):
        return False
    return True


def normalize_charset(charset: str | None) -> str:
    """A declared label as the codec to use (superset, alias), '' when none or unknown."""
    cs = (charset or "").strip().strip('"').strip("'").lower()
    cs = _ALIASES.get(cs, cs)
    cs = _SUPERSETS.get(cs, cs)
    return cs if cs and codec_ok(cs) else ""


def _strict(data: bytes, charset: str) -> str | None:
    try:
        return data.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_text(data: bytes, charset: str | None, defects: list[str] | None = None) -> str:
    """Decode body bytes with the declared charset, falling back, never raising.

    Order: the declared charset if Python knows it and it decodes cleanly (except a
    permissive single-byte charset on bytes that are valid non-ASCII UTF-8: then the label
    lies, and UTF-8 wins); an encoding of the same language (EUC-JP for ISO-2022-JP…);
    then UTF-8 (tolerating a few damaged bytes), windows-1258 (Vietnamese Windows) and
    latin-1, which decodes anything. A fallback is recorded in ``defects``.
    """
    label = (charset or "").strip().strip('"').lower()
    cs = normalize_charset(charset)
    note = defects.append if defects is not None else (lambda _s: None)
    if label and not cs:
        note(f"unknown_charset: {label[:40]}")
    if cs:
        text = _strict(data, cs)
        if text is not None:
            if cs in _PERMISSIVE_CHARSETS and not data.isascii():
                utf8 = _strict(data, "utf-8")
                if utf8 is not None:
                    note(f"charset_mismatch: declared {cs}, content is utf-8")
                    return utf8
            return text
        for related in _SAME_LANGUAGE.get(cs, ()):
            text = _strict(data, related)
            if text is not None:
                note(f"charset_mismatch: declared {cs}, content is {related}")
                return text
        note(f"charset_mismatch: bytes are not {cs}")
    utf8 = _strict(data, "utf-8")
    if utf8 is not None:
        return utf8
    replaced = data.decode("utf-8", errors="replace")
    # A few broken sequences in otherwise valid UTF-8 (a truncated line): keep UTF-8.
    # Legacy single-byte text almost never forms valid multi-byte sequences, so it fails
    # this test and goes on to windows-1258 / latin-1.
    bad = replaced.count("\ufffd")
    good = sum(1 for c in replaced if ord(c) > 127) - bad
    if good >= 2 * bad:
        return replaced
    for fallback in FALLBACK_CHARSETS:
        text = _strict(data, fallback)
        if text is not None:
            note(f"charset_fallback: decoded as {fallback}")
            return text
    return data.decode("latin-1", errors="replace")  # pragma: no cover - latin-1 never fails


def decode_header_bytes(
    data: bytes, declared: str | None, defects: list[str], name: str
) -> str:
    """Raw 8-bit header bytes (no RFC 2047 encoding) as text.

    UTF-8 when they are valid UTF-8 (RFC 6532 allows it); else the charset the message
    declares for its text (old Outlook writes the Subject in the body's windows-1258);
    else windows-1258, then latin-1. Anything but UTF-8 is recorded as a defect.
    """
    text = _strict(data, "utf-8")
    if text is not None:
        return text
    cs = normalize_charset(declared)
    if cs:
        text = _strict(data, cs)
        if text is not None:
            defects.append(f"raw_8bit_header: {name} decoded as {cs}, the text's charset")
            return text
    for fallback in FALLBACK_CHARSETS:
        text = _strict(data, fallback)
        if text is not None:
            defects.append(f"raw_8bit_header: {name} decoded as {fallback} (fallback)")
            return text
    return data.decode("latin-1", errors="replace")  # pragma: no cover - latin-1 never fails


# -- mojibake ---------------------------------------------------------------------------

_VIETNAMESE_LETTERS = frozenset(
    "àáâãèéêìíòóôõùúýăđĩũơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
    "ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝĂĐĨŨƠƯẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸ"
)
# Non-ASCII characters of the Latin ranges that real Vietnamese text does use.
_USUAL_SIGNS = frozenset("\u00a0«»°·©®±×÷§¶")


def looks_garbled(text: str) -> bool:
    """Whether ``text`` looks like bytes decoded with the wrong single-byte charset.

    CJK or UTF-8 bytes read as windows-1258 or latin-1 give runs of Latin-1 letters
    Vietnamese never uses (Æ Ë Ü ¤ ¥ Ã» …) and tone marks left on consonants or signs,
    among a few letters that happen to be Vietnamese (Đ, ơ, ư). Real Vietnamese, once
    NFC-normalised, is almost only letters of :data:`_VIETNAMESE_LETTERS`.
    """
    text = unicodedata.normalize("NFC", text)
    vietnamese = foreign = 0
    for ch in text:
        code = ord(ch)
        if code < 0x80:
            continue
        if ch in _VIETNAMESE_LETTERS:
            vietnamese += 1
        elif (code <= 0x24F and ch not in _USUAL_SIGNS) or 0x300 <= code <= 0x36F:
            foreign += 1
    return foreign >= 3 and foreign * 4 >= vietnamese


__all__ = [
    "FALLBACK_CHARSETS",
    "codec_ok",
    "decode_header_bytes",
    "decode_text",
    "looks_garbled",
    "normalize_charset",
]
