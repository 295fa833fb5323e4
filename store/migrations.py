"""The migrations of the database schema: one function each, DDL as data.

Listed in order in :data:`store.schema.MIGRATIONS`, which runs them. Never edit a released
migration: add a new one.
"""

from __future__ import annotations

import sqlite_utils


def run_script(db: sqlite_utils.Database, script: str) -> None:
    """Execute DDL statements one by one inside the caller's transaction.

    ``sqlite3.Connection.executescript`` would COMMIT first, breaking the migration's
    all-or-nothing transaction.
    """
    for statement in script.split(";"):
        if statement.strip():
            db.conn.execute(statement)


def _v1_core(db: sqlite_utils.Database) -> None:
    """Messages, submissions, problems, photos, history, outbox, checkpoints."""
    run_script(
        db,
        """
        CREATE TABLE checkpoints (
            mailbox TEXT NOT NULL,
            uidvalidity INTEGER NOT NULL,
            last_uid INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (mailbox, uidvalidity)
        );
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            message_id TEXT NOT NULL,
            raw_sha256 TEXT,
            raw_path TEXT,
            size INTEGER NOT NULL DEFAULT 0,
            mailbox TEXT,
            uidvalidity INTEGER,
            uid INTEGER,
            sender TEXT NOT NULL DEFAULT '',
            sender_name TEXT NOT NULL DEFAULT '',
            subject TEXT NOT NULL DEFAULT '',
            sent_date TEXT,
            received_at TEXT NOT NULL,
            in_reply_to TEXT,
            disposition TEXT,
            state TEXT NOT NULL DEFAULT 'processed',
            error TEXT,
            submission_id INTEGER REFERENCES submissions(id),
            version INTEGER,
            auth_results TEXT,
            defects TEXT
        );
        CREATE UNIQUE INDEX messages_unique_message_id
            ON messages(message_id) WHERE disposition IS NOT 'duplicate';
        CREATE INDEX messages_raw_sha ON messages(raw_sha256);
        CREATE INDEX messages_submission ON messages(submission_id);
        CREATE INDEX messages_sender ON messages(sender);
        CREATE TABLE ref_counters (
            year INTEGER PRIMARY KEY,
            last INTEGER NOT NULL
        );
        CREATE TABLE submissions (
            id INTEGER PRIMARY KEY,
            ref TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL,
            sender TEXT NOT NULL DEFAULT '',
            sender_name TEXT NOT NULL DEFAULT '',
            subject TEXT NOT NULL DEFAULT '',
            title TEXT, body TEXT, caption TEXT, author TEXT, unit TEXT, phone TEXT,
            bank_account TEXT, account_holder TEXT, bank_name TEXT,
            unit_name TEXT,
            author_key TEXT,
            phone_e164 TEXT,
            bank_account_digits TEXT,
            bank_code TEXT,
            bank_bin TEXT,
            bank_short_name TEXT,
            account_holder_ascii TEXT,
            template_source TEXT,
            candidate_json TEXT NOT NULL DEFAULT '{}',
            version INTEGER NOT NULL DEFAULT 1,
            error_count INTEGER NOT NULL DEFAULT 0,
            warning_count INTEGER NOT NULL DEFAULT 0,
            received_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            published_url TEXT,
            published_date TEXT,
            genre TEXT,
            coefficient TEXT,
            reject_reason TEXT
        );
        CREATE INDEX submissions_status_received ON submissions(status, received_at, id);
        CREATE INDEX submissions_received ON submissions(received_at, id);
        CREATE INDEX submissions_unit ON submissions(unit_name);
        CREATE INDEX submissions_author_key ON submissions(author_key);
        CREATE TABLE submission_versions (
            id INTEGER PRIMARY KEY,
            submission_id INTEGER NOT NULL REFERENCES submissions(id),
            version INTEGER NOT NULL,
            message_row_id INTEGER REFERENCES messages(id),
            candidate_json TEXT NOT NULL,
            problems_json TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (submission_id, version)
        );
        CREATE TABLE problems (
            id INTEGER PRIMARY KEY,
            submission_id INTEGER NOT NULL REFERENCES submissions(id),
            code TEXT NOT NULL,
            severity TEXT NOT NULL,
            field TEXT,
            file TEXT,
            detail TEXT,
            message TEXT NOT NULL,
            overridden_by TEXT,
            override_note TEXT,
            overridden_at TEXT
        );
        CREATE INDEX problems_submission ON problems(submission_id);
        CREATE INDEX problems_code ON problems(code, submission_id);
        CREATE TABLE photos (
            id INTEGER PRIMARY KEY,
            submission_id INTEGER NOT NULL REFERENCES submissions(id),
            version INTEGER NOT NULL,
            position INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            blob_path TEXT NOT NULL,
            filename TEXT NOT NULL,
            format TEXT,
            width INTEGER,
            height INTEGER,
            quality INTEGER,
            camera TEXT,
            caption TEXT,
            phash TEXT,
            facts_json TEXT NOT NULL,
            problems_json TEXT NOT NULL
        );
        CREATE INDEX photos_submission ON photos(submission_id);
        CREATE INDEX photos_phash ON photos(phash);
        CREATE INDEX photos_sha ON photos(sha256);
        CREATE TABLE status_history (
            id INTEGER PRIMARY KEY,
            submission_id INTEGER NOT NULL REFERENCES submissions(id),
            from_status TEXT,
            to_status TEXT NOT NULL,
            actor TEXT NOT NULL,
            reason TEXT,
            at TEXT NOT NULL
        );
        CREATE INDEX status_history_submission ON status_history(submission_id);
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            submission_id INTEGER REFERENCES submissions(id),
            message_row_id INTEGER REFERENCES messages(id),
            kind TEXT NOT NULL,
            to_addr TEXT NOT NULL,
            subject TEXT NOT NULL,
            reply_message_id TEXT NOT NULL UNIQUE,
            raw BLOB NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_error TEXT,
            created_at TEXT NOT NULL,
            sent_at TEXT
        );
        CREATE INDEX outbox_pending ON outbox(state, next_attempt_at);
        CREATE INDEX outbox_to ON outbox(to_addr, created_at);
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            message TEXT NOT NULL,
            at TEXT NOT NULL,
            resolved_at TEXT
        );
        """
    )


