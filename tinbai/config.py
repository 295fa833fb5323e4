"""Loading and validating config.yaml (SPEC §7) into typed settings.

Every key has a default except the contract keys of SPEC §7 in production; a wrong key or
a missing secret names the key and the fix. Secrets never live in the file: only the
*names* of environment variables do (``password_env``).
"""

from __future__ import annotations

import difflib
import os
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from tinbai import clock
from tinbai.config_ops import BackupConfig, OAuthConfig, check_oauth_wiring
from tinbai.config_units import (
    ApprovalsConfig,
    NoticesConfig,
    UnitConfig,
    UnitKindConfig,
    check_unit_tree,
)
from tinbai.config_units import (
    QuotaConfig as QuotaConfig,  # re-exported: tinbai.config.QuotaConfig
)
from tinbai.config_web import WebConfig
from validators.settings import ValidationSettings


class ConfigError(Exception):
    """config.yaml is missing, malformed, or names a secret that is not set.

    The message is meant for the operator: it names the key and says how to fix it.
    """


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class MailboxConfig(_Strict):
    """One polled mailbox."""

    name: str = Field(description="Short name, used in logs and checkpoints.")
    url: str = Field(description="imap://user@host:port/FOLDER, imaps://…, or maildir:PATH.")
    password_env: str | None = Field(
        None, description="Environment variable holding the IMAP password (app password)."
    )
    auth: Literal["password", "xoauth2"] = Field(
        "password", description="Login method; xoauth2 for Gmail / Microsoft 365 OAuth."
    )
    oauth_provider: str | None = Field(
        None, description="xoauth2: a key of oauth.providers (google, microsoft); the "
        "login is made once with `tinbai auth login NAME`."
    )
    oauth_token_command: str | None = Field(
        None,
        description="xoauth2 escape hatch instead of oauth_provider: a command printing a "
        "fresh access token on standard output.",
    )
    gmail_labels: dict[str, str] = Field(
        default_factory=dict,
        description="Gmail (X-GM-EXT-1) only: label added to each processed message by "
        "verdict (accepted, needs_fix, ignored, failed); empty: no labels.",
    )
    processed_folder: str | None = Field(
        None, description="Move each message here after it is stored (None: leave it)."
    )
    quarantine_folder: str | None = Field(
        None, description="Move messages that could not be processed here (None: leave it)."
    )
    since: date | None = Field(
        None, description="On the first connection, ingest only mail received on/after this date."
    )
    batch_size: int = Field(25, ge=1, le=500, description="Messages fetched per IMAP FETCH.")
    timeout_seconds: float = Field(60.0, gt=0, description="Connect/read timeout.")
    ca_file: str | None = Field(None, description="Extra CA bundle for a private IMAP server.")


class SmtpConfig(_Strict):
    """How replies are sent."""

    url: str = Field(
        "maildir:var/outbox",
        description="smtp://host:587?starttls=1, smtps://host:465, or maildir:PATH (outbox).",
    )
    username: str | None = Field(None, description="Login name; default: the user in the URL.")
    password_env: str | None = Field(
        None, description="Environment variable holding the SMTP password."
    )
    from_: str = Field(
        "Ban Biên tập <toasoan@congdoan.example.vn>",
        alias="from",
        description="From address of every reply.",
    )
    auth: Literal["password", "xoauth2"] = Field(
        "password", description="Login method; xoauth2 for Gmail / Microsoft 365 OAuth."
    )
    oauth_mailbox: str | None = Field(None, description="xoauth2: use the OAuth login of "
                                      "this mailbox (default: the first xoauth2 mailbox).")
    oauth_token_command: str | None = Field(
        None, description="xoauth2 escape hatch: a command printing a fresh access token."
    )
    timeout_seconds: float = Field(30.0, gt=0, description="Connect/read timeout.")
    ca_file: str | None = Field(None, description="Extra CA bundle for a private SMTP server.")


class PollingConfig(_Strict):
    """The scheduler of ``tinbai run``."""

    interval_seconds: int = Field(300, ge=10, description="Seconds between two polls.")


class RepliesConfig(_Strict):
    """Reply policy."""

    max_per_sender_per_day: int = Field(
        10, ge=1, description="More answers than this to one sender's mail in 24 h (receipts, "
        "fix requests) are suppressed; notices do not count."
    )
    max_age_days: int = Field(
        14, ge=0, description="Never reply to mail whose Date is older than this."
    )
    retry_base_seconds: int = Field(60, ge=1, description="First retry delay when SMTP fails.")
    retry_max_seconds: int = Field(3600, ge=1, description="Longest retry delay (backoff cap).")
    max_attempts: int = Field(50, ge=1, description="Give up a reply after this many attempts.")
    admin_emails: list[str] = Field(
        default_factory=list, description="Who gets operational alerts (auth failures, quarantine)."
    )
    alert_interval_hours: float = Field(
        6, gt=0, le=24 * 7,
        description="At most one alert email per kind in this many hours; every alert is "
        "still recorded and shown in the web pages.",
    )


