"""Money in integer VND and the royalty rules in force on a date.

Rounding rule (documented in README "Finance and reports"):

- an item's royalty (gross) = coefficient × value of one coefficient unit in force on the
  item's *published date*, rounded half-up to the whole đồng;
- a payee's gross = the sum of their items' grosses in the batch (the "single payment");
- tax withheld = gross × rate, rounded half-up to the whole đồng, when the payee's gross
  is ≥ the threshold of the tax rule in force on the batch's *payment date*; otherwise 0;
- net = gross − tax.

All arithmetic is :class:`decimal.Decimal` on exact inputs; no float ever touches money.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ingest.normalize import fold
from tinbai.config import GenreConfig, RoyaltyConfig, TaxRuleConfig, UnitValueConfig


class RoyaltyError(ValueError):
    """A genre or coefficient that the royalty table does not allow; the message says why."""


def _dmy(day: date) -> str:
    """``date(2026, 7, 1)`` → ``01/07/2026`` (how Vietnamese office staff write dates)."""
    return day.strftime("%d/%m/%Y")


def round_vnd(amount: Decimal) -> int:
    """Round half-up to the whole đồng (0.5 → 1, 2.5 → 3)."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def parse_decimal(value: Any) -> Decimal:
    """A Decimal from text such as ``1.5`` or ``1,5`` (never via float)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        raise TypeError("floats are not accepted for money or coefficients")
    try:
        return Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise RoyaltyError(
            f"«{value}» không phải là số: hãy viết hệ số dạng 1,5 hoặc 1.5."
        ) from None


def format_vnd(amount: int) -> str:
    """``1234567`` → ``1.234.567`` (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".")


def format_coefficient(value: Decimal) -> str:
    """``Decimal('1.50')`` → ``1.5``; ``Decimal('2')`` → ``2.0`` (at least one decimal)."""
    normal = value.normalize()
    if normal == normal.to_integral_value():
        return f"{int(normal)}.0"
    return format(normal, "f")


def _comma(value: Decimal) -> str:
    """A coefficient as people write it in messages: ``0,5``, ``2`` (decimal comma)."""
    return format_coefficient(value).removesuffix(".0").replace(".", ",")


def genre_key(genre: str) -> str:
    """Genre as a table key: folded (``Bài`` → ``bai``), spaces as underscores."""
    return fold(genre or "").replace(" ", "_")


@dataclass(frozen=True)
class TaxResult:
    gross: int
    tax: int
    net: int
    rate: Decimal
    threshold: int


