"""Mailbox sources: where submissions are read from.

``open_source`` turns a configured mailbox URL into a :class:`MailSource`:

- ``imaps://user%40example.org@imap.gmail.com:993/INBOX`` — IMAP over implicit TLS;
- ``imap://user%40example.org@host:143/INBOX?starttls=1`` — IMAP with STARTTLS
  (without ``?starttls=1``: plain text, for loopback test servers only);
- ``maildir:PATH`` — a local Maildir (relative paths resolve against ``base_dir``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ingest.errors import UnsupportedSourceURL
from ingest.sources.base import MailSource
from ingest.sources.imap import ImapSource
from ingest.sources.maildir import MaildirSource

__all__ = ["ImapSource", "MailSource", "MaildirSource", "describe_url", "open_source"]

ACCEPTED_FORMS = (
    "imaps://USER@HOST[:993]/FOLDER, imap://USER@HOST[:143]/FOLDER[?starttls=1], "
    "maildir:PATH (USER percent-encoded, e.g. toasoan%40congdoan.example.vn)"
)


def open_source(
    name: str,
    url: str,
    *,
    password: str | None,
    base_dir: Path,
    timeout: float,
    batch_size: int,
    ca_file: str | None = None,
    oauth_token: Callable[[], str] | None = None,
) -> MailSource:
    """Build (not yet connect) the source for one configured mailbox.

    ``password`` is read from the environment by the caller (SPEC §8: no secrets in
    config.yaml); with ``oauth_token`` the IMAP login uses XOAUTH2 instead and calls it
    for a fresh access token on every connection.
    """
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme in ("imap", "imaps"):
        return ImapSource.from_url(
            name,
            url,
            password=password,
            oauth_token=oauth_token,
            timeout=timeout,
            batch_size=batch_size,
            ca_file=ca_file,
        )
    if scheme == "maildir":
        raw_path = url.split(":", 1)[1]
        if raw_path.startswith("//"):  # maildir:///abs/path
            raw_path = raw_path[2:]
        if not raw_path.strip():
            raise UnsupportedSourceURL(f"mailbox {name!r}: maildir: URL without a path")
        path = Path(raw_path).expanduser()
        if not path.is_absolute():
            path = Path(base_dir) / path
        return MaildirSource(name, path, batch_size=batch_size)
    raise UnsupportedSourceURL(
        f"mailbox {name!r}: unsupported URL {describe_url(url)!r}; accepted forms: "
        f"{ACCEPTED_FORMS}"
    )


def describe_url(url: str) -> str:
    """The URL as safe to log: a password, should one have been written into it, is
    replaced by ``***`` (config URLs are not supposed to carry one)."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        host = parts.hostname or ""
        if parts.port is not None:
            host = f"{host}:{parts.port}"
        netloc = f"{parts.username or ''}:***@{host}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    except ValueError:
        return "<unparseable URL>"