class LimitsConfig(_Strict):
    """Bounds on hostile input."""

    max_message_bytes: int = Field(
        40 * 1024 * 1024, ge=1024, description="Larger mail is not downloaded (too_large)."
    )
    max_mime_parts: int = Field(500, ge=1, description="MIME parts beyond this are ignored.")
    max_mime_depth: int = Field(20, ge=1, description="Nesting deeper than this is ignored.")


class UnitValueConfig(_Strict):
    """The value in VND of one royalty coefficient unit from a date on."""

    since: date = Field(description="First day (inclusive) this value applies to.")
    value: int = Field(gt=0, description="VND per coefficient unit (integer đồng).")
    note: str = Field("", description="Where the figure comes from (decree, base salary).")


class GenreConfig(_Strict):
    """One genre of the coefficient table: a coefficient range the editor picks within."""

    label: str = Field(description="Vietnamese name shown to editors and finance.")
    min: Decimal = Field(gt=0, description="Lowest coefficient.")
    max: Decimal = Field(gt=0, description="Highest coefficient (= min: a single value).")
    default: Decimal | None = Field(
        None, description="Coefficient used when the editor gives none (default: min when "
        "min = max; otherwise the editor must choose)."
    )


class CoefficientTableConfig(_Strict):
    """The organisation's coefficient table per genre, valid from a date on."""

    since: date
    genres: dict[str, GenreConfig]


class TaxRuleConfig(_Strict):
    """Personal income tax withheld on a single payment, valid from a date on."""

    since: date
    rate: Decimal = Field(ge=0, lt=1, description="Withholding rate, e.g. 0.10 for 10 %.")
    threshold: int = Field(
        ge=0, description="Withhold when one payee's payment in a batch is ≥ this (VND)."
    )
    note: str = Field("", description="Legal basis (e.g. Circular 111/2013/TT-BTC).")


class LayoutColumnConfig(_Strict):
    """One column of a payment-list layout."""

    field: Literal[
        "stt", "author", "account_holder", "account_number", "bank", "bank_code", "bank_bin",
        "items", "item_count", "gross", "tax", "net", "description", "flag",
    ]
    header: str
    width: int | None = Field(None, ge=3, le=120, description="XLSX column width (characters).")


class PaymentLayoutConfig(_Strict):
    """Columns of the payment list as one bank's bulk-transfer upload wants them."""

    label: str
    columns: list[LayoutColumnConfig]
    description_max_length: int = Field(
        210, ge=20, le=500, description="Transfer descriptions are cut to this length.")
    totals_row: bool = Field(True, description="XLSX: a totals row under the payees.")
    csv_excel_text: bool = Field(True, description='CSV: account numbers as ="0071…" (Excel '
                                 "keeps the zeros); false when a bank reads the CSV itself.")


def _default_layouts() -> dict[str, PaymentLayoutConfig]:
    spec = [
        ("stt", "STT", 6), ("author", "Tác giả", 24),
        ("account_holder", "Chủ tài khoản", 24), ("account_number", "Số tài khoản", 20),
        ("bank", "Ngân hàng", 14), ("items", "Tin, bài", 60), ("gross", "Nhuận bút", 14),
        ("tax", "Thuế TNCN khấu trừ", 14), ("net", "Thực nhận", 14),
        ("description", "Nội dung chuyển khoản", 44), ("flag", "Cảnh báo", 22),
    ]
    vcb = [
        ("stt", "STT", 6), ("account_number", "Số tài khoản người hưởng", 22),
        ("account_holder", "Tên người hưởng", 26), ("net", "Số tiền", 14),
        ("bank", "Ngân hàng hưởng", 16), ("description", "Nội dung", 50),
    ]
    bidv = [
        ("stt", "STT", 6), ("account_holder", "Tên người thụ hưởng", 26),
        ("account_number", "Số tài khoản thụ hưởng", 22), ("bank_bin", "Mã ngân hàng", 12),
        ("bank", "Tên ngân hàng", 16), ("net", "Số tiền", 14),
        ("description", "Nội dung chuyển tiền", 50),
    ]

    def cols(rows: list[tuple[str, str, int]]) -> list[LayoutColumnConfig]:
        return [LayoutColumnConfig.model_validate({"field": f, "header": h, "width": w})
                for f, h, w in rows]

    return {
        "default": PaymentLayoutConfig.model_validate(
            {"label": "Danh sách chi nhuận bút (đầy đủ)", "columns": cols(spec)}),
        "vietcombank": PaymentLayoutConfig.model_validate(
            {"label": "Kiểu Vietcombank (ví dụ, đối chiếu với mẫu của ngân hàng)",
             "columns": cols(vcb), "description_max_length": 160, "totals_row": False}),
        "bidv": PaymentLayoutConfig.model_validate(
            {"label": "Kiểu BIDV (ví dụ, đối chiếu với mẫu của ngân hàng)",
             "columns": cols(bidv), "description_max_length": 160, "totals_row": False}),
    }


