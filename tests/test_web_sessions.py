"""Sessions and login under misuse (issue 13): sessions on the server, revocation, the
admins' list, password hashing off the event loop, backoff instead of a lock, bursts
alerted, CSRF not in the cookie, cross-site POSTs refused, bounded request bodies."""

from __future__ import annotations

import hashlib
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from starlette.testclient import TestClient
from web_support import PASSWORD, copy_site, csrf_of, login, running_server, shared_template

from store.db import Store
from tinbai.config import Config
from tinbai.web.app import create_app
from tinbai.web.auth import set_password

HANG_GUARD = 60  # seconds: only a hang makes a test wait this long


@pytest.fixture
def site(tmp_path_factory: Any, tmp_path: Path) -> Iterator[tuple[Config, Store]]:
    config, store = copy_site(shared_template(tmp_path_factory), tmp_path / "site")
    yield config, store
    store.close()


@pytest.fixture
def app(site: tuple[Config, Store]) -> Any:
    config, store = site
    return create_app(config, store=store)


def client(app: Any, address: str = "203.0.113.7") -> TestClient:
    return TestClient(app, base_url="http://testserver", follow_redirects=False,
                      client=(address, 40000))


def session_cookie(c: TestClient) -> str:
    return str(c.cookies.get("tinbai_session"))


def post_login(c: TestClient, name: str, password: str) -> Any:
    page = c.get("/login")
    return c.post("/login", data={"name": name, "password": password,
                                  "csrf": csrf_of(page.text), "next": "/"})


# -- what the cookie holds, and revocation --------------------------------------------------


def test_the_cookie_holds_only_an_opaque_id(app: Any, site: tuple[Config, Store]) -> None:
    _, store = site
    with client(app) as c:
        login(c, "bientap")
        cookie = session_cookie(c)
        token = csrf_of(c.get("/").text)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", cookie), cookie  # 256 random bits, no data
    assert token not in cookie
    user = store.users.by_name("bientap")
    assert user is not None
    assert str(user["password_hash"])[-16:] not in cookie
    row = store.db.execute("SELECT user_id, data_json FROM web_sessions WHERE token_sha256 = ?",
                           (hashlib.sha256(cookie.encode()).hexdigest(),)).fetchone()
    assert row is not None and row[0] == user["id"] and token in row[1]
    assert cookie not in str(store.db.execute("SELECT * FROM web_sessions").fetchall())


def test_login_gives_a_new_session_id(app: Any) -> None:
    with client(app) as c:
        c.get("/login")
        before = session_cookie(c)
        login(c, "bientap")
        assert session_cookie(c) != before  # a cookie planted before login is worthless
    with client(app) as stranger:
        stranger.cookies.set("tinbai_session", before)
        assert stranger.get("/").status_code == 303


def test_logout_ends_a_copied_session(app: Any) -> None:
    with client(app) as c:
        login(c, "bientap")
        copied = session_cookie(c)
        token = csrf_of(c.get("/").text)
        assert c.post("/logout", data={"csrf": token}).status_code == 303
    with client(app) as thief:
        thief.cookies.set("tinbai_session", copied)
        response = thief.get("/")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")


def test_a_password_change_ends_the_user_s_sessions(app: Any, site: tuple[Config, Store]) -> None:
    _, store = site
    with client(app) as editor, client(app) as admin:
        login(editor, "bientap")
        login(admin, "quantri")
        set_password(store, "bientap", "mat-khau-moi-123", actor="cli")
        assert editor.get("/").status_code == 303
        assert admin.get("/").status_code == 200
        # an admin's reset through the page too
        assert post_login(editor, "bientap", "mat-khau-moi-123").status_code == 303
        user = store.users.by_name("bientap")
        assert user is not None
        token = csrf_of(admin.get("/admin/users").text)
        response = admin.post(f"/admin/users/{user['id']}",
                              data={"csrf": token, "action": "password",
                                    "password": "mat-khau-khac-456"})
        assert response.status_code == 303
        assert editor.get("/").status_code == 303
        assert admin.get("/").status_code == 200  # the admin's own session stays


def test_admins_see_and_end_sessions(app: Any, site: tuple[Config, Store]) -> None:
    _, store = site
    with client(app, "198.51.100.1") as editor, client(app, "198.51.100.2") as finance, \
            client(app) as admin:
        login(editor, "bientap")
        login(finance, "ketoan")
        login(admin, "quantri")
        assert editor.get("/admin/sessions").status_code == 403
        page = admin.get("/admin/sessions")
        assert page.status_code == 200
        for text in ("bientap", "ketoan", "quantri", "198.51.100.1", "(phiên này)"):
            assert text in page.text
        # end one (the editor's)
        editor_sid = next(int(r["id"]) for r in store.sessions.active() if r["name"] == "bientap")
        token = csrf_of(page.text)
        assert admin.post(f"/admin/sessions/{editor_sid}/end",
                          data={"csrf": token}).status_code == 303
        assert editor.get("/").status_code == 303
        assert finance.get("/finance").status_code == 200
        # end all: everybody but the admin
        login(editor, "bientap")
        assert admin.post("/admin/sessions/end-all", data={"csrf": token}).status_code == 303
        assert editor.get("/").status_code == 303
        assert finance.get("/finance").status_code == 303
        assert admin.get("/admin/sessions").status_code == 200
        assert [r["name"] for r in store.sessions.active()] == ["quantri"]
    actions = [r[0] for r in store.db.execute("SELECT action FROM audit_log")]
    assert "session_end" in actions and "session_end_all" in actions