class RoyaltyRules:
    """The configured royalty rules, looked up by date."""

    def __init__(self, config: RoyaltyConfig) -> None:
        self.config = config

    @staticmethod
    def _on(entries: list[Any], day: date, what: str) -> Any:
        found = None
        for entry in entries:  # sorted by ``since`` by the config validator
            if entry.since <= day:
                found = entry
        if found is None:
            first = _dmy(entries[0].since) if entries else "—"
            raise RoyaltyError(
                f"Chưa cấu hình {what} áp dụng cho ngày {_dmy(day)} (mục đầu tiên áp dụng từ "
                f"ngày {first}): hãy nhờ quản trị viên thêm một mục có ngày bắt đầu sớm hơn "
                "vào phần royalties của config.yaml."
            )
        return found

    def unit_value_on(self, day: date) -> UnitValueConfig:
        entry: UnitValueConfig = self._on(self.config.unit_values, day, "giá trị một hệ số")
        return entry

    def genres_on(self, day: date) -> dict[str, GenreConfig]:
        table = self._on(self.config.coefficient_tables, day, "bảng hệ số nhuận bút")
        genres: dict[str, GenreConfig] = table.genres
        return genres

    def tax_rule_on(self, day: date) -> TaxRuleConfig:
        entry: TaxRuleConfig = self._on(self.config.tax, day, "mức thuế TNCN")
        return entry

    def resolve(
        self, genre: str | None, coefficient: str | None, on: date
    ) -> tuple[str | None, Decimal | None]:
        """Validate an editor's genre and coefficient against the table in force ``on``.

        Returns (genre key, coefficient). A genre must be in the table; a coefficient must
        lie within the genre's range; with no coefficient the genre's default (or its single
        value when min = max) is used, and a genre with a real range needs one.
        """
        coef = parse_decimal(coefficient) if coefficient not in (None, "") else None
        if coef is not None and (coef <= 0 or coef > 100):
            raise RoyaltyError(
                f"Hệ số nhuận bút «{coefficient}» không hợp lệ: hệ số phải lớn hơn 0 và "
                "không quá 100."
            )
        if not genre:
            return None, coef
        genres = self.genres_on(on)
        key = genre_key(genre)
        if key not in genres:
            known = ", ".join(f"{g.label} ({k})" for k, g in genres.items())
            raise RoyaltyError(
                f"Thể loại «{genre}» không có trong bảng nhuận bút: hãy chọn một trong các "
                f"thể loại {known}."
            )
        rule = genres[key]
        span = f"{_comma(rule.min)}–{_comma(rule.max)}"
        if coef is None:
            if rule.default is not None:
                coef = rule.default
            elif rule.min == rule.max:
                coef = rule.min
            else:
                raise RoyaltyError(
                    f"Thể loại «{rule.label}» có hệ số trong khoảng {span}: hãy ghi hệ số "
                    "nhuận bút trong khoảng đó."
                )
        if not rule.min <= coef <= rule.max:
            raise RoyaltyError(
                f"Hệ số {_comma(coef)} nằm ngoài khoảng {span} của thể loại "
                f"«{rule.label}»: hãy ghi một hệ số trong khoảng đó."
            )
        return key, coef

    def item_gross(self, coefficient: Decimal, published: date) -> tuple[int, int]:
        """(gross royalty, unit value used) for one item published on ``published``."""
        unit = self.unit_value_on(published).value
        return round_vnd(coefficient * Decimal(unit)), unit

    def tax(self, gross: int, payment_date: date) -> TaxResult:
        """Withholding on one payee's payment in a batch paid on ``payment_date``."""
        rule = self.tax_rule_on(payment_date)
        tax = round_vnd(Decimal(gross) * rule.rate) if gross >= rule.threshold else 0
        return TaxResult(gross=gross, tax=tax, net=gross - tax, rate=rule.rate,
                         threshold=rule.threshold)


_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_GROUPS = ("", "nghìn", "triệu", "tỷ")


def _group_words(number: int, leading: bool) -> list[str]:
    """Words of a 0-999 group; a non-leading group always reads its hundreds."""
    hundreds, tens, units = number // 100, number // 10 % 10, number % 10
    words: list[str] = []
    if hundreds or not leading:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append("linh")
            words.append(_DIGITS[units])
    elif tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else _DIGITS[units])
    else:
        words += [_DIGITS[tens], "mươi"]
        if units:
            words.append({1: "mốt", 5: "lăm"}.get(units, _DIGITS[units]))
    return words


def vnd_in_words(amount: int) -> str:
    """``4235400`` → ``Bốn triệu hai trăm ba mươi lăm nghìn bốn trăm đồng`` (for the
    "bằng chữ" line of a payment list)."""
    if amount < 0:
        text = vnd_in_words(-amount)
        return "Âm " + text[0].lower() + text[1:]
    if amount == 0:
        return "Không đồng"
    groups: list[int] = []  # groups of three digits, lowest first
    rest = amount
    while rest:
        groups.append(rest % 1000)
        rest //= 1000
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        if groups[index]:
            words += _group_words(groups[index], leading=index == len(groups) - 1)
            if index % 3:
                words.append(_GROUPS[index % 3])
        # "tỷ" closes every block of three groups that has something in it.
        if index % 3 == 0 and index and any(groups[index:index + 3]):
            words += ["tỷ"] * (index // 3)
    text = " ".join(words) + " đồng"
    return text[0].upper() + text[1:]
