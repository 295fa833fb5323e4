"""Vietnamese typed in the legacy TCVN3 (.VnTime…) and VNI (VNI-Times…) font encodings.

Before Unicode, Vietnamese was typed with fonts that draw Latin-1 code points as
Vietnamese letters; Word files and pasted mail text still carry them. TCVN3 (TCVN
5712:1993, "ABC") is one character per letter, with the upper-case ".VnTimeH" fonts
upper-casing everything; VNI writes a letter followed by its mark characters. This module
recognises both (from the font name, or from characters Unicode Vietnamese never uses)
and converts them to NFC Unicode so editors can read the text; the submission is still
reported (``legacy_encoding``), for the contributor to resend in Unicode.
"""

from __future__ import annotations

import re
import unicodedata

#: TCVN3 (TCVN 5712:1993, "ABC") code points as Word stores them (Latin-1 characters).
_TCVN3_TABLE: dict[str, str] = {
    "¡": "Ă", "¢": "Â", "£": "Ê", "¤": "Ô", "¥": "Ơ", "¦": "Ư", "§": "Đ",
    "¨": "ă", "©": "â", "ª": "ê", "«": "ô", "¬": "ơ", "\u00ad": "ư", "®": "đ",
    "µ": "à", "¶": "ả", "·": "ã", "¸": "á", "¹": "ạ",
    "»": "ằ", "¼": "ẳ", "½": "ẵ", "¾": "ắ", "Æ": "ặ",
    "Ç": "ầ", "È": "ẩ", "É": "ẫ", "Ê": "ấ", "Ë": "ậ",
    "Ì": "è", "Î": "ẻ", "Ï": "ẽ", "Ð": "é", "Ñ": "ẹ",
    "Ò": "ề", "Ó": "ể", "Ô": "ễ", "Õ": "ế", "Ö": "ệ",
    "×": "ì", "Ø": "ỉ", "Ü": "ĩ", "Ý": "í", "Þ": "ị",
    "ß": "ò", "á": "ỏ", "â": "õ", "ã": "ó", "ä": "ọ",
    "å": "ồ", "æ": "ổ", "ç": "ỗ", "è": "ố", "é": "ộ",
    "ê": "ờ", "ë": "ở", "ì": "ỡ", "í": "ớ", "î": "ợ",
    "ï": "ù", "ñ": "ủ", "ò": "ũ", "ó": "ú", "ô": "ụ",
    "õ": "ừ", "ö": "ử", "÷": "ữ", "ø": "ứ", "ù": "ự",
    "ú": "ỳ", "û": "ỷ", "ü": "ỹ", "ý": "ý", "þ": "ỵ",
}
_TCVN3_TRANS = str.maketrans(_TCVN3_TABLE)
_UNICODE_TO_TCVN3 = str.maketrans({v: k for k, v in _TCVN3_TABLE.items()})

#: Characters that occur in TCVN3 text but never in Vietnamese written in Unicode.
_TCVN3_MARKERS = frozenset("¨©ª«¬®µ¶·¸¹»¼½¾ÆÇÈËÌÎÏÐÑÖ×ØÜÞßäåæçëîïñöøûüþ÷§¡¢£¤¥¦")
#: VNI-only sequences: "öô" is ươ (ử before ô cannot occur in TCVN3 text) and a
#: word-initial "ñ"+vowel is đ (TCVN3 "ñ" is ủ, which follows a consonant).
_VNI_RE = re.compile(r"[öÖ][ôÔ]|(?<![A-Za-z])[ñÑ][aeiouyAEIOUY]")
_WORD_RE = re.compile(r"\S+")