# -- hashing off the event loop, bounded ----------------------------------------------------


class BlockingHasher:
    """argon2, except that verification waits until the test lets it go."""

    def __init__(self) -> None:
        self.real = PasswordHasher()
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.started = threading.Semaphore(0)

    def hash(self, password: str) -> str:
        return self.real.hash(password)

    def verify(self, hash: str, password: str) -> bool:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        self.started.release()
        try:
            assert self.release.wait(HANG_GUARD), "the test never released the hasher"
            return self.real.verify(hash, password)
        finally:
            with self.lock:
                self.running -= 1


def test_password_checks_do_not_block_the_pages(site: tuple[Config, Store]) -> None:
    """30 logins whose password checks cannot finish: an editor's page still answers, at
    most two checks run at once, and beyond the pool's queue a login is told "busy"."""
    config, store = site
    app = create_app(config, store=store)
    with running_server(app) as base, httpx.Client(
        base_url=base, follow_redirects=False, timeout=HANG_GUARD
    ) as editor:
        page = editor.get("/login")
        assert editor.post("/login", data={"name": "bientap", "password": PASSWORD,
                                           "csrf": csrf_of(page.text)}).status_code == 303
        hasher = BlockingHasher()
        pool = app.state.passwords
        pool.hasher, pool.max_waiting = hasher, 27
        answers: list[int] = []

        def failed_login() -> None:
            with httpx.Client(base_url=base, timeout=HANG_GUARD) as c:
                form = c.get("/login")
                answers.append(c.post("/login", data={
                    "name": "quantri", "password": "sai", "csrf": csrf_of(form.text),
                }).status_code)

        threads = [threading.Thread(target=failed_login) for _ in range(30)]
        for thread in threads:
            thread.start()
        assert hasher.started.acquire(timeout=HANG_GUARD)
        assert hasher.started.acquire(timeout=HANG_GUARD)  # two checks are stuck
        deadline = time.monotonic() + HANG_GUARD  # every login reached the pool
        while (pool._in_flight < 29 or not answers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pool._in_flight == 29 and answers == [503]
        # the event loop is free: the editor's queue answers while they wait
        assert editor.get("/").status_code == 200
        assert editor.get("/s/TB-2026-0001").status_code == 200
        hasher.release.set()
        for thread in threads:
            thread.join(HANG_GUARD)
    assert len(answers) == 30
    assert hasher.most == 2  # the pool's two threads, never more
    assert answers.count(503) == 1 and answers.count(400) == 29  # 2 running + 27 waiting


# -- backoff instead of a lock ------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_failed_logins_back_off_and_never_lock_the_admin_out(
    app: Any, site: tuple[Config, Store], caplog: pytest.LogCaptureFixture,
) -> None:
    from tinbai.web.throttle import LoginThrottle

    caplog.set_level(logging.INFO)
    clock = FakeClock()
    app.state.login_throttle = LoginThrottle(clock=clock)
    with client(app, "192.0.2.10") as usual:
        login(usual, "quantri")  # the admin's usual address, known for the name
    with client(app, "203.0.113.66") as attacker:
        assert [post_login(attacker, "quantri", "doan-mo").status_code
                for _ in range(5)] == [400] * 5  # five free tries
        refused = post_login(attacker, "quantri", "doan-mo")
        assert refused.status_code == 429 and "chờ 1 giây" in refused.text
        # even the right password waits while the address is held back
        assert post_login(attacker, "quantri", PASSWORD).status_code == 429
        clock.now += 1
        assert post_login(attacker, "quantri", "doan-mo").status_code == 400
        assert "chờ 2 giây" in post_login(attacker, "quantri", "doan-mo").text  # doubled
        clock.now += 2
        assert post_login(attacker, "quantri", "doan-mo").status_code == 400
        assert "chờ 4 giây" in post_login(attacker, "quantri", "doan-mo").text
        for _ in range(12):  # an hour of guessing later, the address waits 15 minutes
            clock.now += 15 * 60
            assert post_login(attacker, "quantri", "doan-mo").status_code == 400
        assert "chờ 900 giây" in post_login(attacker, "quantri", "doan-mo").text
    # another address guessing the same name waits at most a minute, not fifteen
    with client(app, "198.51.100.99") as other:
        assert "chờ 60 giây" in post_login(other, "quantri", "doan-mo").text
        clock.now += 60
        assert post_login(other, "quantri", PASSWORD).status_code == 303
    # the admin, from the usual address, is never held back by someone else's guesses
    with client(app, "192.0.2.10") as usual:
        assert post_login(usual, "quantri", PASSWORD).status_code == 303
    assert any("login failed for 'quantri' from 203.0.113.66" in r.getMessage()
               for r in caplog.records)


