"""Reading the federation's own list of units (CSV or XLSX) for ``tinbai init``.

Offices keep the list in Excel: a header row then one unit a row. Columns are found by
their header, in Vietnamese or English, with or without diacritics: the unit's name
(*Tên đơn vị*, *Đơn vị*, *Name*), its kind (*Loại*, *Cấp*, *Kind*: a ``unit_kinds`` key
or a Vietnamese label such as "Công đoàn cơ sở") and other names (*Tên khác*, *Aliases*,
separated by ``;``). CSV may be UTF-8 (with or without BOM, as Excel writes it) or
Windows-1258, comma- or semicolon-separated.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

NAME_HEADERS = ("ten don vi", "don vi", "ten", "name", "unit")
KIND_HEADERS = ("loai don vi", "loai", "cap", "kind", "type")
ALIAS_HEADERS = ("ten khac", "ten goi khac", "aliases", "alias")


class UnitsImportError(ValueError):
    """The file cannot be read as a list of units (the message says why, in Vietnamese)."""


@dataclass
class ImportedUnit:
    name: str
    kind: str
    aliases: list[str] = field(default_factory=list)


def fold(text: str) -> str:
    """Lower case without diacritics (đ → d), single spaces: for matching headers."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return " ".join(text.lower().replace("_", " ").split())


def _rows(path: Path) -> list[list[str]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a bad file
            raise UnitsImportError(f"không đọc được tệp Excel {path.name}: {exc}") from exc
        try:
            sheet = book.worksheets[0]
            return [["" if v is None else str(v).strip() for v in row]
                    for row in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1258", errors="replace")
    text = unicodedata.normalize("NFC", text)
    # The separator is the one that splits the header row most (Excel on a Vietnamese
    # Windows writes ";"; names themselves often hold commas).
    header = text.splitlines()[0] if text else ""
    delimiter = max((";", ",", "\t"), key=header.count)
    return [[cell.strip() for cell in row]
            for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    folded = [fold(h) for h in header]
    for name in names:
        if name in folded:
            return folded.index(name)
    return None


def kind_key(value: str, kinds: dict[str, str], default: str) -> str:
    """The ``unit_kinds`` key for a cell: the key itself or its label, else a guess
    from the words (cơ sở → co_so; huyện, ngành → the district/sector kind)."""
    folded = fold(value)
    if not folded:
        return default
    for key, label in kinds.items():
        if folded in (fold(key), fold(label)):
            return key
    for key, label in kinds.items():
        if folded in fold(label) or fold(label) in folded:
            return key
    raise UnitsImportError(
        f"loại đơn vị «{value}» không khớp loại nào ({', '.join(kinds.values())})"
    )


def read_units(path: Path, kinds: dict[str, str], default_kind: str) -> list[ImportedUnit]:
    """Units of a CSV/XLSX file; ``kinds`` maps unit_kinds keys to their labels."""
    try:
        rows = [r for r in _rows(path) if any(r)]
    except OSError as exc:
        raise UnitsImportError(f"không mở được {path}: {exc.strerror}") from exc
    if not rows:
        raise UnitsImportError(f"{path.name} không có dòng nào")
    header = rows[0]
    name_col = _column(header, NAME_HEADERS)
    if name_col is None:
        raise UnitsImportError(
            f"{path.name}: không thấy cột tên đơn vị (dòng đầu cần có «Tên đơn vị»)"
        )
    kind_col = _column(header, KIND_HEADERS)
    alias_col = _column(header, ALIAS_HEADERS)
    units: list[ImportedUnit] = []
    seen: set[str] = set()
    for number, row in enumerate(rows[1:], start=2):
        def cell(col: int | None, row: list[str] = row) -> str:
            return row[col] if col is not None and col < len(row) else ""

        name = " ".join(cell(name_col).split())
        if not name or fold(name) in seen:
            continue
        try:
            kind = kind_key(cell(kind_col), kinds, default_kind)
        except UnitsImportError as exc:
            raise UnitsImportError(f"{path.name} dòng {number}: {exc}") from None
        aliases = [a.strip() for a in cell(alias_col).split(";") if a.strip()]
        units.append(ImportedUnit(name, kind, aliases))
        seen.add(fold(name))
    return units
