"""The database schema, created and migrated by code.

The schema version is SQLite's ``PRAGMA user_version``. Each migration is a function
appended to :data:`MIGRATIONS`; migration N brings the database from version N-1 to N
and runs inside one transaction, so a crash mid-migration leaves the old version.
Never edit a released migration: add a new one.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

from store.errors import SchemaTooNew
from store.migrations import (
    _v1_core,
    _v2_audit,
    _v3_web,
    _v4_finance,
    _v5_outbox_claims,
    _v6_gmail_ids,
    _v7_web_sessions,
    _v8_close_the_loop,
    _v9_search_folded,
)

Migration = Callable[[sqlite_utils.Database], None]


#: Migrations in order; index i holds the migration to version i + 1.
MIGRATIONS: list[Migration] = [
    _v1_core, _v2_audit, _v3_web, _v4_finance, _v5_outbox_claims, _v6_gmail_ids,
    _v7_web_sessions, _v8_close_the_loop, _v9_search_folded,
]


def current_version(db: sqlite_utils.Database) -> int:
    """The database's schema version (0 for a new file)."""
    row = db.execute("PRAGMA user_version").fetchone()
    return int(row[0]) if row else 0


def migrate(db: sqlite_utils.Database) -> int:
    """Bring the schema to the latest version; return the version reached."""
    version = current_version(db)
    latest = len(MIGRATIONS)
    if version > latest:
        raise SchemaTooNew(
            f"database schema version {version} is newer than this tinbai ({latest}); "
            "upgrade tinbai"
        )
    conn = db.conn
    for index in range(version, latest):
        conn.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[index](db)
            conn.execute(f"PRAGMA user_version = {index + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return latest
