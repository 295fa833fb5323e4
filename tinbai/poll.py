"""The poll: every configured mailbox, its new messages through the intake, the replies.

Per mailbox: open the source (a refused login is retried only once an hour, so a wrong
password cannot get the account locked), move mail committed just before a crash, list
what is new above the checkpoint, read ahead (a thread fetches and prepares the next
message while this one commits: :mod:`tinbai.prefetch`), commit each message, move it to
the processed or quarantine folder, and send the replies on the way.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from ingest.errors import SourceAuthError, SourceError
from ingest.sources.base import MailSource
from ingest.sources.oauth import RefreshTokenRevoked
from notifier.transport import Transport
from store.db import Store
from tinbai import gmail
from tinbai.config import Config, MailboxConfig
from tinbai.connections import open_mailbox
from tinbai.health import record_poll
from tinbai.intake import Intake, Outcome, Prepared
from tinbai.outbox import Outbox, SendReport
from tinbai.prefetch import Prefetcher

log = logging.getLogger(__name__)

#: After a refused login, `tinbai run` waits this long before trying that mailbox again.
AUTH_RETRY_SECONDS = 3600

#: Raw bytes of prepared messages that may wait beside the one being committed.
READ_AHEAD_BYTES = 64 * 1024 * 1024


@dataclass
class PollReport(SendReport):
    """What one poll did, for the summary table and the logs."""

    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    ignored: int = 0
    failed: int = 0
    refs: list[str] = field(default_factory=list)

    def count(self, outcome: Outcome) -> None:
        """Count one message's outcome."""
        self.fetched += 1
        if outcome.kind == "stored":
            self.stored += 1
            if outcome.ref:
                self.refs.append(outcome.ref)
        elif outcome.kind in ("duplicate", "seen"):
            self.duplicates += 1
        elif outcome.kind == "failed":
            self.failed += 1
        else:
            self.ignored += 1


