"""tinbai/platform.py: both branches (POSIX and Windows) run here; the Windows branch
with its one seam, the command runner that would start icacls, recorded instead."""

from __future__ import annotations

import signal
import stat
from collections.abc import Sequence
from pathlib import Path

import pytest

from tinbai.platform import is_windows, restrict_to_owner, stop_signals


def test_stop_signals_per_platform() -> None:
    assert stop_signals("posix") == [signal.SIGINT, signal.SIGTERM]
    windows = stop_signals("nt")
    assert windows[0] == signal.SIGINT
    # SIGBREAK (Ctrl+Break, what service wrappers send) exists only in Windows builds.
    assert (getattr(signal, "SIGBREAK", None) in windows) == hasattr(signal, "SIGBREAK")
    assert signal.SIGTERM not in windows
    assert is_windows("nt") and not is_windows("posix")


def test_restrict_to_owner_posix(tmp_path: Path) -> None:
    secret = tmp_path / "k"
    secret.write_text("x")
    secret.chmod(0o644)
    restrict_to_owner(secret, system="posix")
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    restrict_to_owner(tmp_path, folder=True, system="posix")
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o700


def test_restrict_to_owner_windows_runs_icacls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("USERNAME", "toasoan")
    calls: list[list[str]] = []

    def runner(command: Sequence[str]) -> int:
        calls.append(list(command))
        return 0 if len(calls) == 1 else 5

    before = stat.S_IMODE((tmp_path).stat().st_mode)
    restrict_to_owner(tmp_path / "a.token", system="nt", runner=runner)
    restrict_to_owner(tmp_path, folder=True, system="nt", runner=runner)
    assert calls == [
        ["icacls", str(tmp_path / "a.token"), "/inheritance:r", "/grant:r", "toasoan:F"],
        ["icacls", str(tmp_path), "/inheritance:r", "/grant:r", "toasoan:(OI)(CI)F"],
    ]
    assert "exit 5" in caplog.text  # a refusal is logged, not raised
    assert stat.S_IMODE(tmp_path.stat().st_mode) == before  # no POSIX chmod on that branch

    def missing(command: Sequence[str]) -> int:
        raise FileNotFoundError("icacls")

    restrict_to_owner(tmp_path, system="nt", runner=missing)  # no icacls: logged
    assert "cannot restrict" in caplog.text


def test_main_path_imports_no_posix_only_module() -> None:
    """fcntl, pwd, grp, termios and resource do not exist on Windows: the modules of the
    main path must not import them (tests may)."""
    root = Path(__file__).resolve().parent.parent
    posix_only = ("fcntl", "pwd", "grp", "termios", "resource", "pty")
    offenders = []
    for package in ("ingest", "validators", "store", "notifier", "tinbai"):
        for path in (root / package).rglob("*.py"):
            for line in path.read_text(encoding="utf-8").splitlines():
                words = line.split()
                if words[:1] in (["import"], ["from"]) and len(words) > 1 and \
                        words[1].split(".")[0] in posix_only:
                    offenders.append(f"{path.relative_to(root)}: {line.strip()}")
    assert not offenders
