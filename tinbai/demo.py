"""``tinbai demo``: the embedded default, entirely inside the data folder.

Seeds a local Maildir inbox with sample submissions, polls it once, writes the replies to
a local outbox Maildir and prints a summary. It writes its own config file next to the
data, so the result can be explored afterwards (``tinbai --config var/demo/config.yaml
queue``, ``… serve``). Running it again adds nothing: the samples have fixed Message-IDs
and the inbox is seeded once.
"""

from __future__ import annotations

import mailbox
import shutil
from pathlib import Path

from store.db import Store
from tinbai.config import Config, load_config
from tinbai.poll import Poller
from tinbai.samples import demo_messages
from tinbai.tables import print_queue

DEMO_CONFIG = """\
# Written by `tinbai demo`: a self-contained configuration for the demo data.
# Explore with: tinbai --config {path} queue   (or: serve)
mailboxes:
  - name: demo
    url: maildir:inbox
smtp:
  url: maildir:outbox
  from: "Ban Biên tập <toasoan@congdoan.example.vn>"
data_dir: .
unit_kinds:
  huyen_nganh:
    label: "LĐLĐ huyện, công đoàn ngành"
    quota: {{month: 1, quarter: 3, half: 6, year: 12}}
  co_so:
    label: "Công đoàn cơ sở"
    quota: {{half: 1, year: 2}}
units:
  - name: "LĐLĐ huyện Chợ Đồn"
    kind: huyen_nganh
    aliases: ["Liên đoàn Lao động huyện Chợ Đồn"]
  - name: "Công đoàn ngành Giáo dục"
    kind: huyen_nganh
    aliases: ["Công đoàn ngành Giáo dục tỉnh", "CĐ ngành Giáo dục"]
  - name: "Công đoàn ngành Y tế"
    kind: huyen_nganh
    aliases: ["CĐ ngành Y tế"]
  - name: "Công đoàn Viên chức tỉnh"
    kind: huyen_nganh
  - name: "CĐCS Công ty TNHH May Chợ Mới"
    kind: co_so
    aliases: ["Công đoàn cơ sở Công ty TNHH May Chợ Mới", "CĐCS May Chợ Mới"]
"""


def demo_dir(config: Config) -> Path:
    """Where the demo lives: ``DATA_DIR/demo``."""
    return config.data_path / "demo"


def prepare(config: Config, *, reset: bool = False) -> Path:
    """Create the demo folder, its config and the seeded inbox; return the config path."""
    root = demo_dir(config)
    if reset and root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    config_path = root / "config.yaml"
    if not config_path.exists():
        config_path.write_text(DEMO_CONFIG.format(path=config_path), encoding="utf-8")
    marker = root / "inbox.seeded"
    if not marker.exists():
        inbox = mailbox.Maildir(root / "inbox", create=True)
        for message in demo_messages():
            inbox.add(message.as_bytes())
        marker.write_text("seeded once; delete the demo folder (or use --reset) to re-seed\n")
    return config_path


def run_demo(config: Config, *, reset: bool = False) -> int:
    """Seed, poll once, print the summary table."""
    config_path = prepare(config, reset=reset)
    demo_config = load_config(config_path)
    store = Store(demo_config.data_path)
    try:
        report = Poller(demo_config, store).poll()
        rows = store.queue.listing(include_dispositions=True)
    finally:
        store.close()
    print_queue(rows, title="tinbai demo — kết quả tiếp nhận")
    outbox = demo_dir(config) / "outbox"
    print(
        f"Lần chạy này: {report.fetched} thư mới, {report.stored} lưu, "
        f"{report.ignored} bỏ qua, {report.replies_sent} thư trả lời đã gửi."
    )
    print(f"Thư trả lời (Maildir): {outbox}")
    print(f"Xem tiếp: tinbai --config {config_path} queue")
    return 0 if not report.errors else 1
