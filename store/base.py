"""What the parts of the store share: the row type, UTC timestamps, the repository base.

Every table belongs to one repository (one aggregate: messages, submissions, outbox,
finance, users, the audit log); all of them work on the single connection of
:class:`store.db.Store`, so whatever they write inside ``store.transaction()`` commits or
rolls back together.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

Row = dict[str, Any]


def _system_time() -> datetime:
    return datetime.now(UTC)


#: Where the whole program reads the current time (tinbai.clock reads it too, so rows and
#: local dates agree); tests stop it with ``tinbai.clock.frozen``.
_time_source: Callable[[], datetime] = _system_time


def set_time_source(source: Callable[[], datetime]) -> Callable[[], datetime]:
    """Read the current time from ``source`` from now on; returns the previous source."""
    global _time_source
    previous, _time_source = _time_source, source
    return previous


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (rows are stamped in UTC; see tinbai.clock)."""
    return _time_source().astimezone(UTC)


def iso(moment: datetime | None = None) -> str:
    """ISO 8601 text of a moment (now when None), seconds precision, UTC."""
    return (moment or utcnow()).astimezone(UTC).isoformat(timespec="seconds")


class Repository:
    """The queries of one aggregate, on the store's connection (they join its transaction)."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def _one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        cursor = self.db.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([c[0] for c in cursor.description], row, strict=True))

    def _all(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        cursor = self.db.execute(sql, params)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _count(self, sql: str, params: Sequence[Any] = ()) -> int:
        row = self.db.execute(sql, params).fetchone()
        return int(row[0]) if row else 0

    def _insert(self, table: str, row: Row) -> int:
        """Insert one row; returns its id."""
        t = self.db.table(table)
        t.insert(row)
        return int(t.last_rowid or 0)
