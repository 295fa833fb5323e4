"""Failed logins slow down per client address and per name (exponential backoff).

A hard lock after N failures lets anyone lock the admin out by typing the admin's name
ten times. Instead, after a few free failures each further failure doubles the wait
before that address, or that name, may try again: up to 15 minutes for an address, up to
one minute for a name (so a name can never be locked for long), and an address where
the name logged in successfully before is not held back by the name's failures. The wait
is forgotten an hour after the last failure. Bursts of failures (many in a few minutes,
from anywhere) are reported once per window so that :mod:`tinbai.web.auth` logs them and
alerts the admins. Everything is in memory and bounded (:data:`MAX_KEYS`).
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

FREE_FAILURES = 5
BASE_SECONDS = 1.0
ADDRESS_CAP_SECONDS = 15 * 60
NAME_CAP_SECONDS = 60
FORGET_SECONDS = 3600
MAX_KEYS = 10_000
BURST_FAILURES = 20
BURST_WINDOW_SECONDS = 10 * 60


@dataclass
class _Failures:
    count: int
    last: float


@dataclass
class Burst:
    """Many failed logins in a short time (reported once per window)."""

    failures: int
    window_seconds: int
    addresses: list[str]
    names: list[str]


def backoff(count: int, cap: float) -> float:
    """Seconds to wait after ``count`` failures: none for the first few, then doubling."""
    if count < FREE_FAILURES:
        return 0.0
    return float(min(cap, BASE_SECONDS * 2 ** (count - FREE_FAILURES)))


class LoginThrottle:
    """Per-address and per-name failure counters with exponential backoff."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.addresses: OrderedDict[str, _Failures] = OrderedDict()
        self.names: OrderedDict[str, _Failures] = OrderedDict()
        self.trusted: OrderedDict[tuple[str, str], float] = OrderedDict()
        self.recent: deque[tuple[float, str, str]] = deque()
        self._burst_reported = -1e18

    def _live(self, table: OrderedDict[str, _Failures], key: str) -> _Failures | None:
        entry = table.get(key)
        if entry is not None and self.clock() - entry.last > FORGET_SECONDS:
            del table[key]
            return None
        return entry

    def wait(self, address: str, name: str) -> float:
        """Seconds before this address may try this name again (0: go ahead)."""
        now = self.clock()
        waits = [0.0]
        entry = self._live(self.addresses, address)
        if entry is not None:
            waits.append(entry.last + backoff(entry.count, ADDRESS_CAP_SECONDS) - now)
        entry = self._live(self.names, name)
        if entry is not None and (address, name) not in self.trusted:
            waits.append(entry.last + backoff(entry.count, NAME_CAP_SECONDS) - now)
        return max(waits)

    def _bump(self, table: OrderedDict[str, _Failures], key: str, now: float) -> int:
        entry = self._live(table, key) or _Failures(0, now)
        entry.count += 1
        entry.last = now
        table[key] = entry
        table.move_to_end(key)
        while len(table) > MAX_KEYS:
            table.popitem(last=False)
        return entry.count

    def failed(self, address: str, name: str) -> tuple[int, int, Burst | None]:
        """Count a failure; (failures of the address, of the name, a burst to report)."""
        now = self.clock()
        by_address = self._bump(self.addresses, address, now)
        by_name = self._bump(self.names, name, now)
        self.recent.append((now, address, name))
        while self.recent and now - self.recent[0][0] > BURST_WINDOW_SECONDS:
            self.recent.popleft()
        burst = None
        if (len(self.recent) >= BURST_FAILURES
                and now - self._burst_reported > BURST_WINDOW_SECONDS):
            self._burst_reported = now
            burst = Burst(len(self.recent), BURST_WINDOW_SECONDS,
                          sorted({a for _, a, _ in self.recent})[:20],
                          sorted({n for _, _, n in self.recent})[:20])
        return by_address, by_name, burst

    def succeeded(self, address: str, name: str) -> None:
        """A correct password: the name's failures are forgotten and this address is
        known for it (the name's backoff no longer holds it back)."""
        self.names.pop(name, None)
        self.trusted[(address, name)] = self.clock()
        self.trusted.move_to_end((address, name))
        while len(self.trusted) > MAX_KEYS:
            self.trusted.popitem(last=False)
