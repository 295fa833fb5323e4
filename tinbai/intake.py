"""One message's way in, top to bottom: read it, then store it with its verdict and reply.

::

    prepare(fetched)                    read-ahead thread, no database
      keep the raw bytes                store.raw: content-addressed, durable before use
      parse the MIME                    ingest.mime.parse_message
      classify and read                 tinbai.evaluate.read_message (a disposition, or
                                        the candidate: documents, photos, template)
      hash the photos                   ingest.photos.perceptual_hash, in a second thread
    commit(prepared)                    one transaction per message
      already stored?                   same Message-ID: skipped, or kept as a duplicate
      an approver's answer?             tinbai.approval_replies: applied, or ignored
      a fix of an open submission?      the thread: In-Reply-To/References or TB-ref
      a disposition                     stored, not answered
      a submission
        enrich                          the thread's candidate, the author's earlier
                                        accounts, earlier uses of the photos and text
        judge, once                     validators.builtin.validate
        persist the submission          new, or a new version (tinbai.decisions.settle);
                                        approved on arrival when the leader sends it
        persist the message, version, new photos and the text's fingerprint
        queue the reply                 tinbai.outbox: sent after the commit, and the
                                        approval request to the unit (tinbai.approvals)
      advance the checkpoint            (mailbox, UIDVALIDITY, UID), same transaction
    anything unexpected                 stored as failed with the traceback, alerted

A crash at any moment neither loses nor duplicates a message (SPEC §8): the checkpoint,
the message, the submission and the reply row commit together.
"""

from __future__ import annotations

import hashlib
import json
import logging
import traceback
from concurrent.futures import Future
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any
from urllib.parse import unquote, urlsplit

from ingest.candidate import author_key, caption_for, merge_candidates, normalize_candidate
from ingest.mime import parse_message
from ingest.model import Candidate, FetchedMessage, ParsedMail
from notifier.compose import ReplyContext
from store import lifecycle
from store.base import Row
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
from tinbai import approvals, clock, textdup
from tinbai.approval_replies import Answer, recognise
from tinbai.bidi import clean_fields, strip_bidi
from tinbai.config import Config
from tinbai.decisions import SYSTEM_ACTOR, settle
from tinbai.evaluate import Reading, read_message
from tinbai.logs import message_logger
from tinbai.outbox import Outbox
from tinbai.photohash import hash_photos, photos_by_digest
from validators.builtin import Verdict, classify, validate
from validators.dispositions import DispositionContext

log = logging.getLogger(__name__)

MessageLog = logging.LoggerAdapter[logging.Logger]


@dataclass
class Outcome:
    """What happened to one fetched message."""

    kind: str  # stored | duplicate | seen | ignored | too_large | failed
    ref: str | None = None
    quarantine: bool = False


@dataclass
class Prepared:
    """A fetched message kept, parsed, read and hashed, not yet stored (Intake.prepare)."""

    fetched: FetchedMessage
    digest: str = ""
    raw_path: str = ""
    mail: ParsedMail | None = None  # None: too large, only the headers were fetched
    reading: Reading | None = None
    hashing: Future[list[str | None]] | None = None  # pHash of each photo, in order
    error: str | None = None  # the traceback when preparing failed: stored as failed


@dataclass
class Saved:
    """A submission as just written by :meth:`Intake._persist_submission`."""

    id: int
    ref: str
    version: int
    status: str
    problems: list[dict[str, Any]]
    open_problems: list[dict[str, Any]]  # those no editor's override covers: the reply's
    errors: int


def own_addresses(config: Config) -> frozenset[str]:
    """Our From address and the mailbox logins: mail from these is never answered."""
    addresses = {parseaddr(config.smtp.from_)[1].lower(), (config.smtp.username or "").lower()}
    for mailbox in config.mailboxes:
        if mailbox.url.startswith("maildir:"):
            continue
        login = unquote(urlsplit(mailbox.url).username or "").lower()
        addresses.add(login)
    return frozenset(a for a in addresses if "@" in a)


