"""Sending composed replies: SMTP (smtplib, STARTTLS or implicit TLS) or an outbox Maildir."""

from __future__ import annotations

import contextlib
import logging
import mailbox
import re
import smtplib
import ssl
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from notifier.errors import PermanentTransportError, TransportError, UnsupportedTransportURL

log = logging.getLogger(__name__)

_LONE_LF = re.compile(rb"(?<!\r)\n")


class Transport(Protocol):
    """Where replies go. Used as a context manager around a batch of sends."""

    def __enter__(self) -> Transport: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def send(self, raw: bytes, sender: str, recipients: list[str]) -> None:
        """Deliver one message; raises TransportError (retry) or PermanentTransportError."""
        ...


class MaildirTransport:
    """Writes each reply into a Maildir (the embedded default and the demo's outbox)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> MaildirTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def send(self, raw: bytes, sender: str, recipients: list[str]) -> None:
        try:
            box = mailbox.Maildir(self.path, create=True)
            box.add(raw)
        except OSError as exc:
            raise TransportError(f"cannot write to outbox {self.path}: {exc}") from exc


class SmtpTransport:
    """An SMTP submission server; one connection per batch, opened lazily."""

    def __init__(
        self, host: str, port: int, *, implicit_tls: bool, starttls: bool,
        username: str | None, password: str | None, timeout: float, ca_file: str | None = None,
        oauth_token: Callable[[], str] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.implicit_tls = implicit_tls
        self.starttls = starttls
        self.username = username
        self.password = password
        self.timeout = timeout
        self.ca_file = ca_file
        self.oauth_token = oauth_token
        """With a token source the login is SASL XOAUTH2 (Gmail, Microsoft 365)."""
        self._conn: smtplib.SMTP | None = None

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)

    def _connect(self) -> smtplib.SMTP:
        try:
            conn: smtplib.SMTP
            if self.implicit_tls:
                conn = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=self._context()
                )
            else:
                conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                if self.starttls:
                    conn.starttls(context=self._context())
            if self.oauth_token is not None:
                self._xoauth2_login(conn)
            elif self.username and self.password is not None:
                conn.login(self.username, self.password)
            return conn
        except smtplib.SMTPAuthenticationError as exc:
            raise TransportError(f"SMTP login refused for {self.username}: {exc}") from exc
        except TransportError:
            raise
        except (OSError, smtplib.SMTPException) as exc:
            raise TransportError(f"SMTP {self.host}:{self.port} unavailable: {exc}") from exc

    def _xoauth2_login(self, conn: smtplib.SMTP) -> None:
        """AUTH XOAUTH2 (Google's and Microsoft's SASL profile): the bearer token as the
        initial response; on the server's error challenge an empty line ends the exchange
        (then 535). A refused token is renewed once (``fresh()``) and tried again."""
        assert self.oauth_token is not None
        if not self.username:
            raise TransportError("SMTP XOAUTH2 needs a login name (smtp.username)")
        conn.ehlo_or_helo_if_needed()
        renew: Callable[[], str] | None = getattr(self.oauth_token, "fresh", None)
        for attempt in (0, 1):
            try:
                token = renew() if attempt and renew is not None else self.oauth_token()
            except Exception as exc:  # the token source's own, clear failure
                raise TransportError(f"SMTP XOAUTH2: no access token: {exc}") from exc
            auth = f"user={self.username}\x01auth=Bearer {token}\x01\x01"

            def respond(challenge: bytes | None = None, auth: str = auth) -> str:
                return auth if challenge is None else ""

            try:
                conn.auth("XOAUTH2", respond, initial_response_ok=True)
                return
            except smtplib.SMTPAuthenticationError:
                if attempt or renew is None:
                    raise
                log.info("SMTP XOAUTH2 token refused; retrying with a renewed one")

    def open(self) -> None:
        """Connect and log in now (``tinbai doctor``); ``send`` otherwise does it lazily."""
        if self._conn is None:
            self._conn = self._connect()

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._conn is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._conn.quit()
            self._conn = None

    def send(self, raw: bytes, sender: str, recipients: list[str]) -> None:
        if self._conn is None:
            self._conn = self._connect()
        # RFC 5321 §2.3.8: lines end with CRLF on the wire; smtplib sends bytes as given.
        wire = _LONE_LF.sub(b"\r\n", raw)
        try:
            refused = self._conn.sendmail(sender, recipients, wire)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentTransportError(f"recipients refused: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            self._conn = None
            if 500 <= exc.smtp_code < 600:
                raise PermanentTransportError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
            raise TransportError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
        except (TimeoutError, OSError, smtplib.SMTPException) as exc:
            self._conn = None
            raise TransportError(f"SMTP send failed: {exc}") from exc
        if refused:
            raise PermanentTransportError(f"recipients refused: {refused}")


def open_transport(
    url: str, *, base_dir: Path, username: str | None, password: str | None,
    timeout: float, ca_file: str | None = None, oauth_token: Callable[[], str] | None = None,
) -> Transport:
    """The transport for ``smtp.url``: smtp://host:port[?starttls=1], smtps://, maildir:PATH."""
    if url.startswith("maildir:"):
        path = Path(url[len("maildir:"):]).expanduser()
        return MaildirTransport(path if path.is_absolute() else (base_dir / path).resolve())
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise UnsupportedTransportURL(
            f"smtp.url {url!r}: use smtp://host:587?starttls=1, smtps://host:465 or maildir:PATH"
        )
    query = parse_qs(parts.query)
    starttls = query.get("starttls", ["0"])[0].lower() in ("1", "true", "yes")
    implicit = parts.scheme == "smtps"
    port = parts.port or (465 if implicit else 587 if starttls else 25)
    user = username or (unquote(parts.username) if parts.username else None)
    return SmtpTransport(
        parts.hostname or "localhost", port, implicit_tls=implicit, starttls=starttls,
        username=user, password=password, timeout=timeout, ca_file=ca_file,
        oauth_token=oauth_token,
    )