def _default_genres() -> dict[str, GenreConfig]:
    return {
        key: GenreConfig.model_validate({"label": label, "min": low, "max": high})
        for key, label, low, high in (("tin", "Tin", "0.5", "1.0"), ("bai", "Bài", "1.0", "2.5"),
                                      ("anh", "Ảnh", "0.3", "0.5"))
    }


class RoyaltyConfig(_Strict):
    """Royalty rules (SPEC §6): unit value, coefficient table and tax, all effective-dated."""

    unit_values: list[UnitValueConfig] = Field(
        default_factory=lambda: [UnitValueConfig(
            since=date(2024, 7, 1), value=234_000,
            note="10 % of the base salary 2,340,000 VND (Decree 18/2014, Decree 73/2024)")],
        description="VND per coefficient unit; the entry in force on the published date.",
    )
    coefficient_tables: list[CoefficientTableConfig] = Field(
        default_factory=lambda: [CoefficientTableConfig(since=date(2024, 7, 1),
                                                        genres=_default_genres())],
        description="Coefficient ranges per genre; the table in force on the published date.",
    )
    tax: list[TaxRuleConfig] = Field(
        default_factory=lambda: [TaxRuleConfig(since=date(2013, 9, 1), rate=Decimal("0.10"),
                                               threshold=2_000_000,
                                               note="Circular 111/2013/TT-BTC art. 25")],
        description="Withholding; the rule in force on the batch (payment) date.",
    )
    description: str = Field(
        "Nhuan but {period} {refs}",
        description="Transfer description; {period}, {refs}, {author}, {batch} are filled "
        "in, then diacritics are removed.",
    )
    default_layout: str = Field("default", description="Layout used without --layout.")
    payment_layouts: dict[str, PaymentLayoutConfig] = Field(default_factory=_default_layouts)

    @field_validator("unit_values", "coefficient_tables", "tax")
    @classmethod
    def _dated(cls, value: list[Any]) -> list[Any]:
        if not value:
            raise ValueError("at least one dated entry is needed")
        days = [entry.since for entry in value]
        if len(set(days)) != len(days):
            raise ValueError("two entries have the same 'since' date")
        return sorted(value, key=lambda entry: entry.since)

    @model_validator(mode="after")
    def _known_layout(self) -> RoyaltyConfig:
        if self.default_layout not in self.payment_layouts:
            raise ValueError(
                f"default_layout {self.default_layout!r} is not one of payment_layouts "
                f"({', '.join(sorted(self.payment_layouts))})"
            )
        for key, genre in ((k, g) for t in self.coefficient_tables for k, g in t.genres.items()):
            if genre.min > genre.max:
                raise ValueError(f"genre {key}: min {genre.min} is above max {genre.max}")
            if genre.default is not None and not genre.min <= genre.default <= genre.max:
                raise ValueError(f"genre {key}: default {genre.default} is outside min–max")
        return self