def _v2_audit(db: sqlite_utils.Database) -> None:
    """The audit log of decisions: who did what to which submission, and when."""
    run_script(
        db,
        """
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            submission_id INTEGER REFERENCES submissions(id),
            detail_json TEXT NOT NULL DEFAULT '{}',
            at TEXT NOT NULL
        );
        CREATE INDEX audit_log_submission ON audit_log(submission_id, id);
        """,
    )


def _v3_web(db: sqlite_utils.Database) -> None:
    """The editors' web pages: users, editor notes, and the queue's ordering index.

    Field edits and problem overrides are recorded in ``audit_log`` (old/new, who, when)
    and in the existing ``problems.overridden_*`` columns.
    """
    run_script(
        db,
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            role TEXT NOT NULL CHECK (role IN ('editor', 'finance', 'admin')),
            password_hash TEXT NOT NULL,
            created_at TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE editor_notes (
            id INTEGER PRIMARY KEY,
            submission_id INTEGER NOT NULL REFERENCES submissions(id),
            author TEXT NOT NULL,
            body TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX editor_notes_submission ON editor_notes(submission_id, id);
        CREATE INDEX submissions_queue_order ON submissions(
            (CASE status WHEN 'pending_review' THEN 0 WHEN 'approved' THEN 1
             WHEN 'needs_fix' THEN 2 WHEN 'published' THEN 3 WHEN 'paid' THEN 4 ELSE 5 END),
            received_at, id);
        CREATE INDEX submissions_unit_queue ON submissions(unit_name, status, received_at, id)
        """,
    )


def _v4_finance(db: sqlite_utils.Database) -> None:
    """Royalty payment batches, their payees and items, and payee confirmations.

    Amounts are integer VND frozen at export time, so a batch downloaded again shows the
    same figures. ``batch_items.submission_id`` is UNIQUE: an item is never in two batches.
    """
    run_script(
        db,
        """
        CREATE TABLE payment_batches (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            period TEXT NOT NULL,
            period_start TEXT NOT NULL,
            period_end TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid', 'cancelled')),
            payment_date TEXT NOT NULL,
            rules_json TEXT NOT NULL DEFAULT '{}',
            payee_count INTEGER NOT NULL DEFAULT 0,
            item_count INTEGER NOT NULL DEFAULT 0,
            total_gross INTEGER NOT NULL DEFAULT 0,
            total_tax INTEGER NOT NULL DEFAULT 0,
            total_net INTEGER NOT NULL DEFAULT 0,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            paid_by TEXT,
            paid_at TEXT
        );
        CREATE INDEX payment_batches_period ON payment_batches(period, id);
        CREATE TABLE batch_payees (
            id INTEGER PRIMARY KEY,
            batch_id INTEGER NOT NULL REFERENCES payment_batches(id),
            position INTEGER NOT NULL,
            author TEXT NOT NULL,
            author_key TEXT NOT NULL,
            account_holder TEXT NOT NULL,
            account_digits TEXT NOT NULL,
            bank_short_name TEXT,
            bank_code TEXT,
            bank_bin TEXT,
            gross INTEGER NOT NULL,
            tax INTEGER NOT NULL,
            net INTEGER NOT NULL,
            description TEXT NOT NULL,
            flags TEXT NOT NULL DEFAULT '',
            flag_detail TEXT,
            UNIQUE (batch_id, position)
        );
        CREATE INDEX batch_payees_author ON batch_payees(author_key, account_digits);
        CREATE TABLE batch_items (
            id INTEGER PRIMARY KEY,
            batch_id INTEGER NOT NULL REFERENCES payment_batches(id),
            payee_id INTEGER NOT NULL REFERENCES batch_payees(id),
            submission_id INTEGER NOT NULL UNIQUE REFERENCES submissions(id),
            ref TEXT NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            published_date TEXT NOT NULL,
            genre TEXT,
            coefficient TEXT NOT NULL,
            unit_value INTEGER NOT NULL,
            gross INTEGER NOT NULL
        );
        CREATE INDEX batch_items_batch ON batch_items(batch_id, payee_id);
        CREATE TABLE payee_confirmations (
            id INTEGER PRIMARY KEY,
            payee_id INTEGER NOT NULL UNIQUE REFERENCES batch_payees(id),
            batch_id INTEGER NOT NULL REFERENCES payment_batches(id),
            confirmed_by TEXT NOT NULL,
            note TEXT NOT NULL,
            at TEXT NOT NULL
        )
        """,
    )



def _v5_outbox_claims(db: sqlite_utils.Database) -> None:
    """Who is sending a claimed reply (host:pid), so a dead sender's claim is released."""
    run_script(db, "ALTER TABLE outbox ADD COLUMN claimed_by TEXT")


def _v6_gmail_ids(db: sqlite_utils.Database) -> None:
    """Gmail's X-GM-MSGID of every message processed: its identity across UIDVALIDITY
    changes, so a renumbered Gmail folder is not downloaded again (issue 17)."""
    run_script(
        db,
        """
        CREATE TABLE gmail_message_ids (
            mailbox TEXT NOT NULL,
            msgid INTEGER NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (mailbox, msgid)
        )
        """,
    )


def _v7_web_sessions(db: sqlite_utils.Database) -> None:
    """Sessions of the web pages kept on the server (issue 13): the cookie holds only an
    opaque id (stored here as its SHA-256), so logout, a password change and an admin's
    "end all sessions" end them at once."""
    run_script(
        db,
        """
        CREATE TABLE web_sessions (
            id INTEGER PRIMARY KEY,
            token_sha256 TEXT NOT NULL UNIQUE,
            user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
            data_json TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL,
            seen_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            address TEXT NOT NULL DEFAULT '',
            user_agent TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX web_sessions_user ON web_sessions(user_id, seen_at);
        CREATE INDEX web_sessions_expiry ON web_sessions(expires_at)
        """,
    )


def _v8_close_the_loop(db: sqlite_utils.Database) -> None:
    """Issue 15: approval by the unit, status links, notices sent once, the text index.

    - ``submissions.approval_state``: NULL (no approval needed), ``pending`` (the unit's
      leadership has not approved this item yet) or ``approved``;
    - ``approvals``: each request to a unit's approvers and its outcome (who, when, how);
    - ``status_links``: the personal status links of the replies (SHA-256 of the token),
      revocable;
    - ``sent_notices``: one row per notice, digest or reminder ever queued (its key is
      UNIQUE, written with the outbox row: sent exactly once, whatever restarts);
    - ``text_prints`` / ``text_bands``: each body's MinHash signature and its LSH bands
      (``text_duplicate``), and ``duplicate_confirmations`` by finance;
    - the queue order gains ``awaiting_approval`` (after the items editors work on).
    """
    run_script(
        db,
        """
        ALTER TABLE submissions ADD COLUMN approval_state TEXT;
        CREATE TABLE approvals (
            id INTEGER PRIMARY KEY,
            submission_id INTEGER NOT NULL REFERENCES submissions(id),
            unit_name TEXT NOT NULL,
            approvers TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'approved', 'returned', 'cancelled')),
            requested_at TEXT NOT NULL,
            reminded_at TEXT,
            decided_at TEXT,
            decided_by TEXT,
            decided_how TEXT,
            reason TEXT,
            message_row_id INTEGER REFERENCES messages(id)
        );
        CREATE INDEX approvals_submission ON approvals(submission_id, id);
        CREATE INDEX approvals_state ON approvals(state, requested_at);
        CREATE TABLE status_links (
            id INTEGER PRIMARY KEY,
            submission_id INTEGER NOT NULL REFERENCES submissions(id),
            token_sha256 TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            revoked_at TEXT,
            revoked_by TEXT
        );
        CREATE INDEX status_links_submission ON status_links(submission_id);
        CREATE TABLE sent_notices (
            key TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            submission_id INTEGER REFERENCES submissions(id),
            at TEXT NOT NULL
        );
        CREATE INDEX sent_notices_submission ON sent_notices(submission_id);
        CREATE TABLE text_prints (
            submission_id INTEGER PRIMARY KEY REFERENCES submissions(id),
            signature BLOB NOT NULL,
            words INTEGER NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE text_bands (
            band INTEGER NOT NULL,
            bucket INTEGER NOT NULL,
            submission_id INTEGER NOT NULL REFERENCES submissions(id),
            PRIMARY KEY (band, bucket, submission_id)
        ) WITHOUT ROWID;
        CREATE INDEX text_bands_submission ON text_bands(submission_id);
        CREATE TABLE duplicate_confirmations (
            submission_id INTEGER PRIMARY KEY REFERENCES submissions(id),
            confirmed_by TEXT NOT NULL,
            note TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX submissions_status_updated ON submissions(status, updated_at, id);
        DROP INDEX submissions_queue_order;
        CREATE INDEX submissions_queue_order ON submissions(
            (CASE status WHEN 'pending_review' THEN 0 WHEN 'approved' THEN 1
             WHEN 'awaiting_approval' THEN 2 WHEN 'needs_fix' THEN 3 WHEN 'published' THEN 4
             WHEN 'paid' THEN 5 ELSE 6 END),
            received_at, id)
        """,
    )


def _v9_search_folded(db: sqlite_utils.Database) -> None:
    """The queue's search ignores diacritics and case (issue 16): ``search_text`` holds
    the folded title, author, unit, reference and sender (``ingest.normalize.fold``: lower
    case, no diacritics, đ → d), kept by ``store.submissions``; its index lets a search
    read the small index instead of the rows (which carry bodies and candidates)."""
    from ingest.normalize import fold

    run_script(
        db,
        """
        ALTER TABLE submissions ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
        CREATE INDEX submissions_search ON submissions(search_text)
        """,
    )
    columns = "ref, title, author, unit, unit_name, sender, sender_name"
    rows = db.conn.execute(f"SELECT id, {columns} FROM submissions").fetchall()
    db.conn.executemany(
        "UPDATE submissions SET search_text = ? WHERE id = ?",
        [(fold(" ".join(str(v) for v in row[1:] if v)), row[0]) for row in rows],
    )
