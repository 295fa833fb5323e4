"""Settings of the operations features: OAuth 2.0 providers and backups.

Kept apart from :mod:`tinbai.config` so that module stays readable; ``Config`` includes
these sections. Endpoints are configuration with the providers' public defaults, so a
private identity server (or the tests' local one) is a matter of config.yaml.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

GOOGLE_SCOPES = ["https://mail.google.com/"]
MICROSOFT_SCOPES = [
    "https://outlook.office.com/IMAP.AccessAsUser.All",
    "https://outlook.office.com/SMTP.Send",
    "offline_access",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class OAuthProviderConfig(_Strict):
    """One OAuth 2.0 authorization server (Google, Microsoft identity platform, …)."""

    flow: Literal["loopback", "device"] = Field(
        description="loopback: browser + redirect to 127.0.0.1 with PKCE (RFC 8252, RFC 7636; "
        "Google); device: a code typed on another device (RFC 8628; Microsoft)."
    )
    client_id: str = Field("", description="The OAuth client ID registered for this office "
                           "(docs/operations.md tells how to get one).")
    client_secret_env: str | None = Field(
        None, description="Environment variable with the client secret (Google desktop "
        "clients have one; Microsoft public clients have none)."
    )
    authorize_url: str | None = Field(None, description="loopback: the authorization endpoint.")
    device_url: str | None = Field(
        None, description="device: the device authorization endpoint (RFC 8628 §3.1)."
    )
    token_url: str = Field(description="The token endpoint (code, refresh and device grants).")
    scopes: list[str] = Field(description="Scopes asked for (IMAP and SMTP access, offline).")
    extra_params: dict[str, str] = Field(
        default_factory=dict,
        description="Extra parameters of the authorization request (Google: access_type="
        "offline and prompt=consent, without which no refresh token is issued).",
    )


def default_providers() -> dict[str, OAuthProviderConfig]:
    """Google (installed-app loopback flow) and Microsoft 365 (device-code flow)."""
    return {
        "google": OAuthProviderConfig(
            flow="loopback",
            client_secret_env="TINBAI_GOOGLE_CLIENT_SECRET",
            authorize_url="https://accounts.google.com/o/oauth2/v2/auth",
            token_url="https://oauth2.googleapis.com/token",
            scopes=list(GOOGLE_SCOPES),
            extra_params={"access_type": "offline", "prompt": "consent"},
        ),
        "microsoft": OAuthProviderConfig(
            flow="device",
            device_url="https://login.microsoftonline.com/organizations/oauth2/v2.0/devicecode",
            token_url="https://login.microsoftonline.com/organizations/oauth2/v2.0/token",
            scopes=list(MICROSOFT_SCOPES),
        ),
    }


class OAuthConfig(_Strict):
    """The built-in OAuth 2.0 login (``tinbai auth login``) and its token storage."""

    key_env: str = Field(
        "TINBAI_OAUTH_KEY",
        description="Environment variable with the Fernet key that encrypts the stored "
        "refresh tokens (`tinbai init` makes one).",
    )
    refresh_margin_seconds: int = Field(
        300, ge=0, description="Access tokens are renewed this long before they expire."
    )
    login_timeout_seconds: float = Field(
        600, gt=0, description="How long `tinbai auth login` waits for the person to consent."
    )
    providers: dict[str, OAuthProviderConfig] = Field(
        default_factory=default_providers,
        description="Authorization servers by name; mailboxes[].oauth_provider picks one. "
        "google and microsoft have every key but client_id by default: give only what differs.",
    )

    @field_validator("providers", mode="before")
    @classmethod
    def _over_defaults(cls, value: Any) -> Any:
        """``google: {client_id: …}`` is the default Google entry with that client ID."""
        if not isinstance(value, dict):
            return value
        merged: dict[str, Any] = {k: v.model_dump() for k, v in default_providers().items()}
        for name, entry in value.items():
            base = merged.get(name, {})
            merged[name] = {**base, **entry} if isinstance(entry, dict) else entry
        return merged


class BackupConfig(_Strict):
    """The daily backup made by ``tinbai run``."""

    folder: str | None = Field(
        None, description="Folder of the daily backups (null: no daily backup); one "
        "subfolder per day."
    )
    keep: int = Field(7, ge=1, description="Daily backups kept; older ones are deleted.")
    hour: int = Field(2, ge=0, le=23, description="Hour (Vietnam time) of the daily backup.")


class OAuthMailbox(Protocol):
    """What the OAuth wiring reads of a mailbox (``tinbai.config.MailboxConfig``).

    A protocol, not the class: tinbai.config includes this module's sections, so this
    module cannot import it back.
    """

    @property
    def name(self) -> str: ...
    @property
    def auth(self) -> str: ...
    @property
    def oauth_provider(self) -> str | None: ...
    @property
    def oauth_token_command(self) -> str | None: ...


class OAuthSmtp(Protocol):
    """What the OAuth wiring reads of the SMTP section (``tinbai.config.SmtpConfig``)."""

    @property
    def auth(self) -> str: ...
    @property
    def oauth_token_command(self) -> str | None: ...
    @property
    def oauth_mailbox(self) -> str | None: ...


Mailbox = TypeVar("Mailbox", bound=OAuthMailbox)


def check_oauth_wiring(
    mailboxes: Sequence[OAuthMailbox], smtp: OAuthSmtp, oauth: OAuthConfig
) -> None:
    """Every xoauth2 mailbox names a known provider (or a token command), and SMTP over
    xoauth2 has a mailbox login to reuse; ValueError names the key otherwise."""
    for box in mailboxes:
        if box.auth != "xoauth2" or box.oauth_token_command:
            continue
        if not box.oauth_provider:
            raise ValueError(
                f"mailboxes[{box.name}]: auth is xoauth2: set oauth_provider (google, "
                "microsoft) or oauth_token_command"
            )
        if box.oauth_provider not in oauth.providers:
            raise ValueError(
                f"mailboxes[{box.name}]: oauth_provider {box.oauth_provider!r} is not one "
                f"of oauth.providers ({', '.join(sorted(oauth.providers))})"
            )
    if smtp.auth == "xoauth2" and not smtp.oauth_token_command:
        smtp_oauth_mailbox(mailboxes, smtp.oauth_mailbox)


def smtp_oauth_mailbox(mailboxes: Sequence[Mailbox], wanted: str | None) -> Mailbox:
    """The mailbox whose OAuth login SMTP reuses (same account, same refresh token:
    Google's scope covers IMAP and SMTP, Microsoft's token carries both scopes):
    ``wanted`` (``smtp.oauth_mailbox``), else the first xoauth2 mailbox with a provider."""
    for box in mailboxes:
        if box.auth == "xoauth2" and box.oauth_provider and wanted in (None, box.name):
            return box
    raise ValueError(
        "smtp: auth is xoauth2 but no mailbox "
        + (f"named {wanted!r} " if wanted else "")
        + "has auth: xoauth2 with an oauth_provider; set smtp.oauth_token_command or "
        "smtp.oauth_mailbox"
    )
