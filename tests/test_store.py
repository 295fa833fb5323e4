"""The SQLite store: schema migrations, references, transactions, checkpoints."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from store import lifecycle
from store.db import Store
from store.errors import InvalidTransition, NotFound, SchemaTooNew
from store.files import BlobStore
from store.schema import MIGRATIONS, current_version


def test_new_database_is_migrated_and_reopening_is_a_no_op(tmp_path: Path) -> None:
    store = Store(tmp_path)
    assert store.schema_version == len(MIGRATIONS)
    assert current_version(store.db) == len(MIGRATIONS)
    store.close()
    again = Store(tmp_path)
    assert again.schema_version == len(MIGRATIONS)
    assert again.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    again.close()


def test_v9_folds_the_searched_text_of_existing_submissions(tmp_path: Path) -> None:
    """Submissions stored before schema v9 get their folded search text."""
    import sqlite_utils

    from store.schema import migrate

    db = sqlite_utils.Database(tmp_path / "old.db")
    for index in range(6):  # schema v6, as issue 14 left it
        MIGRATIONS[index](db)
    db.conn.execute("PRAGMA user_version = 6")
    db.conn.execute(
        "INSERT INTO submissions (ref, status, sender, title, author, received_at, updated_at)"
        " VALUES ('TB-2026-0001', 'pending_review', 'a@b.vn', 'Hội thao Công đoàn',"
        " 'Đinh Văn Toàn', '2026-11-01T00:00:00+00:00', '2026-11-01T00:00:00+00:00')"
    )
    db.conn.commit()
    migrate(db)
    row = db.conn.execute("SELECT search_text FROM submissions").fetchone()
    assert row[0] == "tb-2026-0001 hoi thao cong doan dinh van toan a@b.vn"


def test_database_from_a_newer_tinbai_is_refused(tmp_path: Path) -> None:
    Store(tmp_path).close()
    conn = sqlite3.connect(tmp_path / "tinbai.sqlite3")
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    conn.close()
    with pytest.raises(SchemaTooNew):
        Store(tmp_path)


def test_references_are_sequential_per_year(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.transaction():
        assert store.submissions.next_ref(2026) == "TB-2026-0001"
        assert store.submissions.next_ref(2026) == "TB-2026-0002"
        assert store.submissions.next_ref(2027) == "TB-2027-0001"
    store.close()


def test_a_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with pytest.raises(RuntimeError), store.transaction():
        store.messages.insert({"message_id": "a@x"})
        store.messages.set_last_uid("box", 7, 10)
        raise RuntimeError("crash in the middle")
    assert store.messages.by_message_id("a@x") is None
    assert store.messages.last_uid("box", 7) is None
    store.close()


def test_checkpoint_never_moves_backwards(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.transaction():
        store.messages.set_last_uid("box", 1, 10)
        store.messages.set_last_uid("box", 1, 4)
    assert store.messages.last_uid("box", 1) == 10
    assert store.messages.last_uid("box", 2) is None
    assert store.messages.known_uidvalidities("box") == [1]
    store.close()


def test_status_changes_follow_the_lifecycle_and_are_recorded(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.transaction():
        sid = store.submissions.insert(
            {"ref": "TB-2026-0001", "status": lifecycle.NEEDS_FIX}, actor="tinbai"
        )
        store.submissions.set_status(sid, lifecycle.PENDING_REVIEW, actor="tinbai", reason="fixed")
        store.submissions.set_status(sid, lifecycle.PUBLISHED, actor="editor1", reason="url")
    with pytest.raises(InvalidTransition,
                       match="TB-2026-0001: không thể chuyển từ «Đã đăng» sang «Cần bổ sung»"):
        store.submissions.set_status(sid, lifecycle.NEEDS_FIX, actor="editor1")
    with pytest.raises(NotFound, match="Không tìm thấy tin, bài TB-2026-0099"):
        store.submissions.get("tb-2026-0099")
    history = [(h["from_status"], h["to_status"], h["actor"])
               for h in store.submissions.history(sid)]
    assert history == [
        (None, "needs_fix", "tinbai"),
        ("needs_fix", "pending_review", "tinbai"),
        ("pending_review", "published", "editor1"),
    ]
    store.close()


def test_same_message_id_only_once_except_as_duplicate(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.transaction():
        store.messages.insert({"message_id": "m@x"})
        store.messages.insert({"message_id": "m@x", "disposition": "duplicate"})
    with pytest.raises(sqlite3.IntegrityError), store.transaction():
        store.messages.insert({"message_id": "m@x"})
    store.close()


def test_blobs_are_content_addressed_and_never_escape(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "raw")
    digest, path = blobs.put(b"hello", "eml")
    assert path.name == f"{digest}.eml"
    assert blobs.put(b"hello", "eml") == (digest, path)
    assert blobs.read(blobs.relative(path)) == b"hello"
    # An extension coming from a hostile name is dropped, not used.
    _, odd = blobs.put(b"x", "../../etc/passwd")
    assert odd.parent.parent == tmp_path / "raw"
    with pytest.raises(ValueError):
        blobs.read("../../outside")


def test_a_reply_is_claimed_by_one_sender_and_retried_after_its_lease(tmp_path: Path) -> None:
    from datetime import timedelta

    from store.base import utcnow
    from store.outbox import REPLY_LEASE

    store = Store(tmp_path)
    other = Store(tmp_path)  # e.g. `tinbai serve` beside `tinbai run`
    with store.transaction():
        rid = store.outbox.enqueue({"kind": "receipt", "to_addr": "a@example.org",
                                   "subject": "s", "reply_message_id": "r1@x", "raw": b"x"})
    now = utcnow()
    assert [r["id"] for r in store.outbox.due(now)] == [rid]
    assert store.outbox.claim(rid, now)
    assert not other.outbox.claim(rid, now)
    assert other.outbox.due(now) == []
    # The first sender died mid-send: after the lease the reply is due again, once.
    later = now + REPLY_LEASE + timedelta(seconds=1)
    assert [r["id"] for r in other.outbox.due(later)] == [rid]
    assert other.outbox.claim(rid, later)
    other.outbox.mark_sent(rid)
    assert store.outbox.due(later + REPLY_LEASE * 2) == []
    store.close()
    other.close()


def test_the_claim_of_a_killed_sender_is_released_at_once(tmp_path: Path) -> None:
    import subprocess
    import sys

    from store.base import utcnow

    store = Store(tmp_path)
    with store.transaction():
        rid = store.outbox.enqueue({"kind": "receipt", "to_addr": "a@example.org",
                                   "subject": "s", "reply_message_id": "r2@x", "raw": b"x"})
    # Another process claims the reply and dies before marking it sent.
    code = (
        "import sys; from pathlib import Path; from store.db import Store; "
        f"s = Store(Path({str(tmp_path)!r})); sys.exit(0 if s.outbox.claim({rid}) else 3)"
    )
    done = subprocess.run([sys.executable, "-c", code], check=False, timeout=60)
    assert done.returncode == 0
    assert store.outbox.due(utcnow()) == []  # still leased to the dead process
    with store.transaction():
        assert store.outbox.release_dead_claims() == 1
    assert [r["id"] for r in store.outbox.due(utcnow())] == [rid]
    store.close()