class Config(_Strict):
    """The whole of config.yaml."""

    mailboxes: list[MailboxConfig] = Field(
        default_factory=lambda: [MailboxConfig(name="local", url="maildir:var/inbox")],
        description="Mailboxes polled by `tinbai poll` / `tinbai run`, in order.",
    )
    smtp: SmtpConfig = Field(default_factory=SmtpConfig)
    data_dir: Path = Field(Path("var"), description="SQLite database, raw messages, photos.")
    timezone: str = Field(
        clock.DEFAULT_ZONE,
        description="IANA time zone of every date: today, the reference year, the period "
        "of a publication or a payment, and every time shown (SPEC §7).",
    )
    polling: PollingConfig = Field(default_factory=PollingConfig)
    replies: RepliesConfig = Field(default_factory=RepliesConfig)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    validation: ValidationSettings = Field(default_factory=ValidationSettings)
    unit_kinds: dict[str, UnitKindConfig] = Field(
        default_factory=dict, description="Kinds of unit and their quotas, by key."
    )
    units: list[UnitConfig] = Field(
        default_factory=list,
        description="The unit registry that free-text units of emails are matched to.",
    )
    web: WebConfig = Field(default_factory=WebConfig)
    oauth: OAuthConfig = Field(default_factory=OAuthConfig)
    backup: BackupConfig = Field(default_factory=BackupConfig)
    royalties: RoyaltyConfig = Field(default_factory=RoyaltyConfig)
    approvals: ApprovalsConfig = Field(default_factory=ApprovalsConfig)
    notices: NoticesConfig = Field(default_factory=NoticesConfig)
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR.")

    base_dir: Path = Field(Path("."), exclude=True, description="Folder of the config file.")

    @field_validator("mailboxes")
    @classmethod
    def _unique_names(cls, value: list[MailboxConfig]) -> list[MailboxConfig]:
        names = [m.name for m in value]
        if len(set(names)) != len(names):
            raise ValueError("mailbox names must be unique")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return str(clock.zone_named(value))

    @model_validator(mode="after")
    def _oauth_wiring(self) -> Config:
        check_oauth_wiring(self.mailboxes, self.smtp, self.oauth)
        return self

    def mailbox(self, name: str) -> MailboxConfig:
        """The configured mailbox called ``name`` (ConfigError naming the known ones)."""
        for box in self.mailboxes:
            if box.name == name:
                return box
        known = ", ".join(b.name for b in self.mailboxes)
        raise ConfigError(f"no mailbox named {name!r} in config.yaml (mailboxes: {known})")

    def resolve(self, path: str | Path) -> Path:
        """A path from the file, made absolute against the config file's folder (SPEC §7)."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else (self.base_dir / p).resolve()

    @property
    def data_path(self) -> Path:
        return self.resolve(self.data_dir)

    def check_units(self) -> None:
        """Every unit names a declared kind and an existing parent (no loop)."""
        try:
            check_unit_tree(self.units, self.unit_kinds)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None


def secret(env_name: str | None, key: str) -> str | None:
    """Read a secret from the environment variable named by config key ``key``.

    Raises ConfigError naming the key and the fix when the variable is named but unset.
    """
    if not env_name:
        return None
    value = os.environ.get(env_name)
    if value is None or value == "":
        raise ConfigError(
            f"{key} names the environment variable {env_name}, which is not set. "
            f"Set it before starting tinbai, e.g.: export {env_name}='…'"
        )
    return value


def _format_validation_error(err: ValidationError, source: str) -> str:
    lines = [f"{source}: invalid configuration"]
    for item in err.errors():
        loc = ".".join(str(p) for p in item["loc"])
        if item["type"] == "extra_forbidden":
            parent_model = _model_at(item["loc"][:-1])
            known = list(parent_model.model_fields) if parent_model else []
            known = [k if k != "from_" else "from" for k in known if k != "base_dir"]
            guess = difflib.get_close_matches(str(item["loc"][-1]), known, n=1)
            hint = f"; did you mean {guess[0]!r}?" if guess else ""
            lines.append(
                f"  - {loc}: unknown key{hint} (known keys here: {', '.join(known)})"
            )
        else:
            lines.append(f"  - {loc}: {item['msg']}")
    return "\n".join(lines)


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model class found by following ``loc`` from :class:`Config`."""
    model: type[BaseModel] | None = Config
    for part in loc:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        annotation = field.annotation
        model = _first_model(annotation)
    return model


def _first_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _first_model(arg)
        if found is not None:
            return found
    return None


def load_config(path: str | Path | None = None) -> Config:
    """Load config.yaml (``./config.yaml`` when ``path`` is None) and set the local time
    zone (:func:`tinbai.clock.configure`) to its ``timezone``.

    With no file at the default place the built-in defaults are used (a local Maildir
    inbox under ./var), so a fresh checkout works; an explicitly named missing file is an
    error.
    """
    cfg_path = Path(path) if path is not None else Path("config.yaml")
    if not cfg_path.exists() and path is not None:
        raise ConfigError(f"{cfg_path}: no such configuration file")
    config = _read_config(cfg_path) if cfg_path.exists() else Config(base_dir=Path.cwd())
    clock.configure(config.timezone)  # SPEC §7: every date is in this zone
    return config


def _read_config(cfg_path: Path) -> Config:
    try:
        data = yaml.safe_load(cfg_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{cfg_path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{cfg_path}: the top level must be a mapping of keys")
    if "base_dir" in data:
        raise ConfigError(f"{cfg_path}: base_dir is not a configuration key")
    try:
        config = Config.model_validate({**data, "base_dir": cfg_path.resolve().parent})
    except ValidationError as exc:
        raise ConfigError(_format_validation_error(exc, str(cfg_path))) from None
    config.check_units()
    return config
