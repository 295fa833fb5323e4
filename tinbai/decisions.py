"""Editors' decisions (SPEC §5), shared by the CLI and the web pages, and the settle rule.

Every decision changes the status through the lifecycle, writes the audit log, and —
for rejections and change requests — commits the email to the author in the same
transaction (it is sent by the outbox afterwards).

The settle rule has its one home here (:func:`settle`): a submission waits for the
contributor only while an error that no editor has overridden remains. New mail
(tinbai.intake), an editor's corrections and overrides all end with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from ingest.candidate import author_key, normalize_candidate
from ingest.model import Candidate
from ingest.template_labels import FIELD_KEYS
from store import lifecycle
from store.db import Store
from store.errors import NotFound
from store.records import candidate_from_json, candidate_to_json, derived_values, photo_verdicts
from tinbai import clock, notices
from tinbai.bidi import clean_fields
from tinbai.config import Config
from tinbai.outbox import Outbox
from validators.builtin import validate

#: Who the history names for what tinbai itself decided (new mail, a contributor's fix).
SYSTEM_ACTOR = "tinbai"


class DecisionError(ValueError):
    """A decision that cannot be made as asked (bad date, coefficient, closed submission…);
    the message says why, in Vietnamese."""


class MissingReason(DecisionError):
    """A decision that must say why (it is emailed or kept in the history) was given none."""


class AlreadyDone(DecisionError):
    """Nothing to do: the same decision was made before."""


class ErrorsLeft(DecisionError):
    """The submission still has errors no editor has overridden."""


@dataclass
class Settled:
    """The outcome of :func:`settle`."""

    open_errors: int  # errors no editor has overridden
    status: str
    moved: bool  # the status changed


def settle(
    store: Store, submission_id: int, *, actor: str, reason: str, new_version: bool = False
) -> Settled:
    """Recount the errors no editor has overridden (``error_count``) and settle the status.

    The rule (SPEC §5): a submission waits for the contributor (``needs_fix``) only while
    such an error remains; once none is left it goes to the review queue
    (``pending_review``), or first to its unit's leadership (``awaiting_approval``) while
    its ``approval_state`` is ``pending`` (:mod:`tinbai.approvals`). An editor's act
    never moves one the other way (the contributor is not written to). With
    ``new_version`` (the contributor's fix was judged again) an open submission with
    errors left goes back to ``needs_fix``, and the version is recorded in the history
    either way. Runs in the caller's transaction.
    """
    open_errors = store.submissions.active_error_count(submission_id)
    store.submissions.update(submission_id, {"error_count": open_errors})
    row = store.submissions.get(submission_id)
    status = str(row["status"])
    # Issue 15: an item of a unit that needs approval waits for it once it has no error.
    ready = (lifecycle.AWAITING_APPROVAL if row.get("approval_state") == "pending"
             else lifecycle.PENDING_REVIEW)
    if new_version:
        target = ready if open_errors == 0 else lifecycle.NEEDS_FIX
    elif status == lifecycle.NEEDS_FIX and open_errors == 0:
        target = ready
    else:
        return Settled(open_errors, status, moved=False)
    store.submissions.set_status(submission_id, target, actor=actor, reason=reason)
    return Settled(open_errors, target, moved=target != status)


def _parse_date(value: str | None) -> str:
    if not value:
        return clock.today().isoformat()
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise DecisionError(
            f"Ngày đăng «{value}» không hợp lệ: hãy viết theo dạng YYYY-MM-DD "
            "(ví dụ 2026-10-15)."
        ) from None


def _parse_coefficient(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        raise DecisionError(
            f"Hệ số nhuận bút «{value}» không phải là số: hãy viết dạng 1,5 hoặc 1.5."
        ) from None
    if number <= 0 or number > 100:
        raise DecisionError(
            f"Hệ số nhuận bút «{value}» không hợp lệ: hệ số phải lớn hơn 0 và không quá 100."
        )
    return str(number)


@dataclass
class EditResult:
    """What an editor's correction changed, after the checks ran again."""

    changed: list[str]
    open_errors: int  # errors no editor has overridden
    warnings: int
    moved_to_review: bool  # needs_fix → pending_review: the last error was corrected


def edit_fields(
    store: Store, config: Config, ref: str, changes: dict[str, str | None], *, actor: str,
    note: str | None = None,
) -> EditResult:
    """Save an editor's corrections to template fields and run the checks again.

    The corrected fields go through the same normalisation and checks as new mail, so a
    phone number fixed by the editor no longer shows ``invalid_phone`` and the queue, the
    reports and the payment list read the corrected values. Overrides stay on the
    problems found again. As with overriding (SPEC §5), a submission waiting for the
    contributor moves to the review queue once no error is left; an edit never moves one
    the other way (the contributor is not written to).
    ``changes`` may also hold ``unit_name``: a unit picked from the registry. ``note``
    (why, e.g. finance's source for a corrected account) goes to the audit log.
    """
    changes = dict(changes)
    stripped = clean_fields(changes)  # tinbai.bidi
    with store.transaction():
        submission = store.submissions.get(ref)
        sid = int(submission["id"])
        if stripped:
            store.audit.record(actor, "strip_bidi", sid, {"fields": stripped})
        candidate = _stored_candidate(submission)
        for key, value in changes.items():
            if key not in FIELD_KEYS:
                continue
            if value:
                candidate.fields[key] = value
            else:
                candidate.fields.pop(key, None)
        if "caption" in changes:
            candidate.captions = [
                line.strip() for line in (changes["caption"] or "").splitlines() if line.strip()
            ]
        normalize_candidate(candidate, config.units)
        if "unit_name" in changes:
            candidate.unit_name = changes["unit_name"]
        elif "unit" not in changes:
            candidate.unit_name = submission.get("unit_name")  # an editor's earlier pick
        candidate.previous_bank_accounts = (
            store.submissions.previous_bank_accounts(author_key(candidate), sid)
            if candidate.fields.get("author")
            else []
        )
        verdict = validate(candidate, config.validation)
        problems = [p.as_dict() for p in verdict.problems]
        derived = derived_values(candidate)
        store.submissions.replace_problems(sid, problems)
        warnings = sum(1 for p in problems if p["severity"] != "error")
        store.submissions.update(sid, {
            **changes,
            **derived,
            "candidate_json": json.dumps(candidate_to_json(candidate), ensure_ascii=False),
            "warning_count": warnings,
        })
        store.submissions.update_photo_verdicts(sid, photo_verdicts(candidate, verdict))
        for key, new in changes.items():
            store.audit.record(actor, "edit_field", sid,
                               {"field": key, "old": submission.get(key), "new": new,
                                **({"note": note} if note else {})})
        if (
            "unit_name" not in changes
            and derived["unit_name"] != submission.get("unit_name")
        ):
            store.audit.record(actor, "edit_field", sid,
                               {"field": "unit_name", "old": submission.get("unit_name"),
                                "new": derived["unit_name"], "derived": True})
        settled = settle(store, sid, actor=actor, reason="biên tập viên sửa lỗi cuối cùng")
    return EditResult(list(changes), settled.open_errors, warnings, settled.moved)


def _stored_candidate(submission: dict[str, Any]) -> Candidate:
    """The candidate the pipeline stored, or one built from the columns (older rows)."""
    if submission.get("candidate_json"):
        return candidate_from_json(json.loads(submission["candidate_json"]))
    fields = {key: str(submission.get(key) or "") for key in FIELD_KEYS}
    return Candidate(fields={key: value for key, value in fields.items() if value.strip()})


def override(
    store: Store, ref: str, problem_id: int, *, actor: str, note: str
) -> Settled:
    """An editor overrides the verdict of one problem (who, when, why), then the submission
    settles: overriding its last error puts it in the review queue.

    Raises NotFound when the problem is not one of this submission's.
    """
    note = note.strip()
    with store.transaction():
        submission = store.submissions.get(ref)
        sid = int(submission["id"])
        problem = store.submissions.problem(problem_id)
        if int(problem["submission_id"]) != sid:
            raise NotFound(f"{submission['ref']} không có mục lỗi số {problem_id}.")
        if not note:
            raise MissingReason("Hãy ghi lý do bỏ qua lỗi.")
        if submission["status"] not in lifecycle.OPEN_STATES:
            raise DecisionError("Tin, bài đã đóng: không bỏ qua lỗi được nữa.")
        if problem["overridden_at"]:
            raise AlreadyDone("Lỗi này đã được bỏ qua trước đó.")
        store.submissions.override_problem(problem_id, actor=actor, note=note)
        store.audit.record(actor, "override", sid, {
            "problem_id": problem["id"], "code": problem["code"],
            "severity": problem["severity"], "field": problem["field"],
            "file": problem["file"], "note": note,
        })
        return settle(store, sid, actor=actor,
                      reason="biên tập viên bỏ qua lỗi cuối cùng: " + note)


def reopen(store: Store, ref: str, *, actor: str, note: str = "") -> Settled:
    """needs_fix → pending_review once no error is left (e.g. after a change request the
    editor no longer needs): the settle rule, applied on an editor's request."""
    note = note.strip()
    with store.transaction():
        submission = store.submissions.get(ref)
        sid = int(submission["id"])
        if submission["status"] != lifecycle.NEEDS_FIX:
            raise DecisionError("Chỉ tin, bài «Cần bổ sung» mới đưa lại vào «Chờ duyệt».")
        settled = settle(store, sid, actor=actor,
                         reason=note or "biên tập viên đưa lại vào hàng chờ duyệt")
        if not settled.moved:
            raise ErrorsLeft(
                "Còn lỗi chưa được bỏ qua: hãy bỏ qua từng lỗi (có lý do) trước."
            )
        store.audit.record(actor, "reopen", sid, {"note": note})
        return settled


def approve(store: Store, ref: str, *, actor: str, note: str | None = None) -> dict[str, Any]:
    """pending_review → approved."""
    with store.transaction():
        submission = store.submissions.get(ref)
        store.submissions.set_status(submission["id"], lifecycle.APPROVED, actor=actor, reason=note)
        store.audit.record(actor, "approve", submission["id"], {"note": note})
    return store.submissions.get(ref)


def publish(
    store: Store, config: Config, ref: str, *, url: str, on: str | None = None,
    genre: str | None = None, coefficient: str | None = None, actor: str,
    outbox: Outbox | None = None,
) -> dict[str, Any]:
    """Record the publication (URL, date, genre, royalty coefficient); the author's notice
    (``notices.published``) is committed with it, through ``outbox`` or a new one."""
    extra = _publication(config, url, on, genre, coefficient)
    with store.transaction():
        submission = store.submissions.get(ref)
        store.submissions.set_status(submission["id"], lifecycle.PUBLISHED, actor=actor,
                         reason=f"đăng tại {url}", extra=extra)
        store.audit.record(actor, "publish", submission["id"], extra)
        notices.published(outbox or Outbox(config, store), store.submissions.get(ref))
    return store.submissions.get(ref)


def correct_publication(
    store: Store, config: Config, ref: str, *, url: str, on: str | None = None,
    genre: str | None = None, coefficient: str | None = None, actor: str,
    outbox: Outbox | None = None,
) -> dict[str, Any]:
    """Correct a published item's URL, date, genre or coefficient (a typo found later).

    Checked as :func:`publish` checks them. Once the item is in a payment batch its
    figures are frozen there: only the URL may still change (cancel the batch first to
    change the rest). Recorded in the audit log with the old and new values. An author
    already told the URL and date is told the corrected ones (through ``outbox``).
    """
    values = _publication(config, url, on, genre, coefficient)
    with store.transaction():
        submission = store.submissions.get(ref)
        sid = int(submission["id"])
        if submission["status"] not in (lifecycle.PUBLISHED, lifecycle.PAID):
            raise DecisionError("Tin, bài chưa được ghi nhận đã đăng.")
        old = {key: submission.get(key) for key in values}
        changed = {key: value for key, value in values.items() if value != old[key]}
        if not changed:
            raise AlreadyDone("Thông tin đăng bài không thay đổi.")
        batch = store.finance.batch_of_submission(sid)
        if batch is not None and set(changed) - {"published_url"}:
            raise DecisionError(
                f"Tin, bài đã ở đợt chi {batch['code']}: ngày đăng, thể loại và hệ số đã "
                "chốt trong đợt chi. Kế toán huỷ đợt chi trước, rồi mới sửa được."
            )
        store.submissions.update(sid, changed)
        store.audit.record(actor, "correct_publication", sid,
                           {"old": {k: old[k] for k in changed}, "new": changed})
        if {"published_url", "published_date"} & set(changed):
            notices.publication_corrected(outbox or Outbox(config, store),
                                          store.submissions.get(ref))
    return store.submissions.get(ref)


def _publication(
    config: Config, url: str, on: str | None, genre: str | None, coefficient: str | None
) -> dict[str, Any]:
    """The checked publication columns (URL, date, genre, coefficient) of a decision."""
    if not url or not url.startswith(("http://", "https://")):
        raise DecisionError(
            "Địa chỉ bài đã đăng (URL) phải bắt đầu bằng http:// hoặc https://: hãy dán "
            "đầy đủ đường dẫn của bài trên trang tin."
        )
    published_date = _parse_date(on)
    coef = _parse_coefficient(coefficient)
    # The genre and coefficient must fit the royalty table in force on the published date;
    # a genre with a single coefficient (or a configured default) fills it in.
    from tinbai.finance.money import RoyaltyError, RoyaltyRules

    try:
        genre, coef_value = RoyaltyRules(config.royalties).resolve(
            genre, coef, date.fromisoformat(published_date)
        )
    except RoyaltyError as exc:
        raise DecisionError(str(exc)) from None
    return {"published_url": url, "published_date": published_date, "genre": genre,
            "coefficient": None if coef_value is None else str(coef_value)}


def reject(store: Store, outbox: Outbox, ref: str, *, reason: str, actor: str) -> dict[str, Any]:
    """Reject from any open state; the reason is emailed to the author."""
    if not reason.strip():
        raise MissingReason(
            "Hãy ghi lý do không sử dụng tin, bài (lý do này được gửi cho tác giả)."
        )
    with store.transaction():
        submission = store.submissions.get(ref)
        store.submissions.set_status(submission["id"], lifecycle.REJECTED, actor=actor,
                                     reason=reason, extra={"reject_reason": reason})
        _close_approval(store, int(submission["id"]), actor=actor, why=reason)
        store.audit.record(actor, "reject", submission["id"], {"reason": reason})
        outbox.reply_to_decision("rejected", submission, reason)
    return store.submissions.get(ref)


def request_changes(
    store: Store, outbox: Outbox, ref: str, *, message: str, actor: str
) -> dict[str, Any]:
    """Back to needs_fix with a message emailed to the author."""
    if not message.strip():
        raise MissingReason(
            "Hãy ghi nội dung cần bổ sung, sửa chữa (nội dung này được gửi cho tác giả)."
        )
    with store.transaction():
        submission = store.submissions.get(ref)
        store.submissions.set_status(submission["id"], lifecycle.NEEDS_FIX, actor=actor,
                                     reason=message)
        _close_approval(store, int(submission["id"]), actor=actor, why=message)
        store.audit.record(actor, "request_changes", submission["id"], {"message": message})
        outbox.reply_to_decision("changes_requested", submission, message)
    return store.submissions.get(ref)


def _close_approval(store: Store, submission_id: int, *, actor: str, why: str) -> None:
    """An editor's rejection or change request closes the unit's open approval round (a
    fixed version asks the unit again)."""
    pending = store.approvals.pending_of(submission_id)
    if pending is not None:
        store.approvals.decide(int(pending["id"]), "cancelled", by=actor, how="editor",
                               reason=why[:500])
