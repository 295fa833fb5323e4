"""What differs between Linux/macOS and Windows, in one place (issue 17).

tinbai's main path is portable Python: file locks go through portalocker (fcntl.flock on
POSIX, msvcrt.locking / LockFileEx on Windows), process checks through psutil, paths
through pathlib. The two things left that differ are here, each a function taking the
platform name so both branches run in the tests on any machine:

- which signals mean "finish the current message and stop" (a Windows service manager
  sends Ctrl+C or Ctrl+Break, there is no SIGTERM delivery);
- how a secret file is made readable by its owner only (POSIX mode bits; on Windows an
  ACL set with ``icacls``, since ``os.chmod`` only toggles the read-only flag there).
"""

from __future__ import annotations

import getpass
import logging
import os
import signal
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

log = logging.getLogger(__name__)

Runner = Callable[[Sequence[str]], int]


def is_windows(system: str | None = None) -> bool:
    """True on Windows (``os.name == "nt"``)."""
    return (system or os.name) == "nt"


def stop_signals(system: str | None = None) -> list[signal.Signals]:
    """The signals ``tinbai run`` treats as "stop after the current message"."""
    wanted = ["SIGINT", "SIGBREAK"] if is_windows(system) else ["SIGINT", "SIGTERM"]
    return [getattr(signal, name) for name in wanted if hasattr(signal, name)]


def _run(command: Sequence[str]) -> int:
    return subprocess.run(list(command), capture_output=True, check=False, timeout=60).returncode


def restrict_to_owner(
    path: Path, *, folder: bool = False, system: str | None = None, runner: Runner = _run
) -> None:
    """Make ``path`` readable and writable by its owner only (0600, folders 0700).

    On Windows: remove inherited permissions and grant the current user full control
    (``icacls PATH /inheritance:r /grant:r USER:F``); a failure is logged, not raised,
    because the data folder of a service account is private already.
    """
    if not is_windows(system):
        os.chmod(path, 0o700 if folder else 0o600)
        return
    user = os.environ.get("USERNAME") or getpass.getuser()
    grant = f"{user}:(OI)(CI)F" if folder else f"{user}:F"
    try:
        code = runner(["icacls", str(path), "/inheritance:r", "/grant:r", grant])
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("cannot restrict %s to %s: %s", path, user, exc)
        return
    if code != 0:
        log.warning("icacls could not restrict %s to %s (exit %s)", path, user, code)
