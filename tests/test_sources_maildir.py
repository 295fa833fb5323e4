"""MaildirSource on real files in tmp_path."""

from __future__ import annotations

import datetime
import mailbox
import os
import time
from pathlib import Path

import pytest

from ingest.errors import SourceConnectError, SourceProtocolError
from ingest.sources import MailSource, open_source
from ingest.sources.maildir import UIDLIST, MaildirSource


def raw(i: int, size: int = 0) -> bytes:
    return (
        b"From: a@example.vn\nSubject: bai %d\nMessage-ID: <m%d@example.vn>\n\n" % (i, i)
        + b"x" * size
        + b"\n"
    )


def deliver(root: Path, data: bytes, name: str | None = None) -> Path:
    """Deliver like an MDA: write to tmp/, rename into new/."""
    for sub in ("new", "cur", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    name = name or f"{time.time_ns()}.P{os.getpid()}.host"
    tmp = root / "tmp" / name
    tmp.write_bytes(data)
    dest = root / "new" / name
    os.rename(tmp, dest)
    return dest


def test_open_source_resolves_relative_paths(tmp_path: Path) -> None:
    src = open_source("demo", "maildir:var/inbox", password=None, base_dir=tmp_path,
                      timeout=1, batch_size=5)
    assert isinstance(src, MaildirSource)
    assert src.path == tmp_path / "var" / "inbox"
    absolute = open_source("demo", f"maildir:{tmp_path}/x", password=None, base_dir=Path("/"),
                           timeout=1, batch_size=5)
    assert isinstance(absolute, MaildirSource) and absolute.path == tmp_path / "x"
    with src:
        assert isinstance(src, MailSource)
        assert (tmp_path / "var" / "inbox" / "new").is_dir()
        assert src.list_new(0) == []


def test_missing_maildir_without_create(tmp_path: Path) -> None:
    with pytest.raises(SourceConnectError), MaildirSource("m", tmp_path / "no", create=False):
        pass


def test_uids_are_stable_and_increasing(tmp_path: Path) -> None:
    datas = [raw(i) for i in range(3)]
    for d in datas:
        deliver(tmp_path, d)
    with MaildirSource("m", tmp_path) as src:
        validity = src.uidvalidity
        new = src.list_new(0)
        assert [u for u, _ in new] == [1, 2, 3]
        assert [s for _, s in new] == [len(d) for d in datas]
        got = list(src.fetch([1, 2, 3], max_bytes=10**6))
        assert [m.raw for m in got] == datas
        assert all(m.uidvalidity == validity and m.mailbox == "m" for m in got)
        assert all(m.internal_date is not None and m.internal_date.tzinfo for m in got)
    # A mail client reads message 2: new/ → cur/ with flags; the UID stays.
    p = next(iter(sorted((tmp_path / "new").iterdir())[1:2]))
    os.rename(p, tmp_path / "cur" / (p.name + ":2,S"))
    deliver(tmp_path, raw(4))
    with MaildirSource("m", tmp_path) as src:
        assert src.uidvalidity == validity
        assert [u for u, _ in src.list_new(0)] == [1, 2, 3, 4]
        assert [u for u, _ in src.list_new(3)] == [4]
        (m2,) = src.fetch([2], max_bytes=10**6)
        assert m2.raw == datas[1]
    lines = (tmp_path / UIDLIST).read_text().splitlines()
    assert lines[0] == f"V{validity}"
    assert [line.split()[0] for line in lines[1:]] == ["1", "2", "3", "4"]
    assert all(":" not in line for line in lines)


def test_new_messages_during_a_session(tmp_path: Path) -> None:
    deliver(tmp_path, raw(1))
    with MaildirSource("m", tmp_path) as src:
        assert [u for u, _ in src.list_new(0)] == [1]
        deliver(tmp_path, raw(2))
        assert [u for u, _ in src.list_new(1)] == [2]


def test_two_sources_agree_on_uids(tmp_path: Path) -> None:
    for i in range(5):
        deliver(tmp_path, raw(i))
    a, b = MaildirSource("a", tmp_path), MaildirSource("b", tmp_path)
    with a, b:
        deliver(tmp_path, raw(9))
        ua, ub = a.list_new(0), b.list_new(0)
        assert ua == ub and [u for u, _ in ua] == [1, 2, 3, 4, 5, 6]


def test_uidlist_recreated_gives_new_uidvalidity(tmp_path: Path) -> None:
    deliver(tmp_path, raw(1))
    with MaildirSource("m", tmp_path) as src:
        v1 = src.uidvalidity
    (tmp_path / UIDLIST).write_text(f"V{v1 - 10}\n")  # as if renumbered earlier
    deliver(tmp_path, raw(2))
    with MaildirSource("m", tmp_path) as src:
        assert src.uidvalidity == v1 - 10
        assert [u for u, _ in src.list_new(0)] == [1, 2]


def test_uidlist_deleted_twice_in_one_second_changes_uidvalidity(tmp_path: Path) -> None:
    deliver(tmp_path, raw(1))
    seen = set()
    for _ in range(3):
        with MaildirSource("m", tmp_path) as src:
            seen.add(src.uidvalidity)
            assert [u for u, _ in src.list_new(0)] == [1]
        (tmp_path / UIDLIST).unlink()
    assert len(seen) == 3


def test_corrupt_uidlist(tmp_path: Path) -> None:
    deliver(tmp_path, raw(1))
    (tmp_path / UIDLIST).write_text("garbage\n")
    with pytest.raises(SourceProtocolError, match="bad header"), MaildirSource("m", tmp_path):
        pass
    (tmp_path / UIDLIST).write_text("V5\n1 abc\nnot a line\n")
    with MaildirSource("m", tmp_path) as src:
        assert src.uidvalidity == 5
        assert [u for u, _ in src.list_new(0)] == [2]


def test_since_filter_uses_delivery_time(tmp_path: Path) -> None:
    old = deliver(tmp_path, raw(1))
    t = datetime.datetime(2019, 1, 1, 12).timestamp()
    os.utime(old, (t, t))
    deliver(tmp_path, raw(2))
    with MaildirSource("m", tmp_path) as src:
        assert [u for u, _ in src.list_new(0, since=datetime.date(2020, 1, 1))] == [2]
        assert [u for u, _ in src.list_new(0)] == [1, 2]


def test_size_limit(tmp_path: Path) -> None:
    deliver(tmp_path, raw(1, size=10))
    deliver(tmp_path, raw(2, size=5000))
    with MaildirSource("m", tmp_path) as src:
        small, big = src.fetch([1, 2], max_bytes=1000)
    assert small.raw is not None and big.raw is None
    assert big.header_bytes == raw(2)[: raw(2).index(b"\n\n") + 2]
    assert big.size == len(raw(2, size=5000))


def test_move_to_maildirpp_folder(tmp_path: Path) -> None:
    for i in range(3):
        deliver(tmp_path, raw(i))
    with MaildirSource("m", tmp_path) as src:
        src.move([1, 3, 99], "Processed")
        assert [u for u, _ in src.list_new(0)] == [2]
        assert list(src.fetch([1], max_bytes=10**6)) == []
        deliver(tmp_path, raw(7))
        assert [u for u, _ in src.list_new(0)] == [2, 4]  # UIDs are never reused
        src.move([2], "Archive/2026")
    processed = tmp_path / ".Processed"
    assert (processed / "maildirfolder").exists()
    assert sorted(p.read_bytes() for p in (processed / "new").iterdir()) == sorted(
        [raw(0), raw(2)]
    )
    assert len(list((tmp_path / ".Archive.2026" / "new").iterdir())) == 1
    # The standard library agrees it is a valid Maildir++ layout.
    md = mailbox.Maildir(tmp_path, create=False)
    assert sorted(md.list_folders()) == ["Archive.2026", "Processed"]
    assert len(md.get_folder("Processed")) == 2


@pytest.mark.parametrize("bad", ["../x", ".hidden", "a/../../b", "x\x00y", ""])
def test_move_rejects_bad_folder_names(tmp_path: Path, bad: str) -> None:
    deliver(tmp_path, raw(1))
    with MaildirSource("m", tmp_path) as src, pytest.raises(SourceProtocolError):
        src.move([1], bad)


def test_ignores_dotfiles_and_directories(tmp_path: Path) -> None:
    deliver(tmp_path, raw(1))
    (tmp_path / "new" / ".swp").write_bytes(b"x")
    (tmp_path / "cur" / "adir").mkdir(parents=True)
    with MaildirSource("m", tmp_path) as src:
        assert [u for u, _ in src.list_new(0)] == [1]


def test_not_opened(tmp_path: Path) -> None:
    src = MaildirSource("m", tmp_path)
    with pytest.raises(SourceConnectError):
        src.list_new(0)