def test_a_burst_of_failures_is_logged_and_alerted(
    site: tuple[Config, Store], caplog: pytest.LogCaptureFixture,
) -> None:
    config, store = site
    config.replies.admin_emails = ["quantri@congdoan.example.vn"]
    app = create_app(config, store=store)
    caplog.set_level(logging.INFO)
    # Five names, so no name reaches its sixth failure (which would wait a second from
    # the fifth: whether it had passed would depend on the machine's speed).
    for number in range(21):
        with client(app, f"203.0.113.{number}") as c:
            assert post_login(c, f"ten{number % 5}", "sai").status_code == 400
    bursts = [r for r in caplog.records if "login burst" in r.getMessage()]
    assert len(bursts) == 1 and bursts[0].levelno == logging.WARNING
    alerts = store.db.execute("SELECT message FROM alerts WHERE kind = 'login_burst'").fetchall()
    assert len(alerts) == 1 and "203.0.113.1" in alerts[0][0]
    assert store.db.execute(
        "SELECT count(*) FROM outbox WHERE kind = 'alert' AND to_addr = ?",
        ("quantri@congdoan.example.vn",)).fetchone()[0] == 1


# -- CSRF's second line, and bounded bodies -------------------------------------------------


def test_cross_site_posts_are_refused_even_with_the_token(app: Any,
                                                         site: tuple[Config, Store]) -> None:
    _, store = site
    with client(app) as c:
        login(c, "bientap")
        token = csrf_of(c.get("/s/TB-2026-0001").text)

        def note(headers: dict[str, str]) -> int:
            return int(c.post("/s/TB-2026-0001/notes", data={"csrf": token, "body": "ghi chú"},
                              headers=headers).status_code)

        assert note({"Origin": "https://evil.example"}) == 403
        assert note({"Origin": "null"}) == 403
        assert note({"Origin": "http://testserver.evil.example"}) == 403
        assert note({"Sec-Fetch-Site": "cross-site", "Origin": "http://testserver"}) == 403
        assert note({"Sec-Fetch-Site": "same-site"}) == 403
        refused = c.post("/logout", data={"csrf": token}, headers={"Origin": "https://x.example"})
        assert refused.status_code == 403 and "trang web khác" in refused.text
        assert c.get("/").status_code == 200  # the forged logout did not log out
        before = len(store.submissions.notes_of(1))
        assert note({"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}) == 303
        assert note({"Origin": "http://testserver"}) == 303
        assert note({}) == 303  # no header (a script): the CSRF token decides
        assert len(store.submissions.notes_of(1)) == before + 3


def _raw_http(base: str, head: bytes, first_chunk: bytes) -> bytes:
    """Send the head and the first bytes of a body, then read what the server answers
    (without sending the rest)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=HANG_GUARD) as sock:
        sock.sendall(head + first_chunk)
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    return answer


def test_request_bodies_are_bounded(site: tuple[Config, Store]) -> None:
    config, store = site
    app = create_app(config, store=store)
    with running_server(app) as base:
        netloc = base.removeprefix("http://")
        # a 20 MB login form is refused from its Content-Length, before it is read
        head = (f"POST /login HTTP/1.1\r\nHost: {netloc}\r\nContent-Type: "
                "application/x-www-form-urlencoded\r\nContent-Length: 20971520\r\n\r\n").encode()
        answer = _raw_http(base, head, b"name=" + b"a" * 65536)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        # a chunked one (no length) is cut off as it arrives
        head = (f"POST /login HTTP/1.1\r\nHost: {netloc}\r\nContent-Type: "
                "application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
        chunk = b"a" * 32768
        body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(4))
        answer = _raw_http(base, head, body)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        with httpx.Client(base_url=base, follow_redirects=False, timeout=HANG_GUARD) as c:
            page = c.get("/login")
            assert c.post("/login", data={"name": "bientap", "password": PASSWORD,
                                          "csrf": csrf_of(page.text)}).status_code == 303
            token = csrf_of(c.get("/").text)
            big = c.post("/s/TB-2026-0001/notes", data={"csrf": token, "body": "x" * 3_000_000})
            assert big.status_code == 413 and "quá lớn" in big.text
            fine = c.post("/s/TB-2026-0001/notes", data={"csrf": token, "body": "x" * 4000})
            assert fine.status_code == 303