class Poller:
    """One configured instance: the mailboxes, the intake and the outbox of a data folder."""

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        transport_factory: Callable[[], Transport] | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.stop = stop or threading.Event()
        self.outbox = Outbox(config, store, transport_factory=transport_factory, stop=self.stop)
        self.intake = Intake(config, store, self.outbox)
        self._auth_refused: dict[str, float] = {}

    def poll(self, progress: Callable[[int, int], None] | None = None) -> PollReport:
        """One pass over every configured mailbox, then send the pending replies."""
        report = PollReport()
        # Items an editor's correction moved to awaiting_approval: ask their unit now
        # (issue 15; a no-op query when there are none).
        self.intake.approvals.request_missing()
        # Replies a killed run committed but did not send go out first, not after the
        # backlog (a no-op query when nothing is due).
        self.outbox.send_pending(report)
        for mailbox in self.config.mailboxes:
            if self.stop.is_set():
                break
            refused_at = self._auth_refused.get(mailbox.name)
            if refused_at is not None and time.monotonic() - refused_at < AUTH_RETRY_SECONDS:
                # Retrying a refused login every interval can get the account locked.
                log.info(
                    "mailbox %s: login was refused; next attempt within %d min",
                    mailbox.name,
                    AUTH_RETRY_SECONDS // 60,
                )
                continue
            try:
                self.poll_mailbox(mailbox, report, progress)
                self._auth_refused.pop(mailbox.name, None)
            except SourceAuthError as exc:
                what = (
                    mailbox.oauth_token_command or f"tinbai auth status {mailbox.name}"
                    if mailbox.auth == "xoauth2"
                    else mailbox.password_env
                )
                text = f"mailbox {mailbox.name}: login refused ({exc}); check {what}"
                log.error(text)
                self._auth_refused[mailbox.name] = time.monotonic()
                if not isinstance(exc, RefreshTokenRevoked):  # that one alerted already
                    self.outbox.alert(
                        "auth_failure",
                        f"Hộp thư {mailbox.name}: máy chủ từ chối đăng nhập. Hãy kiểm tra "
                        f"{what}. Chi tiết kỹ thuật: {exc}",
                    )
                report.errors.append(text)
            except SourceError as exc:
                text = f"mailbox {mailbox.name}: {exc}"
                log.warning("poll incomplete: %s", text)
                report.errors.append(text)
        self.outbox.send_pending(report)
        record_poll(self.config.data_path, report.errors)
        return report

    def _open(self, mailbox: MailboxConfig) -> MailSource:
        token = self.outbox.tokens.mailbox(mailbox.name) if mailbox.auth == "xoauth2" else None
        return open_mailbox(self.config, mailbox, token)

    def poll_mailbox(
        self,
        mailbox: MailboxConfig,
        report: PollReport,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        """Fetch and process everything new in one mailbox (UID > checkpoint)."""
        with self._open(mailbox) as source:
            uidvalidity = source.uidvalidity
            last = self.store.messages.last_uid(mailbox.name, uidvalidity)
            since = None
            if last is None:
                since = mailbox.since
                if self.store.messages.known_uidvalidities(mailbox.name):
                    log.warning(
                        "mailbox %s: UIDVALIDITY changed to %s, resynchronising "
                        "(already stored messages are recognised by Message-ID)",
                        mailbox.name,
                        uidvalidity,
                    )
                last = 0
            if last and (mailbox.processed_folder or mailbox.quarantine_folder):
                self._move_left_behind(source, mailbox, uidvalidity, last)
            new = source.list_new(last, since)
            if not last:  # Gmail: mail processed under an earlier UIDVALIDITY is skipped
                new = gmail.skip_known(self.store, source, mailbox.name, uidvalidity, new)
            if not new:
                return
            log.info("mailbox %s: %d new message(s)", mailbox.name, len(new))
            limit = self.config.limits.max_message_bytes
            connection = threading.Lock()  # the prefetch thread and MOVE share the source
            fetching = source.fetch([uid for uid, _ in new], limit)
            with Prefetcher(
                fetching, connection, transform=self.intake.prepare,
                # Two messages ahead, but not two of 40 MB: at most 64 MB of raw mail
                # (about three times that once parsed) waits beside the one in hand.
                weight=lambda prepared: len(prepared.fetched.raw or b""),
                max_weight=READ_AHEAD_BYTES,
            ) as ahead:
                self._process_fetched(source, mailbox, ahead, len(new), connection, report,
                                      progress)

    def _process_fetched(
        self,
        source: MailSource,
        mailbox: MailboxConfig,
        prepared_messages: Iterable[Prepared],
        total: int,
        connection: threading.Lock,
        report: PollReport,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        """Commit prepared messages one by one, each in its own transaction, then move it."""
        for done, prepared in enumerate(prepared_messages, start=1):
            fetched = prepared.fetched
            outcome = self.intake.commit(prepared)
            if progress:
                progress(done, total)
            report.count(outcome)
            if fetched.gmail_msgid is not None:  # X-GM-EXT-1 only (tinbai/gmail.py)
                with connection:
                    gmail.after_commit(self.store, source, mailbox, fetched, outcome.kind,
                                       outcome.ref)
            if done % mailbox.batch_size == 0:
                # A long backlog: answer the first senders now, not after the last.
                self.outbox.send_pending(report)
            folder = mailbox.quarantine_folder if outcome.quarantine else mailbox.processed_folder
            if folder and outcome.kind != "too_large":
                try:
                    with connection:
                        source.move([fetched.uid], folder)
                except SourceError as exc:
                    log.warning(
                        "mailbox %s: cannot move UID %s to %s: %s",
                        mailbox.name, fetched.uid, folder, exc,
                    )
            if self.stop.is_set():
                log.info("stop requested: leaving after UID %s", fetched.uid)
                break

    def _move_left_behind(
        self, source: MailSource, mailbox: MailboxConfig, uidvalidity: int, last: int
    ) -> None:
        """Move mail committed just before a crash but not yet moved (the move follows
        the commit, so only the last few UIDs below the checkpoint can be affected)."""
        window = source.list_new(max(0, last - mailbox.batch_size), None)
        uids = [uid for uid, _ in window if uid <= last]
        for row in self.store.messages.at_uids(mailbox.name, uidvalidity, uids):
            if row["disposition"] == "too_large":
                continue  # left on the server on purpose
            folder = (
                mailbox.quarantine_folder if row["state"] == "failed" else mailbox.processed_folder
            )
            if not folder:
                continue
            try:
                source.move([int(row["uid"])], folder)
                log.info(
                    "mailbox %s: UID %s committed before an interruption, moved to %s",
                    mailbox.name,
                    row["uid"],
                    folder,
                )
            except SourceError as exc:
                log.warning(
                    "mailbox %s: cannot move UID %s to %s: %s",
                    mailbox.name,
                    row["uid"],
                    folder,
                    exc,
                )


@contextmanager
def opened(config: Config) -> Iterator[Poller]:
    """A poller over the configured data folder, closed afterwards."""
    store = Store(config.data_path)
    try:
        yield Poller(config, store)
    finally:
        store.close()
