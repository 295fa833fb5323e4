"""Shared pytest fixtures: a real Dovecot IMAP server and a real aiosmtpd SMTP server.

- ``dovecot`` (session): one Dovecot on 127.0.0.1 for the whole run; skipped with a clear
  reason when Dovecot is not installed. See tests/servers.py:Dovecot for its API.
- ``dovecot_tls`` (session): another one with a self-signed certificate (imaps, STARTTLS).
- ``imap_mailbox`` (function): the same server, emptied (and started if a fault test
  stopped it) before the test.
- ``smtp_server`` (function): an aiosmtpd server collecting messages, stopped afterwards.
- ``smtp_server_factory`` (function): build variants (AUTH, STARTTLS); all are stopped.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

sys.path.insert(0, str(Path(__file__).parent))

from servers import Dovecot, SmtpServer, find_dovecot

DATA_DIR = Path(__file__).parent / "data"

# No per-example deadline: hypothesis's default (200 ms) is a wall-clock assertion, and
# on a loaded 2-core CI machine one slow example fails a correct test (issue 11).
settings.register_profile("tinbai", deadline=None)
settings.load_profile("tinbai")


def _sigterm_as_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config: pytest.Config) -> None:
    """Turn SIGTERM (``timeout``, CI cancellation) into KeyboardInterrupt, so pytest still
    tears the fixtures down: Dovecot stopped, throwaway folders removed. (SIGKILL cannot
    be caught; Dovecot then dies by PR_SET_PDEATHSIG, see servers.py.)"""
    if (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    ):
        signal.signal(signal.SIGTERM, _sigterm_as_interrupt)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """A throwaway Dovecot (user ``editor@example.org``, password ``secret``)."""
    if find_dovecot() is None:
        pytest.skip("dovecot is not installed: apt-get install dovecot-imapd to run IMAP tests")
    server = Dovecot()
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def dovecot_tls() -> Iterator[Dovecot]:
    """A second Dovecot with a self-signed certificate: imaps on ``tls_port``, STARTTLS on
    ``port``; ``cert_file`` is the CA file to trust."""
    if find_dovecot() is None:
        pytest.skip("dovecot is not installed: apt-get install dovecot-imapd to run IMAP tests")
    server = Dovecot(tls=True)
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture
def imap_mailbox(dovecot: Dovecot) -> Iterator[Dovecot]:
    """The Dovecot server with an empty INBOX and no other folders."""
    dovecot.reset()
    yield dovecot
    dovecot.resume()
    if not dovecot.running:  # a fault test stopped it: leave it usable for the next one
        dovecot.start()


@pytest.fixture
def smtp_server_factory() -> Iterator[Callable[..., SmtpServer]]:
    """``make(auth={"user": "pw"}, starttls=True)`` → a started SmtpServer."""
    made: list[SmtpServer] = []

    def make(**kwargs: Any) -> SmtpServer:
        server = SmtpServer(**kwargs)
        server.start()
        made.append(server)
        return server

    yield make
    for server in made:
        server.close()


@pytest.fixture
def smtp_server(smtp_server_factory: Callable[..., SmtpServer]) -> SmtpServer:
    """A plain aiosmtpd server on 127.0.0.1 collecting what it receives."""
    return smtp_server_factory()


# -- OAuth 2.0 (issue 17): the local authorization server and the servers trusting it --


@pytest.fixture
def oauth_server() -> Iterator[Any]:
    """A local OAuth 2.0 server (tests/oauth_server.py), fresh per test."""
    from oauth_server import OAuthServer

    server = OAuthServer()
    server.start()
    yield server
    server.close()


@pytest.fixture
def oauth_dovecot(oauth_server: Any) -> Iterator[Dovecot]:
    """A Dovecot whose XOAUTH2 logins are checked by its oauth2 passdb at the local
    OAuth server's introspection endpoint."""
    if find_dovecot() is None:
        pytest.skip("dovecot is not installed: apt-get install dovecot-imapd to run IMAP tests")
    from oauth_server import OAuthDovecot

    server = OAuthDovecot(oauth_server.introspection_url)
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture
def oauth_smtp(oauth_server: Any) -> Iterator[SmtpServer]:
    """An aiosmtpd server requiring AUTH XOAUTH2, checked at the same introspection."""
    from oauth_server import xoauth_smtp_server

    server = xoauth_smtp_server(oauth_server.introspection_url)
    yield server
    server.close()
