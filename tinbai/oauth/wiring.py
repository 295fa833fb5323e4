"""Which token source an IMAP or SMTP login uses, and the login itself.

The pipeline asks :func:`mailbox_token_source` / :func:`smtp_token_source`; ``tinbai
auth login`` calls :func:`login`. A mailbox with ``oauth_token_command`` keeps using the
command (the escape hatch); otherwise the stored refresh token of ``tinbai auth login``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

from ingest.sources.oauth import (
    RefreshingToken,
    TokenCommand,
    TokenRecord,
    TokenSource,
    apply_token_answer,
)
from tinbai.config import Config, ConfigError, MailboxConfig, secret
from tinbai.config_ops import OAuthProviderConfig
from tinbai.config_ops import smtp_oauth_mailbox as _smtp_oauth_mailbox
from tinbai.oauth import flows, vault

OnRevoked = Callable[[str], None]


def account_of(mailbox: MailboxConfig) -> str:
    """The login name in the mailbox URL (``toasoan@gmail.com``)."""
    if mailbox.url.startswith("maildir:"):
        return ""
    return unquote(urlsplit(mailbox.url).username or "")


def provider_of(config: Config, mailbox: MailboxConfig) -> tuple[str, OAuthProviderConfig]:
    """The provider name and settings of an xoauth2 mailbox (ConfigError otherwise)."""
    name = mailbox.oauth_provider
    if mailbox.auth != "xoauth2" or not name:
        raise ConfigError(
            f"mailboxes[{mailbox.name}]: set auth: xoauth2 and oauth_provider: google (or "
            "microsoft) to log in with OAuth"
        )
    provider = config.oauth.providers[name]
    if not provider.client_id:
        raise ConfigError(
            f"oauth.providers.{name}.client_id is empty: register an OAuth client for this "
            "office (docs/operations.md, «OAuth») and write its client ID there"
        )
    return name, provider


def _client_secret(name: str, provider: OAuthProviderConfig) -> str | None:
    return secret(provider.client_secret_env, f"oauth.providers.{name}.client_secret_env")


def mailbox_token_source(
    config: Config, mailbox: MailboxConfig, on_revoked: OnRevoked | None = None
) -> TokenSource:
    """The token source of an xoauth2 mailbox."""
    if mailbox.oauth_token_command:
        return TokenCommand(f"mailbox {mailbox.name}", mailbox.oauth_token_command)
    name, provider = provider_of(config, mailbox)

    def save(record: TokenRecord) -> None:
        vault.save(config, mailbox.name, record)

    return RefreshingToken(
        mailbox.name,
        token_url=provider.token_url,
        client_id=provider.client_id,
        client_secret=_client_secret(name, provider),
        load=lambda: vault.load(config, mailbox.name),
        save=save,
        margin=config.oauth.refresh_margin_seconds,
        timeout=mailbox.timeout_seconds,
        on_revoked=on_revoked,
    )


def smtp_oauth_mailbox(config: Config) -> MailboxConfig:
    """The mailbox whose login SMTP reuses (ConfigError when there is none)."""
    try:
        return _smtp_oauth_mailbox(config.mailboxes, config.smtp.oauth_mailbox)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def smtp_token_source(config: Config, on_revoked: OnRevoked | None = None) -> TokenSource:
    """The token source of SMTP with ``smtp.auth: xoauth2``."""
    if config.smtp.oauth_token_command:
        return TokenCommand("smtp", config.smtp.oauth_token_command)
    return mailbox_token_source(config, smtp_oauth_mailbox(config), on_revoked)


class TokenSources:
    """The token sources of one running instance, one per login: a mailbox and the SMTP
    that reuses its login share one source, so access tokens are reused until they near
    expiry and a revoked login is reported once, whoever finds it."""

    def __init__(self, config: Config, on_revoked: OnRevoked) -> None:
        self.config = config
        self.on_revoked = on_revoked
        self._sources: dict[str, TokenSource] = {}

    def mailbox(self, name: str) -> TokenSource:
        """The source of the xoauth2 mailbox ``name``."""
        if name not in self._sources:
            self._sources[name] = mailbox_token_source(
                self.config, self.config.mailbox(name), self.on_revoked
            )
        return self._sources[name]

    def smtp(self) -> TokenSource:
        """The source of SMTP with ``smtp.auth: xoauth2``."""
        if self.config.smtp.oauth_token_command:
            if "" not in self._sources:
                self._sources[""] = smtp_token_source(self.config, self.on_revoked)
            return self._sources[""]
        return self.mailbox(smtp_oauth_mailbox(self.config).name)


def smtp_username(config: Config) -> str | None:
    """SMTP's login name: smtp.username, else the URL's, else the OAuth mailbox's."""
    if config.smtp.username:
        return config.smtp.username
    user = urlsplit(config.smtp.url).username if "://" in config.smtp.url else None
    if user:
        return unquote(user)
    if config.smtp.auth == "xoauth2" and not config.smtp.oauth_token_command:
        return account_of(smtp_oauth_mailbox(config)) or None
    return None


def login(
    config: Config, mailbox: MailboxConfig, *, say: flows.Say, open_browser: bool = True
) -> TokenRecord:
    """Run the provider's consent flow and store the refresh token (encrypted)."""
    name, provider = provider_of(config, mailbox)
    vault.check_key(config)  # a missing key fails now, not after the person consented
    client_secret = _client_secret(name, provider)
    account = account_of(mailbox)
    timeout = config.oauth.login_timeout_seconds
    now = time.time()
    if provider.flow == "loopback":
        answer = flows.loopback_login(provider, client_secret=client_secret, account=account,
                                      timeout=timeout, say=say, open_browser=open_browser)
    else:
        answer = flows.device_login(provider, client_secret=client_secret, account=account,
                                    timeout=timeout, say=say)
    if not answer.get("refresh_token"):
        raise flows.LoginFailed(
            "the provider issued no refresh token (Google: keep access_type=offline and "
            "prompt=consent in extra_params; Microsoft: the offline_access scope)"
        )
    record = TokenRecord(provider=name, account=account,
                         refresh_token=str(answer["refresh_token"]),
                         scopes=list(provider.scopes), obtained_at=now)
    record = apply_token_answer(record, answer, now)
    vault.save(config, mailbox.name, record)
    return record
