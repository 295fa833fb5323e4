"""IMAP mailbox source built on imapclient (RFC 3501, with MOVE RFC 6851 and UIDPLUS
RFC 4315 when the server offers them, and Gmail's X-GM-EXT-1 labels).

Everything is addressed by UID, never by sequence number: sequence numbers shift whenever
anyone (a person reading the same Gmail inbox by hand) expunges a message. Bodies are
fetched with ``BODY.PEEK[]`` so the \\Seen flag people rely on is never touched.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import ssl
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from imapclient import DELETED, IMAPClient, SocketTimeout
from imapclient import exceptions as imap_exc

from ingest.errors import (
    SourceAuthError,
    SourceConnectError,
    SourceProtocolError,
    UnsupportedSourceURL,
)
from ingest.model import FetchedMessage
from ingest.sources import gmail
from ingest.sources.base import batched_by_size, uid_set
from ingest.sources.imap_errors import mapped_errors as _mapped_errors
from ingest.sources.imaptrace import quiet_protocol_trace

log = logging.getLogger(__name__)

TlsMode = Literal["none", "starttls", "ssl"]
AuthMode = Literal["password", "xoauth2"]

DEFAULT_PORTS: dict[str, int] = {"imap": 143, "imaps": 993}
DEFAULT_MAX_BATCH_BYTES = 64 * 1024 * 1024

_CHUNK = 1000  # UIDs per command
MAX_HEADER_BYTES = 65536
_HEADER = f"BODY.PEEK[HEADER]<0.{MAX_HEADER_BYTES}>"
_HEADER_KEY = b"BODY[HEADER]<0>"
_BODY = b"BODY[]"
_SIZE = b"RFC822.SIZE"
_DATE = b"INTERNALDATE"


class ImapSource:
    """One IMAP folder as a :class:`~ingest.sources.base.MailSource`.

    ``tls`` is ``"ssl"`` (implicit TLS, port 993), ``"starttls"`` (RFC 3501 §6.2.1 on
    port 143) or ``"none"`` (plain text; only sensible on loopback). Certificates are
    verified with the system store by default (``ssl.create_default_context()``), or
    against ``ca_file`` when given (tests with a self-signed server).

    ``auth="xoauth2"`` logs in with SASL XOAUTH2 (Gmail, Microsoft 365); ``oauth_token`` is
    called on every connection so the caller's token source can refresh expired tokens.
    """

    def __init__(
        self,
        name: str,
        host: str,
        *,
        user: str,
        folder: str = "INBOX",
        port: int | None = None,
        tls: TlsMode = "ssl",
        password: str | None = None,
        auth: AuthMode = "password",
        oauth_token: Callable[[], str] | None = None,
        connect_timeout: float = 30.0,
        read_timeout: float = 120.0,
        batch_size: int = 50,
        max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES,
        ca_file: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        use_move: bool = True,
    ) -> None:
        if auth == "password" and password is None:
            raise SourceAuthError(f"mailbox {name!r}: no password given for {user}@{host}")
        if auth == "xoauth2" and oauth_token is None:
            raise SourceAuthError(f"mailbox {name!r}: XOAUTH2 needs a token source")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.name = name
        self.host = host
        self.port = port if port is not None else (993 if tls == "ssl" else 143)
        self.user = user
        self.folder = folder
        self.tls: TlsMode = tls
        self.auth: AuthMode = auth
        self._password = password
        self._oauth_token = oauth_token
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.batch_size = batch_size
        self.max_batch_bytes = max_batch_bytes
        self.ca_file = ca_file
        self._ssl_context = ssl_context
        self.use_move = use_move
        """False forces COPY + \\Deleted + UID EXPUNGE even when MOVE is offered (tests)."""
        self._client: IMAPClient | None = None
        self._uidvalidity: int | None = None
        self._sizes: dict[int, int] = {}
        self._capabilities: frozenset[bytes] = frozenset()
        self._folders_ok: set[str] = set()

    # -- construction from config ------------------------------------------------------

    @classmethod
    def from_url(
        cls,
        name: str,
        url: str,
        *,
        password: str | None,
        oauth_token: Callable[[], str] | None = None,
        timeout: float = 60.0,
        connect_timeout: float | None = None,
        batch_size: int = 50,
        ca_file: str | None = None,
    ) -> ImapSource:
        """Build a source from ``imap://user@host:port/FOLDER[?starttls=1]`` or
        ``imaps://user@host:port/FOLDER``.

        The user part is percent-decoded (``toasoan%40congdoan.example.vn``), as are the
        folder path segments; a password in the URL is refused because secrets come from
        the environment (SPEC §8).
        """
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS:
            raise UnsupportedSourceURL(f"mailbox {name!r}: not an imap(s) URL: {url!r}")
        if parts.password is not None:
            raise UnsupportedSourceURL(
                f"mailbox {name!r}: the URL contains a password; remove it and put the "
                "password in the environment variable named by password_env"
            )
        if not parts.hostname:
            raise UnsupportedSourceURL(f"mailbox {name!r}: no host in {url!r}")
        if not parts.username:
            raise UnsupportedSourceURL(
                f"mailbox {name!r}: no user in {url!r} "
                "(write imaps://user%40example.org@host/INBOX)"
            )
        try:
            port = parts.port
        except ValueError as e:
            raise UnsupportedSourceURL(f"mailbox {name!r}: bad port in {url!r}") from e
        query = parse_qs(parts.query, keep_blank_values=True)
        unknown = set(query) - {"starttls"}
        if unknown:
            raise UnsupportedSourceURL(
                f"mailbox {name!r}: unknown URL option(s) {sorted(unknown)} in {url!r}; "
                "only ?starttls=1 is understood"
            )
        starttls = query.get("starttls", ["0"])[-1].lower() in ("1", "true", "yes", "on")
        if scheme == "imaps" and starttls:
            raise UnsupportedSourceURL(
                f"mailbox {name!r}: imaps:// already uses TLS; drop ?starttls=1"
            )
        tls: TlsMode = "ssl" if scheme == "imaps" else ("starttls" if starttls else "none")
        folder = unquote(parts.path.lstrip("/")) or "INBOX"
        return cls(
            name,
            parts.hostname,
            user=unquote(parts.username),
            folder=folder,
            port=port if port is not None else DEFAULT_PORTS[scheme],
            tls=tls,
            password=password,
            auth="xoauth2" if oauth_token is not None else "password",
            oauth_token=oauth_token,
            connect_timeout=connect_timeout if connect_timeout is not None else timeout,
            read_timeout=timeout,
            batch_size=batch_size,
            ca_file=ca_file,
        )

    # -- connection ---------------------------------------------------------------------

    def _context(self) -> ssl.SSLContext:
        if self._ssl_context is not None:
            return self._ssl_context
        # Verifies the certificate chain and the host name (SPEC §8, issue 5).
        return ssl.create_default_context(cafile=self.ca_file)

    def __enter__(self) -> ImapSource:
        where = f"{self.host}:{self.port}"
        if self.tls == "none" and self.host not in ("127.0.0.1", "::1", "localhost"):
            log.warning("mailbox %r: password sent in plain text to %s", self.name, where)
        with _mapped_errors("connect", where):
            client = IMAPClient(
                self.host,
                port=self.port,
                ssl=self.tls == "ssl",
                ssl_context=self._context() if self.tls == "ssl" else None,
                timeout=SocketTimeout(connect=self.connect_timeout, read=self.read_timeout),
            )
        quiet_protocol_trace(client)
        self._client = client
        try:
            with _mapped_errors("login", where):
                if self.tls == "starttls":
                    if not client.has_capability("STARTTLS"):
                        raise SourceConnectError(
                            f"{where}: server does not offer STARTTLS; refusing to send the "
                            "password in plain text"
                        )
                    client.starttls(self._context())
                if self.auth == "xoauth2":
                    self._xoauth2_login(client)
                else:
                    assert self._password is not None
                    client.login(self.user, self._password)
            with _mapped_errors("select", where):
                # Read-write select: MOVE / STORE need it; BODY.PEEK keeps \Seen intact.
                info = client.select_folder(self.folder)
                client.normalise_times = False
                self._capabilities = frozenset(client.capabilities())
            raw_validity = info.get(b"UIDVALIDITY")
            if raw_validity is None:
                raise SourceProtocolError(f"{where}: SELECT {self.folder} gave no UIDVALIDITY")
            self._uidvalidity = int(raw_validity)
        except BaseException:
            self._close(clean=False)
            raise
        log.debug(
            "mailbox %r: selected %s on %s (uidvalidity %s)",
            self.name, self.folder, where, self._uidvalidity,
        )
        return self

    def _xoauth2_login(self, client: IMAPClient) -> None:
        """SASL XOAUTH2; when the server refuses the token and the source can renew it
        (``fresh()``), once more with a renewed token: a token revoked early or a clock
        off by minutes must not cost an hour of mail."""
        try:
            client.oauth2_login(self.user, self._token())
        except imap_exc.LoginError as refused:
            if getattr(self._oauth_token, "fresh", None) is None:
                raise
            log.info("mailbox %r: XOAUTH2 token refused (%s); retrying with a renewed one",
                     self.name, refused)
            client.oauth2_login(self.user, self._token(fresh=True))

    def _token(self, fresh: bool = False) -> str:
        """Ask the token source for an access token; its failure is an auth problem."""
        assert self._oauth_token is not None
        renew: Callable[[], str] | None = getattr(self._oauth_token, "fresh", None)
        try:
            token = renew() if fresh and renew is not None else self._oauth_token()
        except SourceAuthError:
            raise
        except Exception as e:
            raise SourceAuthError(
                f"mailbox {self.name!r}: could not get an OAuth2 access token: {e}"
            ) from e
        if not token:
            raise SourceAuthError(f"mailbox {self.name!r}: the token source returned nothing")
        return str(token)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._close(clean=exc_type is None)

    def _close(self, clean: bool = True) -> None:
        """Log out (or just drop the socket after an error); never raises."""
        client, self._client = self._client, None
        self._sizes.clear()
        self._folders_ok.clear()
        if client is None:
            return
        try:
            if clean:
                client.logout()
            else:
                client.shutdown()
        except Exception as e:  # the connection may already be gone
            log.debug("mailbox %r: logout failed: %s", self.name, e)
            with contextlib.suppress(Exception):
                client.shutdown()

    def _conn(self) -> IMAPClient:
        if self._client is None:
            raise SourceConnectError(f"mailbox {self.name!r}: not connected (use 'with')")
        return self._client

    @property
    def uidvalidity(self) -> int:
        """UIDVALIDITY reported by SELECT (RFC 3501 §2.3.1.1)."""
        if self._uidvalidity is None:
            raise SourceConnectError(f"mailbox {self.name!r}: not connected (use 'with')")
        return self._uidvalidity

    @property
    def capabilities(self) -> frozenset[bytes]:
        """The server's CAPABILITY list after login (upper-case bytes)."""
        return self._capabilities

    @property
    def gmail(self) -> bool:
        """The server advertises Gmail's extensions (X-GM-EXT-1)."""
        return gmail.is_gmail(self._capabilities)

    def gmail_ids(self, uids: Sequence[int]) -> dict[int, int]:
        """``{uid: X-GM-MSGID}`` (empty when the server is not Gmail)."""
        with _mapped_errors("fetch X-GM-MSGID", f"{self.host}:{self.port}"):
            return gmail.message_ids(self._conn(), uids) if self.gmail and uids else {}

    def label(self, uids: Sequence[int], label: str) -> bool:
        """Add a Gmail label; False (and nothing done) when the server is not Gmail."""
        with _mapped_errors(f"label {label}", f"{self.host}:{self.port}"):
            return bool(self.gmail and uids) and gmail.add_label(self._conn(), uids, label)

    # -- the interface ------------------------------------------------------------------

    def list_new(
        self, after_uid: int, since: datetime.date | None = None
    ) -> list[tuple[int, int]]:
        """``(uid, size)`` with UID > after_uid, ascending (``UID SEARCH UID n:*`` then
        ``UID FETCH … RFC822.SIZE``).

        ``n:*`` always includes the highest UID, even when it is below n (RFC 3501 §6.4.8
        and §9: ``*`` is the largest UID in use), so results are filtered. When nothing is
        new this costs two small round trips whatever the mailbox size.
        """
        client = self._conn()
        first = max(after_uid, 0) + 1
        where = f"{self.host}:{self.port}"
        criteria: list[Any] = ["UID", f"{first}:*"]
        if since is not None:
            criteria += ["SINCE", since]
        data: dict[int, dict[bytes, Any]] = {}
        with _mapped_errors("list new messages", where):
            found = sorted(int(u) for u in client.search(criteria) if int(u) > after_uid)
            # imapclient's fetch() keeps only the UIDs it was given as integers, so
            # sizes are fetched for explicit UIDs, in chunks that keep the command line
            # far below server limits (Dovecot: 64 KiB).
            for i in range(0, len(found), _CHUNK):
                data.update(client.fetch(found[i : i + _CHUNK], [_SIZE]))
        result: list[tuple[int, int]] = []
        for uid, item in data.items():
            uid = int(uid)
            if uid <= after_uid or _SIZE not in item:
                continue
            result.append((uid, int(item[_SIZE])))
        result.sort()
        self._sizes.update(result)
        return result

    def fetch(self, uids: Sequence[int], max_bytes: int) -> Iterator[FetchedMessage]:
        """``BODY.PEEK[]`` in UID batches (never \\Seen; RFC 3501 §6.4.5).

        Sizes come from the preceding :meth:`list_new` or from an RFC822.SIZE fetch, so
        oversized messages are never downloaded (only their header section, at most
        64 KiB, goes to ``header_bytes``) and each batch stays under ``max_batch_bytes``.
        """
        client = self._conn()
        where = f"{self.host}:{self.port}"
        wanted = sorted({int(u) for u in uids})
        unknown = [u for u in wanted if u not in self._sizes]
        if unknown:
            with _mapped_errors("fetch sizes", where):
                for i in range(0, len(unknown), _CHUNK):
                    got = client.fetch(unknown[i : i + _CHUNK], [_SIZE])
                    for uid, item in got.items():
                        if _SIZE in item:
                            self._sizes[int(uid)] = int(item[_SIZE])
        present = [(u, self._sizes[u]) for u in wanted if u in self._sizes]
        for u in wanted:
            if u not in self._sizes:
                log.info("mailbox %r: UID %d vanished before fetch", self.name, u)
        uidvalidity = self.uidvalidity
        for batch in batched_by_size(present, self.batch_size, self.max_batch_bytes):
            small = [u for u, size in batch if size <= max_bytes]
            large = [u for u, size in batch if size > max_bytes]
            data: dict[int, dict[bytes, Any]] = {}
            extra = ["X-GM-MSGID"] if self.gmail else []
            with _mapped_errors("fetch", where):
                if small:
                    data.update(client.fetch(small, ["BODY.PEEK[]", "INTERNALDATE", *extra]))
                if large:
                    # Headers only (at most 64 KiB): enough to identify and answer it.
                    data.update(client.fetch(large, [_HEADER, "INTERNALDATE", *extra]))
            for uid, size in batch:
                item = data.get(uid)
                if item is None:
                    log.info("mailbox %r: UID %d vanished during fetch", self.name, uid)
                    continue
                raw: bytes | None = None
                header: bytes | None = None
                if size > max_bytes:
                    head = item.get(_HEADER_KEY)
                    header = bytes(head) if head is not None else None
                else:
                    body = item.get(_BODY)
                    if body is None:
                        log.warning("mailbox %r: UID %d: server sent no body", self.name, uid)
                        continue
                    raw = bytes(body)
                idate = item.get(_DATE)
                yield FetchedMessage(
                    mailbox=self.name,
                    uidvalidity=uidvalidity,
                    uid=uid,
                    size=len(raw) if raw is not None else size,
                    raw=raw,
                    internal_date=idate if isinstance(idate, datetime.datetime) else None,
                    header_bytes=header,
                    gmail_msgid=gmail.msgid_of(item),
                )

    def move(self, uids: Sequence[int], folder: str) -> None:
        """Move messages to ``folder`` (created when missing).

        Gmail (X-GM-EXT-1): add the label and remove ``\\Inbox`` — there ``\\Deleted`` plus
        EXPUNGE only archives and the label is what people see. Otherwise MOVE (RFC 6851)
        when offered, else COPY + ``\\Deleted`` + ``UID EXPUNGE`` (RFC 4315), which only
        expunges our UIDs. Without UIDPLUS a plain EXPUNGE would also expunge what a person
        flagged \\Deleted by hand, so the copies stay flagged and are left for the user's
        client to expunge.
        """
        ids = sorted({int(u) for u in uids})
        if not ids:
            return
        client = self._conn()
        where = f"{self.host}:{self.port}"
        caps = self._capabilities
        with _mapped_errors(f"move to {folder}", where):
            if gmail.is_gmail(caps):
                self._ensure_folder(folder)
                client.add_gmail_labels(ids, [folder], silent=True)
                client.remove_gmail_labels(ids, ["\\Inbox"], silent=True)
                return
            self._ensure_folder(folder)
            try:
                self._move_or_copy(ids, folder)
            except imap_exc.IMAPClientError as e:
                if "TRYCREATE" not in str(e).upper():
                    raise
                # Someone deleted the folder during the session (RFC 3501 §7.1 TRYCREATE).
                self._folders_ok.discard(folder)
                self._ensure_folder(folder)
                self._move_or_copy(ids, folder)
            if not (self.use_move and b"MOVE" in caps):
                client.add_flags(uid_set(ids), [DELETED], silent=True)
                if b"UIDPLUS" in caps:
                    client.uid_expunge(uid_set(ids))
                else:
                    log.warning(
                        "mailbox %r: server lacks UIDPLUS; moved copies left flagged "
                        "\\Deleted in %s", self.name, self.folder,
                    )
        for u in ids:
            self._sizes.pop(u, None)

    def _move_or_copy(self, ids: list[int], folder: str) -> None:
        client = self._conn()
        if self.use_move and b"MOVE" in self._capabilities:
            client.move(uid_set(ids), folder)
        else:
            client.copy(uid_set(ids), folder)

    def ensure_folder(self, folder: str) -> None:
        """Create ``folder`` when missing (``tinbai doctor`` checks it can be created)."""
        with _mapped_errors(f"create {folder}", f"{self.host}:{self.port}"):
            self._ensure_folder(folder)

    def _ensure_folder(self, folder: str) -> None:
        """Create the folder when missing; checked once per session (the pipeline moves
        message by message, so this saves a LIST round trip per message)."""
        if folder in self._folders_ok:
            return
        client = self._conn()
        if client.folder_exists(folder):
            self._folders_ok.add(folder)
            return
        try:
            client.create_folder(folder)
            log.info("mailbox %r: created folder %s", self.name, folder)
        except imap_exc.IMAPClientError:
            if not client.folder_exists(folder):  # not a race with another client
                raise
        with contextlib.suppress(imap_exc.IMAPClientError):
            client.subscribe_folder(folder)
        self._folders_ok.add(folder)

