"""The read-ahead of fetched mail: order, bounded depth, errors, early stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from tinbai.prefetch import Prefetcher


def test_items_arrive_in_order_and_the_reader_stays_at_most_depth_ahead() -> None:
    produced: list[int] = []

    def source() -> Iterator[int]:
        for n in range(20):
            produced.append(n)
            yield n

    with Prefetcher(source(), threading.Lock(), depth=2) as ahead:
        seen = []
        for item in ahead:
            time.sleep(0.01)
            # consumed + queue (2) + the one the reader holds while the queue is full
            assert len(produced) <= len(seen) + 4
            seen.append(item)
    assert seen == list(range(20))


def test_an_error_of_the_source_is_raised_in_the_consumer_after_the_good_items() -> None:
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise ConnectionResetError("dropped mid-fetch")

    seen = []
    with pytest.raises(ConnectionResetError), Prefetcher(source(), threading.Lock()) as ahead:
        for item in ahead:
            seen.append(item)
    assert seen == [1, 2]


def test_leaving_early_stops_the_reader_thread() -> None:
    def endless() -> Iterator[int]:
        n = 0
        while True:
            n += 1
            yield n

    before = threading.active_count()
    with Prefetcher(endless(), threading.Lock(), depth=3) as ahead:
        for item in ahead:
            if item == 5:
                break
    assert threading.active_count() == before


def test_the_connection_lock_is_held_while_the_source_is_read() -> None:
    lock = threading.Lock()
    held: list[bool] = []

    def source() -> Iterator[int]:
        for n in range(3):
            held.append(lock.locked())
            yield n

    with Prefetcher(source(), lock) as ahead:
        assert list(ahead) == [0, 1, 2]
    assert held == [True, True, True]


def test_the_transform_runs_in_the_reader_thread_outside_the_lock() -> None:
    """The pipeline parses and judges the next message in the reader thread; the
    connection stays free for the consumer's MOVE meanwhile."""
    lock = threading.Lock()
    calls: list[tuple[int, bool, str]] = []

    def prepare(n: int) -> str:
        calls.append((n, lock.locked(), threading.current_thread().name))
        return f"prepared {n}"

    with Prefetcher(iter(range(3)), lock, transform=prepare) as ahead:
        assert list(ahead) == ["prepared 0", "prepared 1", "prepared 2"]
    assert calls == [(n, False, "tinbai-prefetch") for n in range(3)]


def test_heavy_items_wait_until_the_weight_ahead_allows_them() -> None:
    """Large messages are not held two ahead: while what waits weighs more than the
    budget, the reader waits; one item always gets through, however heavy."""
    sizes = [40, 40, 40, 5, 5, 5, 5, 5, 100, 5]
    seen: list[int] = []
    queued: list[tuple[int, int]] = []  # (items waiting, their weight) at each step
    with Prefetcher(iter(sizes), threading.Lock(), depth=4, weight=lambda size: size,
                    max_weight=64) as ahead:
        for size in ahead:
            time.sleep(0.2)  # the reader fills what the budget allows meanwhile
            queued.append((len(ahead._waiting), ahead._waiting_weight))
            seen.append(size)
    assert seen == sizes
    assert all(weight <= 64 or count == 1 for count, weight in queued), queued
    assert queued[0] == (1, 40)  # a second 40 would make 80: the reader waits
    assert (4, 20) in queued  # small messages fill the depth
    assert (1, 100) in queued  # one item always gets through, however heavy
