"""Opening the configured mailbox sources and the reply transport, with their secrets.

One place for what a login needs (a password from the environment, or an XOAUTH2 token
source), shared by the pipeline, ``tinbai doctor`` and ``tinbai auth login``. The
caller chooses the token source: the pipeline's alerts the admins when a login is dead,
the doctor's only reports it.
"""

from __future__ import annotations

from ingest.sources import open_source
from ingest.sources.base import MailSource
from ingest.sources.oauth import TokenSource
from notifier.transport import Transport, open_transport
from tinbai.config import Config, MailboxConfig, secret
from tinbai.oauth.wiring import smtp_username


def open_mailbox(config: Config, mailbox: MailboxConfig, token: TokenSource | None) -> MailSource:
    """The (not yet connected) source of ``mailbox``; ``token`` for xoauth2 mailboxes."""
    needs_password = not mailbox.url.startswith("maildir:") and mailbox.auth == "password"
    password = (
        secret(mailbox.password_env, f"mailboxes[{mailbox.name}].password_env")
        if needs_password else None
    )
    return open_source(
        mailbox.name, mailbox.url, password=password, base_dir=config.base_dir,
        timeout=mailbox.timeout_seconds, batch_size=mailbox.batch_size,
        ca_file=mailbox.ca_file, oauth_token=token if mailbox.auth == "xoauth2" else None,
    )


def smtp_uses_oauth(config: Config) -> bool:
    """SMTP logs in with XOAUTH2 (a token source is needed)."""
    return config.smtp.auth == "xoauth2" and not config.smtp.url.startswith("maildir:")


def open_smtp(config: Config, token: TokenSource | None) -> Transport:
    """The reply transport of ``smtp.url``; ``token`` when :func:`smtp_uses_oauth`."""
    smtp = config.smtp
    oauth = smtp_uses_oauth(config)
    needs_password = not smtp.url.startswith("maildir:") and not oauth
    password = secret(smtp.password_env, "smtp.password_env") if needs_password else None
    return open_transport(
        smtp.url, base_dir=config.base_dir, username=smtp_username(config), password=password,
        timeout=smtp.timeout_seconds, ca_file=smtp.ca_file,
        oauth_token=token if oauth else None,
    )