def _vni_table() -> dict[str, str]:
    """VNI (VNI-Windows, "VNI-Times") sequences → Unicode letters, built from its rules.

    VNI writes a base letter followed by a mark character: a tone (sắc ù, huyền ø, hỏi û,
    ngã õ, nặng ï), a circumflex â or a breve ê, or one character for a circumflex or
    breve combined with a tone. ơ ư đ and the toned i and ỵ are single characters.
    Capitals take the capital mark (AÙ); a capital with a small mark is accepted too.
    """
    tones = {"ù": "\u0301", "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}
    circumflex_tones = {"á": "\u0301", "à": "\u0300", "å": "\u0309", "ã": "\u0303",
                        "ä": "\u0323"}
    breve_tones = {"é": "\u0301", "è": "\u0300", "ú": "\u0309", "ü": "\u0303",
                   "ë": "\u0323"}
    singles = {"ô": "ơ", "ö": "ư", "ñ": "đ", "ì": "ì", "í": "í", "æ": "ỉ", "ó": "ĩ",
               "ò": "ị", "î": "ỵ"}
    table: dict[str, str] = {}

    def add(sequence: str, letter: str) -> None:
        letter = unicodedata.normalize("NFC", letter)
        table[sequence] = letter
        upper = sequence[0].upper() + sequence[1:]
        table.setdefault(upper, letter.upper())  # a capital with a small mark
        table[sequence.upper()] = letter.upper()

    for base in "aeouy":
        for mark, combining in tones.items():
            add(base + mark, base + combining)
    for base in "aeo":
        add(base + "â", base + "\u0302")
        for mark, combining in circumflex_tones.items():
            add(base + mark, base + "\u0302" + combining)
    add("aê", "ă")
    for mark, combining in breve_tones.items():
        add("a" + mark, "ă" + combining)
    for code, letter in singles.items():
        table[code] = letter
        table[code.upper()] = letter.upper()
    for horned in "ôö":  # ơ and ư take the plain tone marks
        for mark, combining in tones.items():
            add(horned + mark, singles[horned] + combining)
    return table


_VNI_TABLE = _vni_table()
_VNI_SEQUENCE = re.compile(
    "|".join(re.escape(k) for k in sorted(_VNI_TABLE, key=len, reverse=True))
)


def vni_to_unicode(text: str) -> str:
    """Convert VNI text (as stored with a VNI-Times font) to NFC Unicode."""
    return _VNI_SEQUENCE.sub(lambda m: _VNI_TABLE[m.group(0)], text)


def unicode_to_vni(text: str) -> str:
    """The inverse mapping (used to build test documents)."""
    inverse: dict[str, str] = {}
    for sequence, letter in _VNI_TABLE.items():
        if letter not in inverse or sequence == sequence.upper():  # capitals: AÙ, not Aù
            inverse[letter] = sequence
    return "".join(inverse.get(ch, ch) for ch in unicodedata.normalize("NFC", text))


def tcvn3_to_unicode(text: str, *, upper: bool = False) -> str:
    """Convert TCVN3 text (as stored with a .VnTime font) to NFC Unicode.

    ``upper`` is for the capital-letter fonts (.VnTimeH, .VnArialH), which draw every
    letter upper-case whatever code was typed.
    """
    out = text.translate(_TCVN3_TRANS)
    return unicodedata.normalize("NFC", out.upper() if upper else out)


def unicode_to_tcvn3(text: str) -> str:
    """The inverse mapping (used to build test documents); toned capitals stay as they are."""
    return unicodedata.normalize("NFC", text).translate(_UNICODE_TO_TCVN3)


def detect_legacy_text(text: str) -> str | None:
    """``tcvn3`` or ``vni`` when the text looks typed in a legacy font, else None.

    VNI first (its tone characters overlap TCVN3's): "öô" (ươ) or a word-initial "ñ"
    (đ) in 2+ places. TCVN3: at least 3 words holding characters that Unicode
    Vietnamese never uses (®, µ, «, ­ …), making up half the non-ASCII words and
    outnumbering the words written in real Unicode Vietnamese.
    """
    if not text:
        return None
    sample = text[:200_000]
    if len(_VNI_RE.findall(sample)) >= 2:
        return "vni"
    words = _WORD_RE.findall(sample)
    non_ascii = [w for w in words if not w.isascii()]
    marked = [w for w in non_ascii if any(ch in _TCVN3_MARKERS for ch in w)]
    unicode_vi = [w for w in non_ascii if any(_is_unicode_vietnamese(ch) for ch in w)]
    if len(marked) >= 3 and len(marked) * 2 >= len(non_ascii) and len(unicode_vi) < len(marked):
        return "tcvn3"
    return None


#: The characters VNI uses for marks and for ơ ư đ and the toned i, ỵ (both cases).
_VNI_MARKS = frozenset(ch for sequence in _VNI_TABLE for ch in sequence if not ch.isascii())


def looks_legacy(text: str, kind: str) -> bool:
    """Whether one value (a field of a mail known to hold ``kind`` text) is legacy text.

    Mail often mixes labels typed in Unicode with values pasted from a .VnTime or VNI
    document; a value is legacy when it holds characters of that encoding and none of
    the letters only Unicode Vietnamese uses.
    """
    if any(_is_unicode_vietnamese(ch) for ch in text):
        return False
    marks = _VNI_MARKS if kind == "vni" else _TCVN3_MARKERS | {"\u00ad"}
    return any(ch in marks for ch in text)


def legacy_to_unicode(text: str, kind: str) -> str:
    """Convert ``text`` typed in ``kind`` (``tcvn3`` or ``vni``) to NFC Unicode."""
    return vni_to_unicode(text) if kind == "vni" else tcvn3_to_unicode(text)


def _is_unicode_vietnamese(ch: str) -> bool:
    """Letters only Unicode Vietnamese uses (ă đ ĩ ũ ơ ư and the U+1EA0 block)."""
    return ch in "ăĂđĐĩĨũŨơƠưƯ" or "\u1ea0" <= ch <= "\u1ef9"


def legacy_font(name: str | None) -> str | None:
    """``tcvn3`` for .VnTime-style fonts, ``vni`` for VNI-Times-style fonts."""
    if not name:
        return None
    low = name.strip().lower()
    if low.startswith(("vni-", "vni ", "vni_")) or low == "vni":
        return "vni"
    if low.startswith(".vn") or re.match(r"^vn(?:3|time|arial|avant|helv|univers|book)", low):
        return "tcvn3"
    return None


def typed_in_legacy(text: str) -> bool:
    """True when a run in a legacy font really holds legacy codes.

    Legacy text has characters above ASCII but none of the letters only Unicode
    Vietnamese uses (ư, ơ, đ, ệ …): those prove the run was typed in Unicode.
    """
    if text.isascii():
        return False
    return not any(_is_unicode_vietnamese(ch) for ch in text)


def is_upper_font(name: str | None) -> bool:
    """Whether a legacy font draws every letter upper-case (.VnTimeH, .VnArialH)."""
    return bool(name) and bool(re.match(r"^\.vn\w*h$", (name or "").strip().lower()))