class Intake:
    """Prepare and commit messages into one data folder."""

    def __init__(self, config: Config, store: Store, outbox: Outbox) -> None:
        self.config = config
        self.store = store
        self.outbox = outbox
        self.own = own_addresses(config)
        self.approvals = approvals.ApprovalDesk(config, store, outbox)

    def process(self, fetched: FetchedMessage) -> Outcome:
        """Process one message in its own transaction; never raises for a bad message."""
        return self.commit(self.prepare(fetched))

    def prepare(self, fetched: FetchedMessage) -> Prepared:
        """Keep the raw message, parse, classify and read it, hash its photos; never raises.

        Touches no database row, so it may run ahead in the read-ahead thread while the
        previous message is committed. The files written here are content-addressed: a
        crash before :meth:`commit` leaves files the next run writes again, same names.
        """
        try:
            if fetched.raw is None:
                return Prepared(fetched)
            digest, path = self.store.raw.put(fetched.raw, "eml")  # durable before use
            limits = self.config.limits
            mail = parse_message(
                fetched.raw, max_parts=limits.max_mime_parts, max_depth=limits.max_mime_depth
            )
            reading = read_message(mail, self.config, own_addresses=self.own)
            hashing = hash_photos(reading) if reading.may_be_submission else None
            return Prepared(fetched, digest, self.store.raw.relative(path), mail, reading, hashing)
        except Exception:
            return Prepared(fetched, error=traceback.format_exc())

    def commit(self, prepared: Prepared) -> Outcome:
        """Store a prepared message in its own transaction; never raises for a bad message."""
        fetched = prepared.fetched
        if prepared.error is not None:
            return self._failed(fetched, prepared.error)
        try:
            if prepared.mail is None or prepared.reading is None:
                return self._too_large(fetched)
            return self._commit(prepared)
        except Exception:
            return self._failed(fetched, traceback.format_exc())

    # -- the steps of commit, in order ----------------------------------------------------

    def _commit(self, prepared: Prepared) -> Outcome:
        assert prepared.mail is not None and prepared.reading is not None
        fetched, mail, reading = prepared.fetched, prepared.mail, prepared.reading
        hashes = prepared.hashing.result() if prepared.hashing else []
        mlog = message_logger(log, mail.message_id)
        with self.store.transaction():
            outcome = self._already_stored(prepared, mlog)
            answer = (recognise(self.store, mail, reading)
                      if outcome is None and reading.may_be_submission else None)
            if answer is not None:
                outcome = self._store_answer(prepared, answer, mlog)
            if outcome is None:
                thread = self._open_thread(mail) if reading.may_be_submission else None
                disposition = reading.disposition
                if disposition == "not_submission" and thread is not None:
                    disposition = None  # a reply to our fix request with only text: a fix
                if disposition:
                    outcome = self._store_disposition(prepared, disposition, mlog)
                else:
                    outcome = self._store_submission(prepared, hashes, thread, mlog)
            self.store.messages.set_last_uid(fetched.mailbox, fetched.uidvalidity, fetched.uid)
        return outcome

    def _already_stored(self, prepared: Prepared, mlog: MessageLog) -> Outcome | None:
        """Same Message-ID as a stored message: the same bytes again, or a duplicate."""
        assert prepared.mail is not None
        existing = self.store.messages.by_message_id(prepared.mail.message_id)
        if existing is None:
            return None
        if existing["raw_sha256"] == prepared.digest:
            mlog.info("already stored (same bytes): skipped")
            return Outcome("seen")
        self._store_message(prepared, disposition="duplicate")
        mlog.info("duplicate of an already stored message")
        return Outcome("duplicate")

    def _open_thread(self, mail: ParsedMail) -> Row | None:
        """The open submission this message replies to, if any (a fix-by-reply)."""
        thread = self.store.submissions.find_thread(
            [*(mail.references or []), mail.in_reply_to or ""], mail.subject
        )
        if thread is not None and thread["status"] not in lifecycle.OPEN_STATES:
            return None
        return thread

    def _store_answer(self, prepared: Prepared, answer: Answer, mlog: MessageLog) -> Outcome:
        """An approver's answer (applied) or a message in an approval thread (ignored);
        kept outside the submission's messages, never a new submission."""
        applied = answer.decision is not None and answer.approval is not None
        row_id = self._store_message(
            prepared, disposition="approval_reply" if applied else "approval_ignored")
        if applied and answer.approval is not None:
            applied = self.approvals.decide(
                answer.approval, approve=answer.decision == "approve", by=answer.approver,
                how="reply", reason=answer.reason, message_row_id=row_id, confirm=True)
        if not applied:
            self.store.audit.record(answer.approver, "unit_reply_ignored", answer.submission_id,
                                    {"message_row_id": row_id,
                                     "why": answer.ignored or "round closed"})
        mlog.info("approval answer from %s: %s", answer.approver,
                  answer.decision if applied else f"ignored ({answer.ignored or 'closed'})")
        return Outcome("ignored")

    def _store_disposition(self, prepared: Prepared, disposition: str,
                           mlog: MessageLog) -> Outcome:
        """Mail that is not a submission: kept, listed for editors, never answered."""
        self._store_message(prepared, disposition=disposition)
        mlog.info("disposition %s: stored, not answered", disposition)
        return Outcome("ignored")

    def _store_submission(
        self, prepared: Prepared, hashes: list[str | None], thread: Row | None,
        mlog: MessageLog,
    ) -> Outcome:
        """A submission or a new version of one, with its photos and its reply."""
        assert prepared.mail is not None and prepared.reading is not None
        mail, reading = prepared.mail, prepared.reading
        new_photos = photos_by_digest(reading, hashes)
        stripped = self._strip_bidi(reading.candidate)  # before the author is looked up
        candidate = self._enrich(reading.candidate, new_photos, thread)
        verdict = validate(candidate, self.config.validation)  # judged once, store facts in
        saved = self._persist_submission(mail, candidate, verdict, thread)
        if stripped:
            self.store.audit.record(SYSTEM_ACTOR, "strip_bidi", saved.id,
                                    {"fields": stripped, "version": saved.version})
            mlog.info("bidirectional controls removed from %s", ", ".join(sorted(stripped)))
        row_id = self._store_message(prepared, submission_id=saved.id, version=saved.version)
        self.store.submissions.add_version(
            saved.id, saved.version, row_id, candidate_to_json(candidate), saved.problems
        )
        self._persist_photos(saved, candidate, verdict, new_photos)
        textdup.remember(self.store, self.config, saved.id, candidate.fields.get("body", ""))
        self.approvals.request(saved.id)
        self._reply(saved, mail, candidate, row_id, mlog)
        warnings = len(saved.problems) - saved.errors
        mlog.info("%s v%d: %s, %d error(s), %d warning(s)",
                  saved.ref, saved.version, saved.status, saved.errors, warnings)
        return Outcome("stored", ref=saved.ref)

    def _enrich(
        self, candidate: Candidate, new_photos: dict[str, tuple[bytes, str | None]],
        thread: Row | None,
    ) -> Candidate:
        """Add what only the store knows: the submission being fixed, the author's earlier
        bank accounts, earlier submissions using the same photos or a near-copy text."""
        submission_id = int(thread["id"]) if thread else None
        if thread is not None:
            prior = candidate_from_json(json.loads(thread["candidate_json"]))
            candidate = merge_candidates(prior, candidate, self.config.units)
        candidate.previous_bank_accounts = (
            self.store.submissions.previous_bank_accounts(author_key(candidate), submission_id)
            if candidate.fields.get("author")
            else []
        )
        candidate.duplicate_photos = {}
        for photo in candidate.photos:
            phash = new_photos.get(photo.sha256, (b"", None))[1]
            if phash:
                earlier = self.store.submissions.earlier_photo_use(
                    phash, photo.sha256, submission_id
                )
                if earlier:
                    candidate.duplicate_photos[photo.filename] = earlier
        candidate.text_duplicates = textdup.near_copies(
            self.store, self.config, candidate.fields.get("body", ""), submission_id)
        return candidate

    def _strip_bidi(self, candidate: Candidate) -> dict[str, int]:
        """Remove bidirectional controls from the values (tinbai.bidi); what was removed."""
        removed = clean_fields(candidate.fields)
        captions = [strip_bidi(c) for c in candidate.captions]
        if captions != candidate.captions:
            removed.setdefault("caption", 1)
            candidate.captions = captions
        if removed:
            normalize_candidate(candidate, self.config.units)  # digits read again, cleanly
        return removed

    def _persist_submission(
        self, mail: ParsedMail, candidate: Candidate, verdict: Verdict, thread: Row | None,
    ) -> Saved:
        """Insert a new submission, or store the contributor's fix as its next version."""
        store = self.store
        problems = [p.as_dict() for p in verdict.problems]
        errors = sum(1 for p in verdict.problems if p.is_error)
        values = submission_values(candidate, errors, len(problems) - errors)
        state, need, arrival = approvals.version_approval(  # the unit's approval (issue 15)
            self.config, mail, candidate, thread.get("approval_state") if thread else None,
            thread is None or thread["status"] == lifecycle.NEEDS_FIX)
        approved = approvals.arrival_note(need, arrival)
        if thread is None:
            status = (lifecycle.NEEDS_FIX if not verdict.accepted else lifecycle.AWAITING_APPROVAL
                      if state == "pending" else lifecycle.PENDING_REVIEW)
            ref = store.submissions.next_ref(clock.today().year)  # SPEC §7: Vietnam's year
            submission_id = store.submissions.insert(
                {"ref": ref, "status": status, "sender": mail.from_addr,
                 "sender_name": strip_bidi(mail.from_name),
                 "subject": strip_bidi(mail.subject), "version": 1,
                 "approval_state": state, **values},
                actor=SYSTEM_ACTOR, reason="thư mới" + approved,
            )
            if need and arrival:
                approvals.on_arrival(store, submission_id, need, *arrival)
            store.submissions.replace_problems(submission_id, problems)
            return Saved(submission_id, ref, 1, status, problems, problems, errors)
        submission_id, version = int(thread["id"]), int(thread["version"]) + 1
        # An editor's override of a verdict survives the contributor's fix: the same
        # problem (code, field, file) found again stays overridden and asks nothing.
        kept = store.submissions.replace_problems(submission_id, problems)
        store.submissions.update(submission_id, {**values, "version": version,
                                                 "approval_state": state})
        if need and arrival:
            approvals.on_arrival(store, submission_id, need, *arrival)
        settled = settle(store, submission_id, actor=SYSTEM_ACTOR, new_version=True,
                         reason=f"thư bổ sung (phiên bản {version})" + approved)
        open_problems = [p for p in problems if problem_key(p) not in kept]
        return Saved(submission_id, str(thread["ref"]), version, settled.status, problems,
                     open_problems, errors)

    def _store_message(self, prepared: Prepared, **outcome: Any) -> int:
        """The message row, with its outcome (disposition, or submission and version)."""
        assert prepared.mail is not None
        row = message_row(prepared.fetched, prepared.mail, prepared.digest, prepared.raw_path)
        return self.store.messages.insert({**row, **outcome})

    def _persist_photos(
        self, saved: Saved, candidate: Candidate, verdict: Verdict,
        new_photos: dict[str, tuple[bytes, str | None]],
    ) -> None:
        """Set the verdicts of the photos kept from earlier versions; store the new ones."""
        store = self.store
        verdicts = list(photo_verdicts(candidate, verdict))
        new_keys = store.submissions.update_photo_verdicts(saved.id, verdicts)
        for photo_verdict, photo in zip(verdicts, candidate.photos, strict=True):
            if photo_verdict[0] not in new_keys:
                continue
            data, phash = new_photos.get(photo.sha256, (b"", None))
            ext = (photo.format or "bin").lower().replace("jpeg", "jpg")
            blob_path = (
                store.photos.relative(store.photos.put(data, ext, digest=photo.sha256)[1])
                if data
                else ""
            )
            store.submissions.add_photo(
                photo_row(saved.id, saved.version, photo, photo_verdict, blob_path, phash)
            )

    def _reply(self, saved: Saved, mail: ParsedMail, candidate: Candidate, row_id: int,
               mlog: MessageLog) -> None:
        """Queue the receipt, or the fix request listing what is still open."""
        ok = saved.status in (lifecycle.PENDING_REVIEW, lifecycle.AWAITING_APPROVAL)
        kind = "receipt" if ok else "fix_request"
        context = ReplyContext(
            to_addr=mail.from_addr,
            to_name=strip_bidi(mail.from_name),
            original_subject=mail.subject,
            in_reply_to=mail.message_id,
            references=mail.references,
            ref=saved.ref,
            fields=dict(candidate.fields),
            problems=saved.open_problems,
            photos=[
                {"file": p.filename, "caption": caption_for(candidate, i)}
                for i, p in enumerate(candidate.photos)
            ],
            approval=approvals.receipt_info(self.store, self.store.submissions.get(saved.id))
            if ok else None,
        )
        self.outbox.reply_to_mail(kind, mail, context, message_row_id=row_id,
                                  submission_id=saved.id, mlog=mlog,
                                  unverified=bool(candidate.auth_failures))

    # -- the other endings: too large, failed ---------------------------------------------

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
                self.store.messages.set_last_uid(fetched.mailbox, fetched.uidvalidity,
                                                 fetched.uid)
                return Outcome("seen")
            # Only the headers are here: a robot, a bounce or a list gets no reply.
            robot = classify(mail, DispositionContext(own_addresses=self.own))
            row_id = self.store.messages.insert(
                {**message_row(fetched, mail, None, None), "disposition": "too_large"}
            )
            if robot is None:
                limit = self.config.limits.max_message_bytes
                context = ReplyContext(
                    to_addr=mail.from_addr,
                    to_name=strip_bidi(mail.from_name),
                    original_subject=mail.subject,
                    in_reply_to=mail.message_id,
                    references=mail.references,
                    extra={"size_mb": f"{fetched.size / 1e6:.1f}",
                           "limit_mb": f"{limit / 1e6:.0f}"},
                )
                self.outbox.reply_to_mail("too_large", mail, context, message_row_id=row_id,
                                          submission_id=None, mlog=mlog)
            self.store.messages.set_last_uid(fetched.mailbox, fetched.uidvalidity, fetched.uid)
        mlog.info("too large (%d bytes): left on the server", fetched.size)
        return Outcome("too_large")

    def _failed(self, fetched: FetchedMessage, trace: str) -> Outcome:
        """An unexpected error: the message is kept as failed with its traceback, an alert
        is raised, and the checkpoint moves on (one bad mail never blocks the others)."""
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
            self.outbox.alert(
                "quarantined",
                f"Hộp thư {fetched.mailbox}, thư UID {fetched.uid}: không xử lý được, đã "
                "cách ly (thư gốc được giữ). Sau khi sửa lỗi, chạy: tinbai reprocess --failed",
            )
        return Outcome("failed", quarantine=True)
