"""Password hashing off the event loop, in a small bounded pool.

Argon2id costs tens of milliseconds of CPU and memory on purpose; run on the event loop,
30 failed logins at once stall every page for seconds. Here hashing and verification run
in :data:`WORKERS` dedicated threads (argon2-cffi releases the GIL while it works), and at
most :data:`MAX_WAITING` more may wait: beyond that a login is refused at once with
"busy" (:class:`Busy`) instead of piling up.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

WORKERS = 2
MAX_WAITING = 32


class Busy(Exception):
    """Too many password checks are already waiting."""


class Hasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, hash: str, password: str) -> bool: ...


class PasswordPool:
    """``await pool.verify(hash, password)`` and ``await pool.hash(password)`` in a
    bounded pool of threads."""

    def __init__(self, hasher: Hasher | None = None, *, workers: int = WORKERS,
                 max_waiting: int = MAX_WAITING) -> None:
        self.hasher: Hasher = hasher or PasswordHasher()
        self.workers = workers
        self.max_waiting = max_waiting
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._in_flight = 0
        self._dummy: str | None = None

    def _check(self, password_hash: str, password: str) -> bool:
        try:
            return bool(self.hasher.verify(password_hash, password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def _burn(self, password: str) -> bool:
        """Spend a real verification's time (an unknown name answers as slowly)."""
        if self._dummy is None:
            self._dummy = self.hasher.hash("tinbai-dummy-password")
        self._check(self._dummy, password)
        return False

    async def _run(self, function: Callable[..., object], *args: str) -> object:
        with self._lock:
            if self._in_flight >= self.workers + self.max_waiting:
                raise Busy
            self._in_flight += 1
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=self.workers,
                                                    thread_name_prefix="tinbai-argon2")
            executor = self._executor
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(executor, function, *args)
        finally:
            with self._lock:
                self._in_flight -= 1

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; with no hash (no such user), the same work."""
        if password_hash is None:
            await self._run(self._burn, password)
            return False
        return bool(await self._run(self._check, password_hash, password))

    async def hash(self, password: str) -> str:
        return str(await self._run(self.hasher.hash, password))

    def close(self) -> None:
        """Stop the threads (a later call starts new ones)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
