"""Real servers for tests: a throwaway Dovecot IMAP server and an aiosmtpd SMTP server.

Used by the fixtures in conftest.py. Recipe and traps: ../shared/notes/dovecot.md (the mail
folder and every folder above it must be traversable by ``nobody``).
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import logging
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote

from imapclient import IMAPClient

log = logging.getLogger(__name__)

DOVECOT_CANDIDATES = ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot")


def find_dovecot() -> tuple[str, str] | None:
    """Paths of ``dovecot`` and ``doveadm``, or None when Dovecot is not installed."""
    dovecot = shutil.which("dovecot") or next(
        (p for p in DOVECOT_CANDIDATES if os.access(p, os.X_OK)), None
    )
    if dovecot is None:
        return None
    doveadm = shutil.which("doveadm") or str(Path(dovecot).with_name("doveadm"))
    if not os.access(doveadm, os.X_OK):
        doveadm = str(Path(dovecot).parent.parent / "bin" / "doveadm")
    return dovecot, doveadm


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(host: str, port: int, timeout: float = 10.0) -> None:
    """Block until ``host:port`` accepts a TCP connection."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{host}:{port} did not open within {timeout}s") from None
            time.sleep(0.02)


def wait_port_closed(host: str, port: int, timeout: float = 10.0) -> None:
    """Block until ``host:port`` refuses connections."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                pass
        except OSError:
            return
        time.sleep(0.02)
    raise TimeoutError(f"{host}:{port} still open after {timeout}s")


try:  # loaded in the parent: the pre-exec hook must not import (threads may hold locks)
    import ctypes

    _LIBC: Any = ctypes.CDLL(None, use_errno=True)
except OSError:  # pragma: no cover - not Linux/glibc
    _LIBC = None
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child before exec: ask Linux to SIGTERM it when the test process dies, even
    by SIGKILL, so a killed pytest leaves no Dovecot behind (prctl PR_SET_PDEATHSIG)."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {dir}/run
state_dir = {dir}/state
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
log_path = {dir}/dovecot.log
default_login_user = nobody
default_internal_user = root
default_internal_group = root
first_valid_uid = 1
mail_location = maildir:{dir}/mail/%u
mail_fsync = never
maildir_very_dirty_syncs = no
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/users
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={dir}/mail/%u
}}
service anvil {{
  # no auth penalty: tests log in right after deliberate failures (Dovecot docs)
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
protocol imap {{
  mail_max_userip_connections = 100
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
"""


