"""The pipeline that wires the stages: fetch → parse → judge → store → reply.

Each message is processed in its own transaction together with the mailbox checkpoint
and its reply (a transactional outbox), so a crash at any moment neither loses nor
duplicates a message; an unexpected error stores the message as failed with its
traceback and the poll moves on (SPEC §8).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import random
import shlex
import subprocess
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any
from urllib.parse import unquote, urlsplit

from ingest.candidate import author_key, caption_for, merge_candidates
from ingest.errors import SourceAuthError, SourceError
from ingest.mime import parse_message
from ingest.model import Candidate, FetchedMessage, ParsedMail
from ingest.photos import perceptual_hash
from ingest.sources import open_source
from ingest.sources.base import MailSource
from notifier.compose import ReplyContext, compose_reply
from notifier.errors import NotifierError, PermanentTransportError
from notifier.transport import Transport, open_transport
from store import lifecycle
from store.base import utcnow
from store.db import Store
from store.records import (
    candidate_from_json,
    candidate_to_json,
    message_row,
    photo_row,
    photo_verdicts,
    submission_values,
)
from store.submissions import problem_key
from tinbai import clock
from tinbai.alerts import raise_alert
from tinbai.config import Config, MailboxConfig, secret
from tinbai.evaluate import Evaluation, evaluate
from tinbai.logs import message_logger
from tinbai.prefetch import Prefetcher
from validators.builtin import Verdict, classify, validate
from validators.dispositions import DispositionContext

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "tinbai"

#: After a refused login, `tinbai run` waits this long before trying that mailbox again.
AUTH_RETRY_SECONDS = 3600


@dataclass
class PollReport:
    """What one poll did, for the summary table and the logs."""

    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    ignored: int = 0
    failed: int = 0
    replies_sent: int = 0
    replies_failed: int = 0
    errors: list[str] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    """What happened to one fetched message."""

    kind: str  # stored | duplicate | seen | ignored | failed
    ref: str | None = None
    quarantine: bool = False


@dataclass
class Prepared:
    """A fetched message read, judged and hashed, not yet stored (see Pipeline.prepare)."""

    fetched: FetchedMessage
    digest: str = ""
    raw_path: str = ""
    mail: ParsedMail | None = None  # None: too large, only the headers were fetched
    evaluation: Evaluation | None = None
    hashing: Future[list[str | None]] | None = None  # pHash of each photo, in order
    error: str | None = None  # the traceback when preparing failed: stored as failed


#: Raw bytes of prepared messages that may wait beside the one being committed.
READ_AHEAD_BYTES = 64 * 1024 * 1024


def _perceptual_hashes(evaluation: Evaluation) -> list[str | None]:
    """The pHash of each readable photo of ``evaluation`` (None for the others)."""
    return [
        perceptual_hash(data) if data and not photo.error else None
        for photo, data in zip(
            evaluation.candidate.photos, evaluation.photo_payloads, strict=False
        )
    ]


@functools.cache
def _photo_hasher() -> ThreadPoolExecutor:
    """One thread that decodes photos for their pHash while the next message is parsed.

    Pillow releases the GIL while decoding, which is about half of a photo mail's CPU
    time: on a backlog this thread keeps a second core busy (benchmarks/poll.py).
    """
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="tinbai-phash")


def own_addresses(config: Config) -> frozenset[str]:
    """Our From address and the mailbox logins: mail from these is never answered."""
    addresses = {parseaddr(config.smtp.from_)[1].lower(), (config.smtp.username or "").lower()}
    for mailbox in config.mailboxes:
        if mailbox.url.startswith("maildir:"):
            continue
        login = unquote(urlsplit(mailbox.url).username or "").lower()
        addresses.add(login)
    return frozenset(a for a in addresses if "@" in a)


class Pipeline:
    """One configured instance: store, transport, and the per-message processing."""

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
        self.own = own_addresses(config)
        self._transport_factory = transport_factory or self._default_transport
        self._auth_refused: dict[str, float] = {}

    def _default_transport(self) -> Transport:
        smtp = self.config.smtp
        needs_password = not smtp.url.startswith("maildir:")
        password = secret(smtp.password_env, "smtp.password_env") if needs_password else None
        return open_transport(
            smtp.url,
            base_dir=self.config.base_dir,
            username=smtp.username,
            password=password,
            timeout=smtp.timeout_seconds,
            ca_file=smtp.ca_file,
        )

    # -- polling ---------------------------------------------------------------------------

    def poll(self, progress: Callable[[int, int], None] | None = None) -> PollReport:
        """One pass over every configured mailbox, then send the pending replies."""
        report = PollReport()
        # Replies a killed run committed but did not send go out first, not after the
        # backlog (a no-op query when nothing is due).
        self.send_pending(report)
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
                    mailbox.oauth_token_command
                    if mailbox.auth == "xoauth2"
                    else mailbox.password_env
                )
                text = f"mailbox {mailbox.name}: login refused ({exc}); check {what}"
                log.error(text)
                self._auth_refused[mailbox.name] = time.monotonic()
                self._alert("auth_failure", text)
                report.errors.append(text)
            except SourceError as exc:
                text = f"mailbox {mailbox.name}: {exc}"
                log.warning("poll incomplete: %s", text)
                report.errors.append(text)
        self.send_pending(report)
        return report

    def _alert(self, kind: str, text: str) -> None:
        raise_alert(self.store, self.config, kind, text)

    def _open(self, mailbox: MailboxConfig) -> MailSource:
        needs_password = not mailbox.url.startswith("maildir:") and mailbox.auth == "password"
        password = (
            secret(mailbox.password_env, f"mailboxes[{mailbox.name}].password_env")
            if needs_password
            else None
        )
        token: Callable[[], str] | None = None
        if mailbox.auth == "xoauth2":
            command = mailbox.oauth_token_command
            if not command:
                from tinbai.config import ConfigError

                raise ConfigError(
                    f"mailboxes[{mailbox.name}]: auth is xoauth2 but oauth_token_command is not set"
                )

            def token() -> str:
                # Run per connection so an expired token is refreshed; a failing command is
                # an authentication failure (clear log line + alert), never a traceback.
                try:
                    done = subprocess.run(
                        shlex.split(command),
                        capture_output=True,
                        text=True,
                        timeout=60,
                        check=False,
                    )
                except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
                    raise SourceAuthError(
                        f"oauth_token_command of mailbox {mailbox.name} failed: {exc}"
                    ) from exc
                value = done.stdout.strip()
                if done.returncode != 0 or not value:
                    detail = (done.stderr or "").strip().splitlines()[-1:] or ["no token printed"]
                    raise SourceAuthError(
                        f"oauth_token_command of mailbox {mailbox.name} failed "
                        f"(exit {done.returncode}): {detail[0][:200]}"
                    )
                return value

        return open_source(
            mailbox.name,
            mailbox.url,
            password=password,
            base_dir=self.config.base_dir,
            timeout=mailbox.timeout_seconds,
            batch_size=mailbox.batch_size,
            ca_file=mailbox.ca_file,
            oauth_token=token,
        )

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
            if not new:
                return
            log.info("mailbox %s: %d new message(s)", mailbox.name, len(new))
            limit = self.config.limits.max_message_bytes
            connection = threading.Lock()  # the prefetch thread and MOVE share the source
            fetching = source.fetch([uid for uid, _ in new], limit)
            with Prefetcher(
                fetching, connection, transform=self.prepare,
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
            outcome = self.commit(prepared)
            report.fetched += 1
            if progress:
                progress(done, total)
            self._count(report, outcome)
            if done % mailbox.batch_size == 0:
                # A long backlog: answer the first senders now, not after the last.
                self.send_pending(report)
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
        if not uids:
            return
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

    @staticmethod
    def _count(report: PollReport, outcome: Outcome) -> None:
        if outcome.kind == "stored":
            report.stored += 1
            if outcome.ref:
                report.refs.append(outcome.ref)
        elif outcome.kind in ("duplicate", "seen"):
            report.duplicates += 1
        elif outcome.kind == "failed":
            report.failed += 1
        else:
            report.ignored += 1

    # -- one message -------------------------------------------------------------------------

    def process(self, fetched: FetchedMessage) -> Outcome:
        """Process one message in its own transaction; never raises for a bad message."""
        return self.commit(self.prepare(fetched))

    def prepare(self, fetched: FetchedMessage) -> Prepared:
        """Keep the raw message, parse it, judge it and hash its photos; never raises.

        Touches no database row, so it may run ahead in the read-ahead thread while the
        previous message is committed (photo decoding and hashing release the GIL). The
        files written here are content-addressed: a crash before :meth:`commit` leaves
        files that the next run writes again under the same names.
        """
        try:
            if fetched.raw is None:
                return Prepared(fetched)
            raw = fetched.raw
            digest, path = self.store.raw.put(raw, "eml")  # durable before anything refers to it
            limits = self.config.limits
            mail = parse_message(
                raw, max_parts=limits.max_mime_parts, max_depth=limits.max_mime_depth
            )
            evaluation = evaluate(mail, self.config, own_addresses=self.own)
            # Only mail that may be stored as a submission (a text-only reply can still be
            # a fix) needs its photos decoded; a robot's or spam's are not.
            may_be_stored = evaluation.disposition in (None, "not_submission")
            hashing = (
                _photo_hasher().submit(_perceptual_hashes, evaluation) if may_be_stored else None
            )
            return Prepared(
                fetched, digest, self.store.raw.relative(path), mail, evaluation, hashing
            )
        except Exception:
            return Prepared(fetched, error=traceback.format_exc())

    def commit(self, prepared: Prepared) -> Outcome:
        """Store a prepared message in its own transaction; never raises for a bad message."""
        fetched = prepared.fetched
        if prepared.error is not None:
            return self._failed(fetched, prepared.error)
        try:
            if prepared.mail is None or prepared.evaluation is None:
                return self._too_large(fetched)
            return self._commit(prepared)
        except Exception:
            return self._failed(fetched, traceback.format_exc())

    def _failed(self, fetched: FetchedMessage, trace: str) -> Outcome:
        digest = hashlib.sha256(fetched.raw or b"").hexdigest()
        log.error(
            "mailbox %s UID %s: processing failed, stored as failed:\n%s",
            fetched.mailbox,
            fetched.uid,
            trace,
        )
        with self.store.transaction():
            raw_path = None
            if fetched.raw is not None:
                _, path = self.store.raw.put(fetched.raw, "eml")
                raw_path = self.store.raw.relative(path)
            self.store.messages.insert(
                {
                    "message_id": f"failed-{fetched.mailbox}-{fetched.uidvalidity}-{fetched.uid}"
                    f"-{digest[:16]}@tinbai",
                    "raw_sha256": digest,
                    "raw_path": raw_path,
                    "size": fetched.size,
                    "mailbox": fetched.mailbox,
                    "uidvalidity": fetched.uidvalidity,
                    "uid": fetched.uid,
                    "disposition": "quarantined",
                    "state": "failed",
                    "error": trace[-20000:],
                }
            )
            self.store.messages.set_last_uid(fetched.mailbox, fetched.uidvalidity, fetched.uid)
            raise_alert(
                self.store,
                self.config,
                "quarantined",
                f"{fetched.mailbox} UID {fetched.uid}: could not be processed "
                f"(tinbai reprocess --failed)",
            )
        return Outcome("failed", quarantine=True)

    def _too_large(self, fetched: FetchedMessage) -> Outcome:
        """Oversized mail: recorded, answered briefly, left on the server untouched."""
        mail = parse_message(fetched.header_bytes or b"")
        if not fetched.header_bytes or mail.message_id.startswith("sha256-"):
            mail.message_id = (
                f"too-large-{fetched.mailbox}-{fetched.uidvalidity}-{fetched.uid}@tinbai"
            )
        mlog = message_logger(log, mail.message_id)
        with self.store.transaction():
            if self.store.messages.by_message_id(mail.message_id):
                self.store.messages.set_last_uid(fetched.mailbox, fetched.uidvalidity, fetched.uid)
                return Outcome("seen")
            # Only the headers are here: a robot, a bounce or a list gets no reply.
            robot = classify(mail, DispositionContext(own_addresses=self.own))
            row_id = self.store.messages.insert(
                {**message_row(fetched, mail, None, None), "disposition": "too_large"}
            )
            if robot is None:
                limit = self.config.limits.max_message_bytes
                self._enqueue(
                    "too_large",
                    mail,
                    row_id,
                    None,
                    ReplyContext(
                        to_addr=mail.from_addr,
                        to_name=mail.from_name,
                        original_subject=mail.subject,
                        in_reply_to=mail.message_id,
                        references=mail.references,
                        extra={
                            "size_mb": f"{fetched.size / 1e6:.1f}",
                            "limit_mb": f"{limit / 1e6:.0f}",
                        },
                    ),
                    mlog,
                )
            self.store.messages.set_last_uid(fetched.mailbox, fetched.uidvalidity, fetched.uid)
        mlog.info("too large (%d bytes): left on the server", fetched.size)
        return Outcome("too_large")

    def _commit(self, prepared: Prepared) -> Outcome:
        assert prepared.mail is not None and prepared.evaluation is not None
        fetched, mail, evaluation = prepared.fetched, prepared.mail, prepared.evaluation
        digest, raw_path = prepared.digest, prepared.raw_path
        hashes = prepared.hashing.result() if prepared.hashing else []
        mlog = message_logger(log, mail.message_id)
        with self.store.transaction():
            existing = self.store.messages.by_message_id(mail.message_id)
            if existing is not None:
                self.store.messages.set_last_uid(fetched.mailbox, fetched.uidvalidity, fetched.uid)
                if existing["raw_sha256"] == digest:
                    mlog.info("already stored (same bytes): skipped")
                    return Outcome("seen")
                self.store.messages.insert(
                    {
                        **message_row(fetched, mail, digest, raw_path),
                        "disposition": "duplicate",
                    }
                )
                mlog.info("duplicate of an already stored message")
                return Outcome("duplicate")
            thread = None
            if evaluation.disposition in (None, "not_submission"):
                thread = self.store.submissions.find_thread(
                    [*(mail.references or []), mail.in_reply_to or ""], mail.subject
                )
                if thread is not None and thread["status"] not in lifecycle.OPEN_STATES:
                    thread = None
            if evaluation.disposition == "not_submission" and thread is not None:
                # A reply to our fix request with only text is still a fix attempt.
                evaluation.disposition = None
            if evaluation.disposition:
                self.store.messages.insert(
                    {
                        **message_row(fetched, mail, digest, raw_path),
                        "disposition": evaluation.disposition,
                    }
                )
                self.store.messages.set_last_uid(fetched.mailbox, fetched.uidvalidity, fetched.uid)
                mlog.info("disposition %s: stored, not answered", evaluation.disposition)
                return Outcome("ignored")
            ref = self._store_submission(
                fetched, mail, digest, raw_path, evaluation, hashes, thread, mlog
            )
            self.store.messages.set_last_uid(fetched.mailbox, fetched.uidvalidity, fetched.uid)
        return Outcome("stored", ref=ref)

    def _store_submission(
        self,
        fetched: FetchedMessage | None,
        mail: ParsedMail,
        digest: str,
        raw_path: str,
        evaluation: Evaluation,
        hashes: list[str | None],
        thread: dict[str, Any] | None,
        mlog: logging.LoggerAdapter[logging.Logger],
    ) -> str:
        store = self.store
        candidate = evaluation.candidate
        new_payloads = dict(
            zip((p.sha256 for p in candidate.photos), evaluation.photo_payloads, strict=False)
        )
        new_hashes = dict(zip((p.sha256 for p in candidate.photos), hashes, strict=False))
        submission_id = int(thread["id"]) if thread else None
        if thread is not None:
            prior = candidate_from_json(json.loads(thread["candidate_json"]))
            candidate = merge_candidates(prior, candidate, self.config.units)
        candidate.previous_bank_accounts = (
            store.submissions.previous_bank_accounts(author_key(candidate), submission_id)
            if candidate.fields.get("author")
            else []
        )
        candidate.duplicate_photos = {}
        for photo in candidate.photos:
            phash = new_hashes.get(photo.sha256)
            if phash and photo.sha256 in new_payloads:
                earlier = store.submissions.earlier_photo_use(phash, photo.sha256, submission_id)
                if earlier:
                    candidate.duplicate_photos[photo.filename] = earlier
        verdict = validate(candidate, self.config.validation)
        problems = [p.as_dict() for p in verdict.problems]
        status = lifecycle.PENDING_REVIEW if verdict.accepted else lifecycle.NEEDS_FIX
        errors = sum(1 for p in verdict.problems if p.is_error)
        values = submission_values(candidate, errors, len(problems) - errors)
        open_problems = problems
        if thread is None:
            ref = store.submissions.next_ref(clock.today().year)  # SPEC §7: Vietnam's year
            submission_id = store.submissions.insert(
                {
                    "ref": ref,
                    "status": status,
                    "sender": mail.from_addr,
                    "sender_name": mail.from_name,
                    "subject": mail.subject,
                    "version": 1,
                    **values,
                },
                actor=SYSTEM_ACTOR,
                reason="thư mới",
            )
            version = 1
            store.submissions.replace_problems(submission_id, problems)
        else:
            assert submission_id is not None
            ref = str(thread["ref"])
            version = int(thread["version"]) + 1
            # An editor's override of a verdict survives the contributor's fix: the same
            # problem (code, field, file) found again stays overridden and asks nothing.
            kept = store.submissions.replace_problems(submission_id, problems)
            open_problems = [p for p in problems if problem_key(p) not in kept]
            open_errors = sum(1 for p in open_problems if p["severity"] == "error")
            # error_count is what is still open, as after an override in the web page.
            store.submissions.update(
                submission_id, {**values, "version": version, "error_count": open_errors}
            )
            status = lifecycle.PENDING_REVIEW if open_errors == 0 else lifecycle.NEEDS_FIX
            store.submissions.set_status(
                submission_id,
                status,
                actor=SYSTEM_ACTOR,
                reason=f"thư bổ sung (phiên bản {version})",
            )
        row_id = store.messages.insert(
            {
                **message_row(fetched, mail, digest, raw_path),
                "submission_id": submission_id,
                "version": version,
            }
        )
        store.submissions.add_version(
            submission_id, version, row_id, candidate_to_json(candidate), problems
        )
        self._store_photos(
            submission_id, version, candidate, verdict, new_payloads, new_hashes
        )
        kind = "receipt" if status == lifecycle.PENDING_REVIEW else "fix_request"
        context = ReplyContext(
            to_addr=mail.from_addr,
            to_name=mail.from_name,
            original_subject=mail.subject,
            in_reply_to=mail.message_id,
            references=mail.references,
            ref=ref,
            fields=dict(candidate.fields),
            problems=open_problems,
            photos=[
                {"file": p.filename, "caption": caption_for(candidate, i)}
                for i, p in enumerate(candidate.photos)
            ],
        )
        self._enqueue(
            kind,
            mail,
            row_id,
            submission_id,
            context,
            mlog,
            unverified=bool(candidate.auth_failures),
        )
        mlog.info(
            "%s v%d: %s, %d error(s), %d warning(s)",
            ref,
            version,
            status,
            errors,
            len(problems) - errors,
        )
        return ref

    def _store_photos(
        self,
        submission_id: int,
        version: int,
        candidate: Candidate,
        verdict: Verdict,
        payloads: dict[str, bytes],
        hashes: dict[str, str | None],
    ) -> None:
        store = self.store
        verdicts = list(photo_verdicts(candidate, verdict))
        # The photos kept from an earlier version get their new verdicts.
        new_keys = store.submissions.update_photo_verdicts(submission_id, verdicts)
        for photo_verdict, photo in zip(verdicts, candidate.photos, strict=True):
            if photo_verdict[0] not in new_keys:
                continue
            data = payloads.get(photo.sha256, b"")
            ext = (photo.format or "bin").lower().replace("jpeg", "jpg")
            blob_path = (
                store.photos.relative(store.photos.put(data, ext, digest=photo.sha256)[1])
                if data
                else ""
            )
            store.submissions.add_photo(photo_row(
                submission_id, version, photo, photo_verdict, blob_path,
                hashes.get(photo.sha256),
            ))

    # -- replies ---------------------------------------------------------------------------

    def _enqueue(
        self,
        kind: str,
        mail: ParsedMail,
        message_row_id: int,
        submission_id: int | None,
        context: ReplyContext,
        mlog: logging.LoggerAdapter[logging.Logger],
        *,
        unverified: bool = False,
    ) -> None:
        """Commit a reply row with the message; it is sent after the commit."""
        replies = self.config.replies
        reason = None
        if not mail.from_addr or "@" not in mail.from_addr:
            mlog.info("no usable sender address: no reply")
            return
        if unverified:
            reason = "sender failed SPF/DKIM/DMARC: no reply (backscatter)"
        elif mail.date and mail.date < utcnow() - timedelta(days=replies.max_age_days):
            reason = f"mail older than {replies.max_age_days} days: no reply"
        elif (
            self.store.outbox.replies_to_since(mail.from_addr, utcnow() - timedelta(days=1))
            >= replies.max_per_sender_per_day
        ):
            reason = f"more than {replies.max_per_sender_per_day} replies to this sender today"
        message = compose_reply(kind, context, from_header=self.config.smtp.from_)
        self.store.outbox.enqueue(
            {
                "submission_id": submission_id,
                "message_row_id": message_row_id,
                "kind": kind,
                "to_addr": mail.from_addr,
                "subject": str(message["Subject"]),
                "reply_message_id": str(message["Message-ID"]).strip("<>"),
                "raw": message.as_bytes(),
                "state": "suppressed" if reason else "pending",
                "last_error": reason,
            }
        )
        if reason:
            mlog.info("reply %s suppressed: %s", kind, reason)

    def enqueue_decision_reply(
        self,
        kind: str,
        submission: dict[str, Any],
        reason: str,
    ) -> None:
        """A reply for an editor's decision (rejected, changes requested), in the caller's
        transaction."""
        messages = self.store.messages.of_submission(int(submission["id"]))
        last = messages[-1] if messages else None
        refs = [m["message_id"] for m in messages]
        context = ReplyContext(
            to_addr=submission["sender"],
            to_name=submission.get("sender_name") or "",
            original_subject=submission.get("subject") or "",
            in_reply_to=last["message_id"] if last else None,
            references=refs,
            ref=submission["ref"],
            fields={k: submission.get(k) or "" for k in ("title", "author")},
            reason=reason,
        )
        message = compose_reply(kind, context, from_header=self.config.smtp.from_)
        self.store.outbox.enqueue(
            {
                "submission_id": submission["id"],
                "message_row_id": last["id"] if last else None,
                "kind": kind,
                "to_addr": submission["sender"],
                "subject": str(message["Subject"]),
                "reply_message_id": str(message["Message-ID"]).strip("<>"),
                "raw": message.as_bytes(),
            }
        )

    def send_pending(
        self, report: PollReport | None = None, now: datetime | None = None
    ) -> PollReport:
        """Send due replies (due at ``now``, default the current time); failures are
        retried later with exponential backoff."""
        report = report or PollReport()
        with self.store.transaction():
            self.store.outbox.release_dead_claims()
        due = self.store.outbox.due(now)
        if not due:
            return report
        sender = parseaddr(self.config.smtp.from_)[1]
        replies = self.config.replies
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
                try:
                    transport.send(bytes(row["raw"]), sender, [row["to_addr"]])
                except NotifierError as exc:
                    attempts = int(row["attempts"]) + 1
                    give_up = (
                        isinstance(exc, PermanentTransportError) or attempts >= replies.max_attempts
                    )
                    delay = min(
                        replies.retry_max_seconds, replies.retry_base_seconds * 2 ** (attempts - 1)
                    )
                    delay = delay * (0.8 + 0.4 * random.random())
                    with self.store.transaction():
                        self.store.outbox.mark_failed(
                            int(row["id"]),
                            str(exc),
                            utcnow() + timedelta(seconds=delay),
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
                    if not isinstance(exc, PermanentTransportError):
                        break  # the server is down: don't hammer it with the rest
                    continue
                with self.store.transaction():
                    self.store.outbox.mark_sent(int(row["id"]))
                report.replies_sent += 1
                log.info("reply %s sent to %s", row["reply_message_id"], row["to_addr"])
        return report


@contextmanager
def opened(config: Config) -> Iterator[Pipeline]:
    """A pipeline over the configured data folder, closed afterwards."""
    store = Store(config.data_path)
    try:
        yield Pipeline(config, store)
    finally:
        store.close()

