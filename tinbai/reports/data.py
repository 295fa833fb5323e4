"""The per-unit report of a period (SPEC §6) and the public list of units and individuals.

Counts per unit of the registry (config.yaml ``units``), grouped by kind:

- **received**: submissions whose first email arrived in the period (Vietnam time);
- **approved by the unit** (only when a unit kind has ``needs_approval``): of those, the
  ones the unit's leadership approved (by reply, link or on arrival; not an editor in its
  place), "—" for units whose kind does not need approval;
- **accepted**: of those, the ones that ever reached ``pending_review`` (no blocking
  error) or a later status — even if later rejected;
- **published**: items with a published date in the period (status published or paid);
- **quota**: the kind's quota for the period length (see :func:`quota_for`);
- **met**: published ≥ quota (None when there is no quota).

Submissions whose unit was not matched to the registry are counted under
"Khác/Không xác định", one row per unit name as written. What contributors typed (names,
titles, units as written) is published, so it passes the public's masking
(:mod:`tinbai.privacy`: no bank account or phone number reaches the list).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ingest.normalize import fold
from store.db import Store
from tinbai import clock
from tinbai.config import Config, QuotaConfig
from tinbai.periods import MONTHS, Period
from tinbai.privacy import Redactor, known_accounts

OTHER_KIND = "_other"
OTHER_LABEL = "Khác/Không xác định"
NO_UNIT = "(không ghi đơn vị)"

_KIND_ORDER = ("month", "quarter", "half", "year")


def quota_for(quota: QuotaConfig, kind: str) -> tuple[Fraction | None, bool]:
    """The quota of a period kind: (items, derived?).

    Rule: the quota configured for that period length is used as is. Otherwise it is
    derived in proportion to time from the *nearest* configured length — preferring a
    longer period that contains it (a year quota of 12 gives 3 a quarter; a half-year
    quota of 1 gives ½ a quarter, met by one published item), else a shorter one (1 a
    month gives 12 a year). Derived quotas are exact fractions, marked with * in reports.
    """
    exact = getattr(quota, kind)
    if exact is not None:
        return Fraction(int(exact)), False
    months = MONTHS[kind]
    position = _KIND_ORDER.index(kind)
    for longer in _KIND_ORDER[position + 1:]:
        value = getattr(quota, longer)
        if value is not None:
            return Fraction(int(value) * months, MONTHS[longer]), True
    for shorter in reversed(_KIND_ORDER[:position]):
        value = getattr(quota, shorter)
        if value is not None:
            return Fraction(int(value) * months, MONTHS[shorter]), True
    return None, False


def format_quota(value: Fraction | None, derived: bool) -> str:
    """``3``, ``0,5*``, ``—``."""
    if value is None:
        return "—"
    if value.denominator == 1:
        text = str(value.numerator)
    else:
        text = f"{float(value):.2f}".rstrip("0").rstrip(".").replace(".", ",")
    return text + ("*" if derived else "")


@dataclass
class UnitRow:
    name: str
    kind: str
    received: int = 0
    approved: int = 0
    needs_approval: bool = False
    accepted: int = 0
    published: int = 0
    quota: Fraction | None = None
    quota_derived: bool = False

    @property
    def met(self) -> bool | None:
        return None if self.quota is None else self.published >= self.quota

    @property
    def approved_text(self) -> int | str:
        """Approved by the unit, or "—" when its kind does not need approval."""
        return self.approved if self.needs_approval else "—"

    @property
    def quota_text(self) -> str:
        return format_quota(self.quota, self.quota_derived)

    @property
    def verdict(self) -> str:
        return {None: "—", True: "Đạt", False: "Chưa đạt"}[self.met]

    @property
    def quota_ceiling(self) -> int | None:
        """The whole number of items that meets the quota."""
        return None if self.quota is None else math.ceil(self.quota)


@dataclass
class KindGroup:
    kind: str
    label: str
    quota_text: str
    rows: list[UnitRow]

    @property
    def received(self) -> int:
        return sum(r.received for r in self.rows)

    @property
    def accepted(self) -> int:
        return sum(r.accepted for r in self.rows)

    @property
    def approved(self) -> int:
        return sum(r.approved for r in self.rows)

    @property
    def published(self) -> int:
        return sum(r.published for r in self.rows)

    @property
    def met_count(self) -> int:
        return sum(1 for r in self.rows if r.met)


@dataclass
class PublicItem:
    ref: str
    title: str
    published_date: str
    url: str | None


@dataclass
class PublicPerson:
    author: str
    unit: str
    items: list[PublicItem] = field(default_factory=list)


@dataclass
class UnitReport:
    period: Period
    groups: list[KindGroup]
    public_units: list[tuple[str, int]]
    public_people: list[PublicPerson]
    generated_at: str
    has_approval: bool = False
    """Some unit kind needs approval: the report shows the "approved by the unit" column."""

    @property
    def all_rows(self) -> list[UnitRow]:
        return [row for group in self.groups for row in group.rows]

    @property
    def received(self) -> int:
        return sum(g.received for g in self.groups)

    @property
    def accepted(self) -> int:
        return sum(g.accepted for g in self.groups)

    @property
    def published(self) -> int:
        return sum(g.published for g in self.groups)

    @property
    def approved(self) -> int:
        return sum(g.approved for g in self.groups)

    @property
    def has_derived_quota(self) -> bool:
        return any(r.quota_derived for r in self.all_rows)


def _unit_of(row: dict[str, Any], registry: set[str]) -> tuple[str, str]:
    """(kind or OTHER_KIND, unit display name) of a submission row."""
    name = row.get("unit_name")
    if name and name in registry:
        return "", str(name)
    raw = " ".join(str(row.get("unit") or "").split())
    return OTHER_KIND, raw or NO_UNIT


def build_unit_report(store: Store, config: Config, period: Period) -> UnitReport:
    """Count received / accepted / published per unit for ``period``."""
    registry = {u.name: u for u in config.units}
    rows: dict[str, UnitRow] = {}
    for unit in config.units:
        quota_cfg = config.unit_kinds[unit.kind].quota if unit.kind in config.unit_kinds else None
        quota, derived = quota_for(quota_cfg, period.kind) if quota_cfg else (None, False)
        kind_of = config.unit_kinds.get(unit.kind)
        rows[unit.name] = UnitRow(unit.name, unit.kind, quota=quota, quota_derived=derived,
                                  needs_approval=bool(kind_of and kind_of.needs_approval))
    other: dict[str, UnitRow] = {}

    def row_for(sub: dict[str, Any]) -> UnitRow:
        kind, name = _unit_of(sub, set(registry))
        if kind != OTHER_KIND:
            return rows[name]
        key = fold(name)
        if key not in other:
            other[key] = UnitRow(name, OTHER_KIND)
        return other[key]

    approved = store.approvals.unit_approved_between(period.start_utc_iso(),
                                                     period.end_utc_iso())
    for sub in store.submissions.received_between(period.start_utc_iso(), period.end_utc_iso()):
        row = row_for(sub)
        row.received += 1
        row.approved += int(sub["id"]) in approved
        if sub["reached_review"]:
            row.accepted += 1
    published = store.submissions.published_between(
        period.start.isoformat(), period.end.isoformat()
    )
    unit_counts: dict[str, int] = defaultdict(int)
    people: dict[str, PublicPerson] = {}
    for sub in published:
        row = row_for(sub)
        row.published += 1
        unit_counts[row.name] += 1
        key = str(sub.get("author_key") or fold(str(sub.get("author") or ""))) or "?"
        person = people.get(key)
        if person is None:
            person = people[key] = PublicPerson(str(sub.get("author") or "?"), row.name)
        person.unit = row.name  # the latest unit written
        person.items.append(PublicItem(str(sub["ref"]), str(sub.get("title") or ""),
                                       str(sub["published_date"]), sub.get("published_url")))

    groups: list[KindGroup] = []
    for kind, kind_cfg in config.unit_kinds.items():
        members = [r for r in rows.values() if r.kind == kind]
        if not members:
            continue
        quota, derived = quota_for(kind_cfg.quota, period.kind)
        groups.append(KindGroup(kind, kind_cfg.label, format_quota(quota, derived), members))
    undeclared = [r for r in rows.values() if r.kind not in config.unit_kinds]
    if undeclared:
        groups.append(KindGroup("", "Chưa phân loại", "—", undeclared))
    if other:
        groups.append(KindGroup(OTHER_KIND, OTHER_LABEL, "—",
                                sorted(other.values(), key=lambda r: fold(r.name))))
    public = Redactor(known=known_accounts(store))

    def masked(text: str) -> str:
        return public.redact(text, generic=True)

    for row in other.values():
        row.name = masked(row.name)
    for person in people.values():
        person.author, person.unit = masked(person.author), masked(person.unit)
        for item in person.items:
            item.title = masked(item.title)
    public_units = sorted(((masked(name), count) for name, count in unit_counts.items()),
                          key=lambda kv: (-kv[1], fold(kv[0])))
    public_people = sorted(people.values(), key=lambda p: (-len(p.items), fold(p.author)))
    return UnitReport(
        period=period, groups=groups, public_units=public_units, public_people=public_people,
        generated_at=clock.now().strftime("%d/%m/%Y %H:%M"),
        has_approval=any(k.needs_approval for k in config.unit_kinds.values()),
    )
