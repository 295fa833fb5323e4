"""Checking functions that must never raise: nothing may have been swallowed either.

Functions that read contributor text catch every exception so that bad input is a
problem for the contributor, not a crash; a test that only calls them cannot fail. They
log what they catch (a warning on their module's logger), so a test can assert that no
exception happened at all.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def nothing_swallowed(*loggers: str) -> Iterator[None]:
    """Fail when one of ``loggers`` reported a swallowed exception inside the block."""
    handler = _Collect()
    targets = [logging.getLogger(name) for name in loggers]
    levels = [target.level for target in targets]
    for target in targets:
        target.addHandler(handler)
        target.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for target, level in zip(targets, levels, strict=True):
            target.removeHandler(handler)
            target.setLevel(level)
    swallowed = [record.getMessage() for record in handler.records]
    assert not swallowed, f"exceptions were swallowed: {swallowed}"
