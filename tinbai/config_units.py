"""Settings of the units and of the loop with them: the unit registry, unit kinds and
quotas, approval by the unit (seeds 002/003), the notices and reminders (issue 15).

Kept apart from :mod:`tinbai.config` so that module stays readable; ``Config`` includes
these sections (and re-exports the unit classes under their old names).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _addresses(value: list[str]) -> list[str]:
    """E-mail addresses, trimmed and lower-cased; ValueError for one without ``@``."""
    cleaned = [a.strip().lower() for a in value if a and a.strip()]
    bad = [a for a in cleaned if "@" not in a or " " in a]
    if bad:
        raise ValueError(f"not an e-mail address: {', '.join(bad)}")
    return list(dict.fromkeys(cleaned))


class UnitConfig(_Strict):
    """One unit of the unit registry."""

    name: str = Field(description="The unit's official name, as shown in reports.")
    kind: str = Field(description="A key of unit_kinds.")
    aliases: list[str] = Field(
        default_factory=list, description="Other ways contributors write the unit's name."
    )
    parent: str | None = Field(
        None, description="The unit above this one (its name): its approvers approve this "
        "unit's items when this unit has none (seed 003: district and sector unions approve "
        "their grassroots units')."
    )
    approvers: list[str] = Field(
        default_factory=list, description="E-mail addresses of the unit's leadership who "
        "approve its items (when its kind has needs_approval)."
    )
    emails: list[str] = Field(
        default_factory=list, description="Where the unit's quota reminders go (empty: "
        "its approvers)."
    )

    @field_validator("approvers", "emails")
    @classmethod
    def _clean(cls, value: list[str]) -> list[str]:
        return _addresses(value)


class QuotaConfig(_Strict):
    """Items expected per period; None means no quota for that period length."""

    month: int | None = Field(None, description="Items expected per month.")
    quarter: int | None = Field(None, description="Items expected per quarter.")
    half: int | None = Field(None, description="Items expected per half-year.")
    year: int | None = Field(None, description="Items expected per year.")


class UnitKindConfig(_Strict):
    """A kind of unit (configuration, not code: the 2025 reform changed unit levels)."""

    label: str = Field(description="Vietnamese name of the kind, shown in reports.")
    quota: QuotaConfig = Field(default_factory=QuotaConfig)
    needs_approval: bool = Field(
        False, description="Items from units of this kind wait for the approval of the "
        "unit's leadership (its approvers, else the nearest parent's) before review."
    )


class ApprovalsConfig(_Strict):
    """Approval by the unit's leadership (seed 002: "Lãnh đạo các đơn vị … kiểm duyệt")."""

    remind_after_days: int = Field(
        3, ge=1, description="Approvers who have not answered after this many days are "
        "reminded, once."
    )
    link_valid_days: int = Field(
        14, ge=1, le=90, description="The signed approve/return link of an approval e-mail "
        "works this many days."
    )


class NoticesConfig(_Strict):
    """E-mails that close the loop: to authors, editors, units and leadership."""

    published: bool = Field(True, description="E-mail the author the URL and date when "
                            "an item is published.")
    paid: bool = Field(True, description="E-mail each payee the items, gross, tax, net and "
                       "the masked account when a payment batch is marked paid.")
    editors: list[str] = Field(
        default_factory=list, description="Who gets the daily digest (empty: "
        "replies.admin_emails)."
    )
    digest_hour: int = Field(7, ge=0, le=23, description="Hour (local time) of the daily "
                             "digest to editors.")
    review_after_days: int = Field(
        3, ge=1, description="The digest lists items waiting for review longer than this."
    )
    quiet_hours: int = Field(
        48, ge=1, description="The digest warns when no mail at all arrived for this many "
        "hours (a broken mailbox connection looks like a quiet week)."
    )
    fix_reminder_days: int = Field(
        7, ge=0, description="One reminder to a contributor whose item waits for a fix this "
        "many days (0: none)."
    )
    quota_periods: list[str] = Field(
        default_factory=lambda: ["quarter"],
        description="Periods (month, quarter, half, year) at whose end units behind their "
        "quota are reminded (empty: no quota reminders)."
    )
    quota_day: int = Field(
        20, ge=1, le=28, description="Quota reminders go out on this day of the last month "
        "of each period (or the first run after it)."
    )
    leadership: list[str] = Field(
        default_factory=list, description="Who gets the summary of the quota reminders "
        "(empty: the digest's recipients)."
    )

    @field_validator("editors", "leadership")
    @classmethod
    def _clean(cls, value: list[str]) -> list[str]:
        return _addresses(value)

    @field_validator("quota_periods")
    @classmethod
    def _kinds(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if v not in ("month", "quarter", "half", "year")]
        if bad:
            raise ValueError(f"quota_periods: use month, quarter, half or year (not {bad})")
        return list(dict.fromkeys(value))


def check_unit_tree(units: Sequence[UnitConfig], kinds: Mapping[str, UnitKindConfig]) -> None:
    """Every unit names a declared kind and an existing parent, without a loop; ValueError
    names the unit otherwise."""
    names = {unit.name for unit in units}
    parents = {unit.name: unit.parent for unit in units}
    for unit in units:
        if kinds and unit.kind not in kinds:
            raise ValueError(
                f"units: «{unit.name}» has kind {unit.kind!r}, which is not declared in "
                f"unit_kinds (declared: {', '.join(sorted(kinds))})"
            )
        if unit.parent is not None and unit.parent not in names:
            raise ValueError(f"units: «{unit.name}» has parent «{unit.parent}», which is not "
                             "the name of a unit in units")
        seen = {unit.name}
        above = unit.parent
        while above is not None:
            if above in seen:
                raise ValueError(f"units: the parents of «{unit.name}» go round in a loop")
            seen.add(above)
            above = parents.get(above)
