"""Helpers for the web tests: a data folder filled through the real pipeline, users,
logging in, and a real uvicorn server in a thread."""

from __future__ import annotations

import mailbox
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from store.db import Store
from tinbai.config import Config, load_config
from tinbai.poll import Poller
from tinbai.samples import demo_messages
from tinbai.web.auth import create_user

PASSWORD = "mat-khau-123"
USERS = {"bientap": "editor", "ketoan": "finance", "quantri": "admin"}

CONFIG = """\
mailboxes:
  - name: test
    url: maildir:inbox
smtp:
  url: maildir:outbox
  from: "Ban Biên tập <toasoan@congdoan.example.vn>"
data_dir: data
units:
  - name: "LĐLĐ huyện Chợ Đồn"
    kind: huyen_nganh
    aliases: ["Liên đoàn Lao động huyện Chợ Đồn"]
  - name: "Công đoàn ngành Giáo dục"
    kind: huyen_nganh
    aliases: ["Công đoàn ngành Giáo dục tỉnh"]
  - name: "Công đoàn ngành Y tế"
    kind: huyen_nganh
  - name: "Công đoàn Viên chức tỉnh"
    kind: huyen_nganh
  - name: "CĐCS Công ty TNHH May Chợ Mới"
    kind: co_so
    aliases: ["Công đoàn cơ sở Công ty TNHH May Chợ Mới"]
"""


def ingested(folder: Path) -> tuple[Config, Store]:
    """A config in ``folder`` whose Maildir inbox got the sample mail, polled once."""
    (folder / "config.yaml").write_text(CONFIG, encoding="utf-8")
    inbox = mailbox.Maildir(folder / "inbox", create=True)
    for message in demo_messages():
        inbox.add(message.as_bytes())
    config = load_config(folder / "config.yaml")
    store = Store(config.data_path)
    Poller(config, store).poll()
    for name, role in USERS.items():
        create_user(store, name, role, PASSWORD)
    return config, store


def build_site(folder: Path) -> Path:
    """Ingest the samples into ``folder`` once (slow: real photos, real checks); return it.

    Tests copy it with :func:`copy_site` so each one starts from the same data.
    """
    _, store = ingested(folder)
    store.close()
    return folder


def copy_site(template: Path, folder: Path) -> tuple[Config, Store]:
    """A private copy of a built site (the config's paths are relative to it)."""
    shutil.copytree(template, folder, dirs_exist_ok=True)
    config = load_config(folder / "config.yaml")
    return config, Store(config.data_path)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def login(client: Any, name: str) -> None:
    """Log a TestClient in as ``name``."""
    page = client.get("/login")
    response = client.post(
        "/login", data={"name": name, "password": PASSWORD, "csrf": csrf_of(page.text),
                        "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def outbox_messages(config: Config) -> list[bytes]:
    """Every reply written to the test's outbox Maildir."""
    root = config.resolve("outbox")
    return [p.read_bytes() for sub in ("new", "cur") for p in sorted((root / sub).glob("*"))
            if p.is_file()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1:free port in a thread; yield its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                          log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


_TEMPLATE: list[Path] = []


def shared_template(tmp_path_factory: Any) -> Path:
    """The built site, made once per test run (shared by the web test modules)."""
    if not _TEMPLATE:
        _TEMPLATE.append(build_site(tmp_path_factory.mktemp("web-template")))
    return _TEMPLATE[0]
