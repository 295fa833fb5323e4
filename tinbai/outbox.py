"""Everything that goes out: replies to contributors, decision emails, alerts to admins.

A row is committed in the caller's transaction (a transactional outbox: the reply to a
message commits with the message) and sent afterwards by :meth:`Outbox.send_pending`,
which claims each due row with a lease, retries with exponential backoff while the SMTP
server is down, and marks it sent after the server took it (SPEC §8: nothing lost, at
most one duplicate per crash). :meth:`Outbox._queue` is the one place a row is built.

Reply policy (SPEC §8, docs/operations.md): no reply without a usable address; a row is
kept but not sent ("suppressed", with the reason) to a sender that failed SPF/DMARC
(backscatter), for mail older than ``replies.max_age_days``, and beyond
``replies.max_per_sender_per_day`` answers to one sender's mail (notices do not count).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

from ingest.model import ParsedMail
from notifier.compose import ReplyContext, compose_reply
from notifier.errors import NotifierError, PermanentTransportError
from notifier.transport import Transport
from store.db import Store
from tinbai import clock
from tinbai.alerts import alert_message, alert_subject
from tinbai.config import Config
from tinbai.connections import open_smtp, smtp_uses_oauth
from tinbai.links import new_status_url
from tinbai.oauth.wiring import TokenSources
from tinbai.privacy import Redactor, known_accounts

log = logging.getLogger(__name__)

#: The answers to a contributor's own message (what :meth:`Outbox.reply_to_mail` sends):
#: the kinds ``replies.max_per_sender_per_day`` counts.
MAIL_REPLY_KINDS: tuple[str, ...] = ("receipt", "fix_request", "too_large")


@dataclass
class SendReport:
    """What a sending pass did."""

    replies_sent: int = 0
    replies_failed: int = 0
    errors: list[str] = field(default_factory=list)


class Outbox:
    """The outbox of one data folder: queue rows in the caller's transaction, send later."""

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
        self._transport_factory = transport_factory or self._default_transport
        #: XOAUTH2 token sources, one per login (the poller's mailboxes share them).
        self.tokens = TokenSources(config, self._alert_revoked)

    def _alert_revoked(self, text: str) -> None:
        """A dead OAuth login, reported once by whoever finds it (IMAP or SMTP)."""
        self.alert("oauth_revoked", f"Hãy đăng nhập lại hộp thư. Chi tiết kỹ thuật: {text}")

    def _default_transport(self) -> Transport:
        token = self.tokens.smtp() if smtp_uses_oauth(self.config) else None
        return open_smtp(self.config, token)

    # -- queueing (in the caller's transaction) ----------------------------------------

    def _queue(
        self, kind: str, message: EmailMessage, to_addr: str, *, submission_id: int | None,
        message_row_id: int | None, suppressed: str | None = None,
    ) -> int:
        """The one place an outbox row is built; ``suppressed``: kept, never sent, why."""
        row: dict[str, Any] = {
            "submission_id": submission_id,
            "message_row_id": message_row_id,
            "kind": kind,
            "to_addr": to_addr,
            "subject": str(message["Subject"]),
            "reply_message_id": str(message["Message-ID"]).strip("<>"),
            "raw": message.as_bytes(),
        }
        if suppressed:
            row.update({"state": "suppressed", "last_error": suppressed})
        return self.store.outbox.enqueue(row)

    def _suppression(self, mail: ParsedMail, *, unverified: bool) -> str | None:
        """Why a reply to ``mail`` must not be sent (None: send it)."""
        replies = self.config.replies
        now = clock.now()
        if unverified:
            return "sender failed SPF/DKIM/DMARC: no reply (backscatter)"
        if mail.date and mail.date < now - timedelta(days=replies.max_age_days):
            return f"mail older than {replies.max_age_days} days: no reply"
        # Only the answers to the sender's own mail count: the limit stops a mail loop or
        # a flood of replies, not the notices a busy contributor or unit chair receives.
        sent_today = self.store.outbox.replies_to_since(
            mail.from_addr, now - timedelta(days=1), MAIL_REPLY_KINDS
        )
        if sent_today >= replies.max_per_sender_per_day:
            return f"more than {replies.max_per_sender_per_day} replies to this sender today"
        return None

    def reply_to_mail(
        self,
        kind: str,
        mail: ParsedMail,
        context: ReplyContext,
        *,
        message_row_id: int,
        submission_id: int | None,
        mlog: logging.LoggerAdapter[logging.Logger],
        unverified: bool = False,
    ) -> None:
        """Queue the reply to a contributor's message (receipt, fix request, too large)."""
        if not mail.from_addr or "@" not in mail.from_addr:
            mlog.info("no usable sender address: no reply")
            return
        reason = self._suppression(mail, unverified=unverified)
        if submission_id is not None and not reason:
            context.status_url = new_status_url(self.store, self.config, submission_id)
        message = compose_reply(kind, context, from_header=self.config.smtp.from_,
                                date=clock.now())
        self._queue(kind, message, mail.from_addr, submission_id=submission_id,
                    message_row_id=message_row_id, suppressed=reason)
        if reason:
            mlog.info("reply %s suppressed: %s", kind, reason)

    def reply_to_decision(self, kind: str, submission: dict[str, Any], reason: str) -> None:
        """The email of an editor's decision (rejected, changes requested), threaded to the
        contributor's last message."""
        self.to_author(kind, submission, reason=reason)

    def to_author(
        self, kind: str, submission: dict[str, Any], *, reason: str = "",
        extra: dict[str, Any] | None = None, key: str | None = None,
    ) -> bool:
        """An e-mail to the contributor about their submission, threaded to their last
        message and carrying their status link; with ``key``, queued only once ever
        (``store.notices``). Runs in the caller's transaction; True when queued."""
        sid = int(submission["id"])
        if not submission.get("sender") or "@" not in str(submission["sender"]):
            return False
        if key is not None and not self.store.notices.claim(key, kind, sid):
            return False
        messages = self.store.messages.of_submission(sid)
        last = messages[-1] if messages else None
        context = ReplyContext(
            to_addr=submission["sender"],
            to_name=submission.get("sender_name") or "",
            original_subject=submission.get("subject") or "",
            in_reply_to=last["message_id"] if last else None,
            references=[m["message_id"] for m in messages],
            ref=submission["ref"],
            fields={k: submission.get(k) or "" for k in ("title", "author")},
            reason=reason,
            extra=dict(extra or {}),
            status_url=new_status_url(self.store, self.config, sid),
        )
        message = compose_reply(kind, context, from_header=self.config.smtp.from_,
                                date=clock.now())
        self._queue(kind, message, submission["sender"], submission_id=sid,
                    message_row_id=last["id"] if last else None)
        return True

    def notify(
        self, kind: str, to_addr: str, context: ReplyContext, *,
        submission_id: int | None = None, key: str | None = None,
    ) -> bool:
        """A notice to an approver, an editor, a unit or leadership (no status link); with
        ``key``, queued only once ever. Runs in the caller's transaction; True when queued."""
        if "@" not in to_addr:
            return False
        if key is not None and not self.store.notices.claim(key, kind, submission_id):
            return False
        message = compose_reply(kind, context, from_header=self.config.smtp.from_,
                                date=clock.now())
        self._queue(kind, message, to_addr, submission_id=submission_id, message_row_id=None)
        return True

    def alert(self, kind: str, text: str) -> bool:
        """Record an alert and queue an email to ``replies.admin_emails`` unless one of the
        same kind was queued within ``replies.alert_interval_hours``; True when queued.

        Joins the caller's transaction when there is one. Why rate-limited: a failing
        login repeated every five minutes must reach a person, not flood their inbox.
        """
        replies = self.config.replies
        # admins read alerts by email, outside the pages: no known account goes out whole
        text = Redactor(known=known_accounts(self.store)).redact(text)
        with self.store.transaction():
            self.store.outbox.add_alert(kind, text)
            admins = [a for a in replies.admin_emails if "@" in a]
            if not admins:
                return False
            interval = timedelta(hours=replies.alert_interval_hours)
            if self.store.outbox.alert_emails_since(alert_subject(kind), clock.now() - interval):
                log.info("alert %s: email already sent within %s, not repeated", kind, interval)
                return False
            for admin in admins:
                message = alert_message(self.config, kind, text, admin)
                self._queue("alert", message, admin, submission_id=None, message_row_id=None)
            return True

    # -- sending (after the commit) --------------------------------------------------------

    def send_pending(
        self, report: SendReport | None = None, now: datetime | None = None
    ) -> SendReport:
        """Send due replies (due at ``now``, default the current time); failures are
        retried later with exponential backoff. Counts into ``report`` when given."""
        report = report if report is not None else SendReport()
        with self.store.transaction():
            self.store.outbox.release_dead_claims()
        due = self.store.outbox.due(now)
        if not due:
            return report
        try:
            transport = self._transport_factory()
        except NotifierError as exc:
            report.errors.append(str(exc))
            log.error("cannot open the reply transport: %s", exc)
            return report
        with transport:
            for row in due:
                if self.stop.is_set():
                    break
                with self.store.transaction():
                    if not self.store.outbox.claim(int(row["id"]), now):
                        continue  # another process is sending it
                if not self._send_one(transport, row, report):
                    break  # the server is down: don't hammer it with the rest
        return report

    def _send_one(self, transport: Transport, row: dict[str, Any], report: SendReport) -> bool:
        """Send one claimed row; False when the server is down (stop this pass)."""
        try:
            transport.send(bytes(row["raw"]), parseaddr(self.config.smtp.from_)[1],
                           [row["to_addr"]])
        except NotifierError as exc:
            replies = self.config.replies
            attempts = int(row["attempts"]) + 1
            give_up = isinstance(exc, PermanentTransportError) or attempts >= replies.max_attempts
            delay = min(replies.retry_max_seconds, replies.retry_base_seconds * 2 ** (attempts - 1))
            delay = delay * (0.8 + 0.4 * random.random())
            with self.store.transaction():
                self.store.outbox.mark_failed(
                    int(row["id"]), str(exc), clock.now() + timedelta(seconds=delay),
                    give_up=give_up,
                )
            report.replies_failed += 1
            log.warning(
                "reply %s to %s not sent (attempt %d%s): %s",
                row["reply_message_id"],
                row["to_addr"],
                attempts,
                ", giving up" if give_up else f", retry in {delay:.0f}s",
                exc,
            )
            return isinstance(exc, PermanentTransportError)
        with self.store.transaction():
            self.store.outbox.mark_sent(int(row["id"]))
        report.replies_sent += 1
        log.info("reply %s sent to %s", row["reply_message_id"], row["to_addr"])
        return True