class Dovecot:
    """A Dovecot master process in the foreground (``-F``) owned by this object, so it
    can be stopped, restarted on the same port and never outlives the test session.

    ``auth_mechanisms`` includes XOAUTH2/OAUTHBEARER: with a passwd-file passdb, Dovecot
    2.3 checks the bearer token like a password, so the XOAUTH2 login path is exercised
    against a real server with the token ``password``.
    """

    def __init__(
        self,
        user: str = "editor@example.org",
        password: str = "secret",
        extra_users: Iterable[tuple[str, str]] = (),
        tls: bool = False,
    ) -> None:
        found = find_dovecot()
        if found is None:
            raise FileNotFoundError("dovecot is not installed (apt-get install dovecot-imapd)")
        self.dovecot_bin, self.doveadm_bin = found
        self.host = "127.0.0.1"
        self.port = free_port()
        self.tls_port = free_port() if tls else 0
        """With ``tls=True``: implicit TLS (imaps) port; STARTTLS is offered on ``port``."""
        self.user = user
        self.password = password
        self.dir = Path(tempfile.mkdtemp(prefix="tinbai-dovecot-"))
        self.dir.chmod(0o755)  # Dovecot works as nobody: the whole path must be traversable
        self.conf = self.dir / "dovecot.conf"
        self._proc: subprocess.Popen[bytes] | None = None
        self._feeder: IMAPClient | None = None
        self._paused = False
        nobody = pwd.getpwnam("nobody")
        self._uid, self._gid = nobody.pw_uid, nobody.pw_gid
        for sub in ("run", "state", "mail"):
            (self.dir / sub).mkdir(mode=0o755)
        os.chown(self.dir / "mail", self._uid, self._gid)
        users = [(user, password), *extra_users]
        (self.dir / "users").write_text("".join(f"{u}:{{PLAIN}}{p}\n" for u, p in users))
        self.cert_file: Path | None = None
        """With ``tls=True``: the self-signed certificate (CN/SAN 127.0.0.1), i.e. the CA
        file a client must trust."""
        ssl_conf = "ssl = no"
        if tls:
            self.cert_file, key_file = make_self_signed(self.dir, self.host)
            ssl_conf = f"ssl = yes\nssl_cert = <{self.cert_file}\nssl_key = <{key_file}"
        self.conf.write_text(
            CONFIG.format(dir=self.dir, port=self.port, tls_port=self.tls_port, ssl=ssl_conf)
        )

    # -- lifecycle ----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 15.0) -> None:
        """Start the master process (same port as before) and wait until it listens and
        its pid file names it."""
        if self.running:
            return
        self._proc = subprocess.Popen(
            [self.dovecot_bin, "-F", "-c", str(self.conf)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                if self._proc.poll() is not None:
                    stderr = self._proc.stderr
                    err = stderr.read().decode(errors="replace") if stderr else ""
                    raise RuntimeError(f"dovecot exited at start: {err}\n{self.log_tail()}")
                listening = True
                try:
                    with socket.create_connection((self.host, self.port), timeout=0.5):
                        pass
                except OSError:
                    listening = False
                # The master may listen before it writes its pid file: wait for both, so
                # processes() and master_pid() name this server from here on.
                if listening and self.master_pid() == self._proc.pid:
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError("dovecot did not listen and write its pid file in time")
                time.sleep(0.02)
        except BaseException:
            self.stop()
            raise

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the server (SIGTERM, then SIGKILL to the whole process group) and wait
        until the port is closed, so a new start on the same port works."""
        self.resume()
        self._drop_feeder()
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                log.warning("dovecot did not stop on SIGTERM; killing its process group")
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=timeout)
        # Children (imap, auth…) exit when the master does; make sure, by group.
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            pass
        else:
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                try:
                    os.killpg(proc.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.02)
            else:
                os.killpg(proc.pid, signal.SIGKILL)
        if proc.stderr is not None:
            proc.stderr.close()
        wait_port_closed(self.host, self.port)

    def pause(self) -> None:
        """SIGSTOP every Dovecot process: connections stay open but nothing answers (a
        hung server, for read-timeout tests). Undo with :meth:`resume`."""
        if self._proc is not None and self.running:
            os.killpg(self._proc.pid, signal.SIGSTOP)
            self._paused = True

    def resume(self) -> None:
        """SIGCONT after :meth:`pause`."""
        if self._proc is not None and self._paused:
            os.killpg(self._proc.pid, signal.SIGCONT)
        self._paused = False

    def restart(self) -> None:
        """Stop and start again on the same port (mail and UIDs are kept)."""
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop the server and remove its folder."""
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def master_pid(self) -> int | None:
        """The master's pid, from the pid file Dovecot writes in ``base_dir``."""
        try:
            return int((self.dir / "run" / "master.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def processes(self) -> dict[int, int]:
        """pid to parent pid of every live process started for this server: the master
        (the pid file's pid, our child) and its children (parent pid = the master).

        By pid file and parent pid, never by command line: a freshly forked child has
        its master's command line for a moment, so ``pgrep -f`` can count it twice.
        """
        master = self.master_pid()
        if master is None:
            return {}
        found: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # exited meanwhile
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            pid = int(entry.name)
            if pid == master or ppid == master:
                found[pid] = ppid
        return found

    def log_tail(self, lines: int = 30) -> str:
        path = self.dir / "dovecot.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    # -- helpers for tests --------------------------------------------------------------

    def url(self, folder: str = "INBOX", user: str | None = None) -> str:
        """``imap://editor%40example.org@127.0.0.1:PORT/INBOX`` (plain text, loopback)."""
        return f"imap://{quote(user or self.user, safe='')}@{self.host}:{self.port}/{folder}"

    def tls_url(self, folder: str = "INBOX", starttls: bool = False) -> str:
        """``imaps://…:TLS_PORT/INBOX`` or ``imap://…:PORT/INBOX?starttls=1``
        (``tls=True`` servers only)."""
        if not self.tls_port:
            raise RuntimeError("this Dovecot was started without tls=True")
        user = quote(self.user, safe="")
        if starttls:
            return f"imap://{user}@{self.host}:{self.port}/{folder}?starttls=1"
        return f"imaps://{user}@{self.host}:{self.tls_port}/{folder}"

    def client(self, user: str | None = None, password: str | None = None) -> IMAPClient:
        """A new logged-in IMAPClient (caller logs out)."""
        c = IMAPClient(self.host, port=self.port, ssl=False, timeout=30)
        c.login(user or self.user, password or self.password)
        return c

    def _feeder_client(self) -> IMAPClient:
        if self._feeder is None:
            self._feeder = self.client()
        return self._feeder

    def _drop_feeder(self) -> None:
        feeder, self._feeder = self._feeder, None
        if feeder is not None:
            try:
                feeder.logout()
            except Exception:
                with contextlib.suppress(Exception):
                    feeder.shutdown()

    def append(
        self,
        raw: bytes,
        folder: str = "INBOX",
        flags: Iterable[bytes | str] = (),
        msg_time: Any = None,
    ) -> int:
        """APPEND one message; returns its UID (from APPENDUID, RFC 4315)."""
        return self.append_many([raw], folder=folder, flags=flags, msg_time=msg_time)[0]

    def append_many(
        self,
        raws: Iterable[bytes],
        folder: str = "INBOX",
        flags: Iterable[bytes | str] = (),
        msg_time: Any = None,
    ) -> list[int]:
        """APPEND messages over one long-lived connection (about 1.5 ms each here);
        returns their UIDs (APPENDUID, RFC 4315)."""
        flag_list = list(flags)
        uids: list[int] = []
        for attempt in range(2):
            try:
                c = self._feeder_client()
                if folder != "INBOX" and not c.folder_exists(folder):
                    c.create_folder(folder)
                for raw in raws:
                    resp = c.append(folder, raw, flags=flag_list, msg_time=msg_time)
                    uids.append(_appenduid(resp))
                return uids
            except (OSError, IMAPClient.AbortError):
                self._drop_feeder()  # server restarted since; reconnect once
                if attempt or uids:
                    raise
        return uids

    def reset(self) -> None:
        """Empty the user's mailbox: delete every folder but INBOX and expunge INBOX.

        Starts (or resumes) the server if a test left it stopped (or paused)."""
        self.resume()
        if not self.running:
            self.start()
        self._drop_feeder()
        with self.client() as c:
            for _flags, _delim, name in sorted(c.list_folders(), key=lambda f: -len(f[2])):
                if name.upper() != "INBOX":
                    with contextlib.suppress(IMAPClient.Error):
                        c.delete_folder(name)
            c.select_folder("INBOX")
            uids = c.search("ALL")
            if uids:
                c.delete_messages(uids, silent=True)
                c.expunge()

    def maildir_path(self, user: str | None = None) -> Path:
        """The Maildir Dovecot uses for ``user`` (``mail_location = maildir:DIR/mail/%u``)."""
        return self.dir / "mail" / (user or self.user)

    def chown_mail(self) -> None:
        """Give files written directly into the Maildir to ``nobody`` (Dovecot's user)."""
        root = self.dir / "mail"
        for dirpath, dirnames, filenames in os.walk(root):
            for n in [*dirnames, *filenames]:
                os.lchown(os.path.join(dirpath, n), self._uid, self._gid)
        os.chown(root, self._uid, self._gid)

    def doveadm(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``doveadm -c CONF ARGS…``, e.g.
        ``doveadm("mailbox", "update", "--uid-validity", "42", "-u", user, "INBOX")``."""
        return subprocess.run(
            [self.doveadm_bin, "-c", str(self.conf), *args],
            check=check,
            capture_output=True,
            text=True,
            timeout=60,
        )


def _appenduid(resp: Any) -> int:
    """The UID out of an ``[APPENDUID validity uid]`` response code (RFC 4315 §3)."""
    text = resp.decode(errors="replace") if isinstance(resp, bytes) else str(resp)
    return int(text.split("APPENDUID", 1)[1].split("]", 1)[0].split()[1])


# -- SMTP ------------------------------------------------------------------------------


@dataclass
class ReceivedMail:
    """One message accepted by the test SMTP server."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage
    auth_login: str | None = None

    @property
    def message_id(self) -> str:
        """The Message-ID without angle brackets or the leading space that
        ``policy.default`` keeps when the header was folded (``Message-ID:\r\n <…>``)."""
        return str(self.message.get("Message-ID", "")).strip().strip("<>").strip()


@dataclass
class _Collector:
    """aiosmtpd handler that stores every message it is given."""

    received: list[ReceivedMail] = field(default_factory=list)
    cond: threading.Condition = field(default_factory=threading.Condition)
    reject_next: int = 0
    """Answer the next N DATA commands with a temporary failure (451)."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.reject_next > 0:
            self.reject_next -= 1
            return "451 4.3.0 Try again later (test)"
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        auth = getattr(session, "auth_data", None)  # LoginPassword from our authenticator
        login = getattr(auth, "login", None)
        item = ReceivedMail(
            mail_from=envelope.mail_from,
            rcpt_tos=list(envelope.rcpt_tos),
            raw=bytes(raw),
            message=msg,
            auth_login=login.decode() if isinstance(login, bytes) else login,
        )
        with self.cond:
            self.received.append(item)
            self.cond.notify_all()
        return "250 OK"


class SmtpServer:
    """An aiosmtpd ``Controller`` on 127.0.0.1 that collects what it receives.

    ``stop()``/``start()`` reuse the port so "SMTP server down" can be tested; with
    ``auth={"user": "password"}`` AUTH PLAIN/LOGIN is offered and required; with
    ``starttls=True`` a self-signed certificate is made and STARTTLS offered
    (``cert_file`` is then the CA file a client must trust).
    """

    def __init__(
        self,
        auth: dict[str, str] | None = None,
        starttls: bool = False,
        require_starttls: bool = False,
    ) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self.auth = auth
        self.handler = _Collector()
        self._controller: Any = None
        self._tmp = Path(tempfile.mkdtemp(prefix="tinbai-smtp-"))
        self.cert_file: Path | None = None
        self.tls_context: ssl.SSLContext | None = None
        self.require_starttls = require_starttls
        if starttls:
            self.cert_file, key_file = make_self_signed(self._tmp, "127.0.0.1")
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(self.cert_file, key_file)
            self.tls_context = ctx

    @property
    def messages(self) -> list[ReceivedMail]:
        with self.handler.cond:
            return list(self.handler.received)

    @property
    def url(self) -> str:
        q = "?starttls=1" if self.tls_context is not None else ""
        return f"smtp://{self.host}:{self.port}{q}"

    def clear(self) -> None:
        with self.handler.cond:
            self.handler.received.clear()

    def fail_next(self, n: int = 1) -> None:
        """Answer the next ``n`` messages with 451 (temporary failure)."""
        self.handler.reject_next = n

    def wait_for(self, n: int, timeout: float = 10.0) -> list[ReceivedMail]:
        """Block until at least ``n`` messages arrived; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        with self.handler.cond:
            while len(self.handler.received) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(
                        f"expected {n} messages, got {len(self.handler.received)}"
                    )
                self.handler.cond.wait(left)
            return list(self.handler.received)

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        if self._controller is not None:
            return
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        kwargs: dict[str, Any] = {}
        if self.auth is not None:
            users = dict(self.auth)

            def authenticator(
                server: Any, session: Any, envelope: Any, mechanism: str, data: Any
            ) -> AuthResult:
                if isinstance(data, LoginPassword):
                    login, password = data.login.decode(), data.password.decode()
                    if users.get(login) == password:
                        return AuthResult(success=True, auth_data=data)
                return AuthResult(success=False, handled=False)

            kwargs.update(
                authenticator=authenticator, auth_required=True, auth_require_tls=False
            )
        if self.tls_context is not None:
            kwargs.update(tls_context=self.tls_context, require_starttls=self.require_starttls)
        controller = Controller(
            self.handler, hostname=self.host, port=self.port, ready_timeout=10, **kwargs
        )
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()
            wait_port_closed(self.host, self.port)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._tmp, ignore_errors=True)


def make_self_signed(folder: Path, host: str) -> tuple[Path, Path]:
    """A self-signed certificate for ``host`` (IP or name); returns (cert, key) paths."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    san = f"IP:{host}" if host.replace(".", "").isdigit() else f"DNS:{host}"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={host}",
            "-addext", f"subjectAltName={san}",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def iter_maildir_files(root: Path) -> Iterator[Path]:
    """Every message file under a Maildir's new/ and cur/."""
    for sub in ("new", "cur"):
        d = root / sub
        if d.is_dir():
            yield from sorted(d.iterdir())
