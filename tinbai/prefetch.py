"""Read ahead from a mailbox while the previous message is being processed.

Fetching is network and disk I/O (the GIL is released); parsing and reading are CPU.
Running the fetch one step ahead in a thread overlaps the two, which is most of what a
backlog of photo mail costs. The read-ahead is bounded (a few messages) so memory stays
bounded, and the source's connection is shared through a lock: the poller takes the
same lock to MOVE a message, since an IMAP connection is not thread-safe.

An optional ``transform`` runs in the same thread on each item, outside the lock: the
poller uses it to prepare (keep, parse, read and hash) the next message while the
current one is committed.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any, Generic, TypeVar, overload

S = TypeVar("S")
T = TypeVar("T")

_DONE = object()


class Prefetcher(Generic[T]):
    """Iterate ``source`` in a background thread, at most ``depth`` items ahead.

    With ``weight`` and ``max_weight`` (bytes, say), items also wait while those already
    waiting weigh more than ``max_weight`` together (one is always let through), so a few
    very large messages are not held ahead at once.

    Use as a context manager: leaving it (normally, on error or on a stop request) stops
    the thread and waits for it, so the caller may close the connection afterwards.
    Exceptions raised by ``source`` are re-raised in the consuming thread, in order.
    """

    @overload
    def __init__(
        self: Prefetcher[T], source: Iterator[T], lock: threading.Lock, depth: int = 2, *,
        weight: Callable[[T], int] | None = None, max_weight: int = 0,
    ) -> None: ...

    @overload
    def __init__(
        self, source: Iterator[S], lock: threading.Lock, depth: int = 2, *,
        transform: Callable[[S], T],
        weight: Callable[[T], int] | None = None, max_weight: int = 0,
    ) -> None: ...

    def __init__(
        self, source: Iterator[Any], lock: threading.Lock, depth: int = 2, *,
        transform: Callable[[Any], T] | None = None,
        weight: Callable[[T], int] | None = None, max_weight: int = 0,
    ) -> None:
        self._source = source
        self._transform = transform
        self._lock = lock
        self._depth = max(1, depth)
        self._weight = weight
        self._max_weight = max_weight
        # The items waiting, with their weight, and the weight they add up to; one
        # condition guards both, for the reader (room) and the consumer (an item).
        self._waiting: deque[tuple[object, int]] = deque()
        self._waiting_weight = 0
        self._changed = threading.Condition()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="tinbai-prefetch", daemon=True)

    def _full(self, heavy: int) -> bool:
        if len(self._waiting) >= self._depth:
            return True
        over = self._waiting_weight + heavy > self._max_weight
        return bool(heavy and self._max_weight and self._waiting and over)

    def _put(self, item: object) -> bool:
        heavy = 0
        if self._weight is not None and not isinstance(item, _Raised) and item is not _DONE:
            heavy = max(0, self._weight(item))  # type: ignore[arg-type]
        with self._changed:
            while self._full(heavy) and not self._closing:
                self._changed.wait()
            if self._closing:
                return False
            self._waiting.append((item, heavy))
            self._waiting_weight += heavy
            self._changed.notify_all()
        return True

    def _run(self) -> None:
        try:
            while not self._closing:
                with self._lock:
                    item = next(self._source, _DONE)
                if item is _DONE:
                    break
                if self._transform is not None:
                    item = self._transform(item)
                if not self._put(item):
                    break
        except BaseException as exc:  # handed to the consumer, raised there
            self._put(_Raised(exc))
            return
        self._put(_DONE)

    def __enter__(self) -> Prefetcher[T]:
        self._thread.start()
        return self

    def __iter__(self) -> Iterator[T]:
        while True:
            with self._changed:
                while not self._waiting:
                    self._changed.wait()
                item, heavy = self._waiting.popleft()
                self._waiting_weight -= heavy
                self._changed.notify_all()
            if item is _DONE:
                return
            if isinstance(item, _Raised):
                raise item.exc
            yield item  # type: ignore[misc]

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with self._changed:  # unblock a reader waiting for room
            self._closing = True
            self._waiting.clear()
            self._waiting_weight = 0
            self._changed.notify_all()
        self._thread.join()


class _Raised:
    """An exception raised by the source, carried to the consumer."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc
