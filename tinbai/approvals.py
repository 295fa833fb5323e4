"""Approval by the unit's leadership (seeds 002/003, issue 15).

Seed 002: "Lãnh đạo các đơn vị (Ban Chấp hành công đoàn) chịu trách nhiệm kiểm duyệt nội
dung tin, bài viết trước khi gửi"; seed 003: district and sector unions approve their
grassroots units' items. In config.yaml: ``unit_kinds.NAME.needs_approval``,
``units[].approvers`` and ``units[].parent``; an item is approved by its unit's approvers,
else by the nearest parent's.

The way of an item that needs approval::

    valid, sender or Cc is an approver   approved on arrival → pending_review
    valid, otherwise                     awaiting_approval; approvers e-mailed (reply or link)
      DUYỆT / ĐỒNG Ý, the link's button  → pending_review
      TRẢ LẠI: lý do                     → needs_fix, the reason e-mailed to the author;
                                           the fixed version asks the approvers again
      no answer in remind_after_days     one reminder
      an editor in their place           → pending_review, with the editor's reason

``submissions.approval_state`` is ``pending`` until approved (``settle`` sends an item
without errors to ``awaiting_approval`` while it is), then ``approved``; every decision
is in the status history and the audit log with who, when and how.
"""

from __future__ import annotations

import logging
import textwrap
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ingest.model import Candidate, ParsedMail
from notifier.compose import ReplyContext
from store import lifecycle
from store.approvals import HOW_LABELS
from store.base import Row, iso
from store.db import Store
from tinbai import clock
from tinbai.config import Config
from tinbai.config_units import UnitConfig
from tinbai.decisions import SYSTEM_ACTOR
from tinbai.links import approval_url
from tinbai.outbox import Outbox

log = logging.getLogger(__name__)


class ApprovalError(ValueError):
    """An approval decision that cannot be made now; the message says why (Vietnamese)."""


@dataclass(frozen=True)
class Need:
    """The approval an item needs: its unit and whose approvers are asked."""

    unit: str
    approving_unit: str
    approvers: tuple[str, ...]


def need_for(config: Config, unit_name: str | None) -> Need | None:
    """The approval an item of ``unit_name`` needs (None: none, or nobody to ask).

    The unit's own approvers, else the nearest parent's that has some (seed 003).
    """
    units: dict[str, UnitConfig] = {u.name: u for u in config.units}
    unit = units.get(unit_name or "")
    if unit is None:
        return None
    kind = config.unit_kinds.get(unit.kind)
    if kind is None or not kind.needs_approval:
        return None
    current: UnitConfig | None = unit
    seen: set[str] = set()
    while current is not None and current.name not in seen:
        if current.approvers:
            return Need(unit.name, current.name, tuple(current.approvers))
        seen.add(current.name)
        current = units.get(current.parent) if current.parent else None
    log.warning("unit %s needs approval but neither it nor a parent has approvers: "
                "its items go straight to review", unit.name)
    return None


def approver_on_arrival(
    need: Need, mail: ParsedMail, candidate: Candidate,
) -> tuple[str, str] | None:
    """(approver, how) when the mail itself carries the approval: sent by one of the
    approvers (``arrival``) or with one of them among the recipients (``arrival_cc``).

    A sender that failed SPF/DKIM/DMARC approves nothing (a forged leader's address).
    """
    if candidate.auth_failures:
        return None
    sender = (mail.from_addr or "").lower()
    if sender in need.approvers:
        return sender, "arrival"
    for address in mail.to_addrs:
        if address.lower() in need.approvers:
            return address.lower(), "arrival_cc"
    return None


def _excerpt(body: str, lines: int = 6, width: int = 76) -> list[str]:
    """The first lines of a body, wrapped for a plain-text e-mail."""
    out: list[str] = []
    for paragraph in (body or "").splitlines():
        out.extend(textwrap.wrap(" ".join(paragraph.split()), width))
        if len(out) >= lines:
            return [*out[:lines - 1], out[lines - 1] + " …"]
    return out or ["(bài viết trống)"]


def item_view(store: Store, submission: Row) -> dict[str, Any]:
    """What approvers read about an item (the e-mail and the link's page)."""
    sid = int(submission["id"])
    problems = [p for p in store.submissions.problems_of(sid)
                if p["severity"] == "warning" and not p["overridden_at"]]
    return {
        "ref": submission["ref"], "title": submission.get("title") or "",
        "sender": submission.get("sender") or "",
        "sender_name": submission.get("sender_name") or submission.get("sender") or "",
        "author": submission.get("author") or "", "unit": submission.get("unit_name")
        or submission.get("unit") or "",
        "received": clock.format_local(submission.get("received_at")),
        "excerpt": _excerpt(str(submission.get("body") or "")),
        "photo_count": len(store.submissions.photos_of(sid)),
        "photo_notes": [str(p["message"]) for p in problems if str(p["code"]).startswith("photo")],
        "warnings": [str(p["message"]) for p in problems
                     if not str(p["code"]).startswith("photo")],
    }


class ApprovalDesk:
    """Asking, reminding and recording the unit's approval of one data folder."""

    def __init__(self, config: Config, store: Store, outbox: Outbox) -> None:
        self.config = config
        self.store = store
        self.outbox = outbox

    # -- asking ---------------------------------------------------------------------------

    def request(self, submission_id: int) -> int | None:
        """Open a round and e-mail the approvers, unless a round is open already or the
        item no longer awaits approval; returns the round's id. Caller's transaction."""
        store = self.store
        submission = store.submissions.get(submission_id)
        if submission["status"] != lifecycle.AWAITING_APPROVAL:
            return None
        if store.approvals.pending_of(submission_id) is not None:
            return None
        need = need_for(self.config, submission.get("unit_name"))
        if need is None:  # the registry changed: nobody to ask any more
            store.submissions.update(submission_id, {"approval_state": None})
            store.submissions.set_status(submission_id, lifecycle.PENDING_REVIEW,
                                         actor=SYSTEM_ACTOR,
                                         reason="đơn vị không còn người duyệt")
            return None
        approval_id = store.approvals.open_round(submission_id, need.approving_unit,
                                                 list(need.approvers))
        for approver in need.approvers:
            self._ask(submission, approval_id, need.approving_unit, approver, "approval_request")
        log.info("%s: approval of %s asked from %s", submission["ref"], need.approving_unit,
                 ", ".join(need.approvers))
        return approval_id

    def request_missing(self) -> int:
        """Ask for every item awaiting approval without an open round (after an editor's
        correction moved it there); returns how many were asked."""
        asked = 0
        for submission_id in self.store.approvals.awaiting_without_request():
            with self.store.transaction():
                asked += self.request(submission_id) is not None
        return asked

    def _ask(self, submission: Row, approval_id: int, approving_unit: str, approver: str,
             kind: str, *, in_reply_to: str | None = None, requested_on: str = "") -> None:
        sid = int(submission["id"])
        title = " ".join(str(submission.get("title") or "").split())[:90]
        prefix = "Nhắc duyệt" if kind == "approval_reminder" else "Đề nghị duyệt"
        context = ReplyContext(
            to_addr=approver, to_name="", original_subject="",
            in_reply_to=in_reply_to, references=[in_reply_to] if in_reply_to else [],
            ref=str(submission["ref"]), subject=f"{prefix} tin, bài [{submission['ref']}]: {title}",
            extra={
                "item": item_view(self.store, submission), "approver": approver,
                "approving_unit": approving_unit,
                "unit_of_item": submission.get("unit_name") or "đơn vị",
                "link_url": approval_url(self.config, approval_id, sid, approver),
                "valid_days": self.config.approvals.link_valid_days,
                "requested_on": requested_on,
            },
        )
        self.outbox.notify(kind, approver, context, submission_id=sid,
                           key=f"{kind}:{approval_id}:{approver}" if kind != "approval_reminder"
                           else None)

    # -- reminding ----------------------------------------------------------------------

    def remind_due(self, now: datetime | None = None) -> int:
        """One reminder to the approvers of each request older than
        ``approvals.remind_after_days``; returns how many requests were reminded."""
        moment = now or clock.now()
        before = iso(moment - timedelta(days=self.config.approvals.remind_after_days))
        done = 0
        for approval in self.store.approvals.due_reminders(before):
            with self.store.transaction():
                if self.store.approvals.mark_reminded(int(approval["id"])):
                    self._remind(approval)
                    done += 1
        return done

    def remind_now(self, ref: str, *, actor: str) -> int:
        """An editor asks the approvers again now; returns how many were written to."""
        with self.store.transaction():
            submission = self.store.submissions.get(ref)
            approval = self.store.approvals.pending_of(int(submission["id"]))
            if approval is None or submission["status"] != lifecycle.AWAITING_APPROVAL:
                raise ApprovalError("Tin, bài không chờ đơn vị duyệt: không có gì để nhắc.")
            self.store.approvals.mark_reminded(int(approval["id"]))
            self._remind(approval)
            self.store.audit.record(actor, "unit_remind", int(submission["id"]),
                                    {"unit": approval["unit_name"],
                                     "approvers": approval["approvers"]})
        return len(approval["approvers"])

    def _remind(self, approval: Row) -> None:
        submission = self.store.submissions.get(int(approval["submission_id"]))
        asked = {str(r["to_addr"]): str(r["reply_message_id"])
                 for r in self.store.outbox.of_submission(int(submission["id"]))
                 if r["kind"] == "approval_request"}
        for approver in approval["approvers"]:
            self._ask(submission, int(approval["id"]), str(approval["unit_name"]), approver,
                      "approval_reminder", in_reply_to=asked.get(approver),
                      requested_on=clock.format_local(approval["requested_at"]))

    # -- deciding -------------------------------------------------------------------------

    def decide(
        self, approval: Row, *, approve: bool, by: str, how: str, reason: str = "",
        message_row_id: int | None = None, confirm: bool = False,
    ) -> bool:
        """Approve an item or return it to its author, for the open round ``approval``;
        False when the round was closed meanwhile. Caller's transaction.

        ``confirm``: tell the approver it was recorded (an answer by e-mail).
        """
        store = self.store
        sid = int(approval["submission_id"])
        submission = store.submissions.get(sid)
        if submission["status"] not in (lifecycle.AWAITING_APPROVAL, lifecycle.NEEDS_FIX):
            return False
        state = "approved" if approve else "returned"
        if not store.approvals.decide(int(approval["id"]), state, by=by, how=how,
                                      reason=reason or None, message_row_id=message_row_id):
            return False
        unit = str(approval["unit_name"])
        detail = {"unit": unit, "how": how, "by": by, "reason": reason}
        if approve:
            store.submissions.update(sid, {"approval_state": "approved"})
            if submission["status"] == lifecycle.AWAITING_APPROVAL:
                why = f"{unit} duyệt ({HOW_LABELS.get(how, how)})"
                store.submissions.set_status(sid, lifecycle.PENDING_REVIEW, actor=by,
                                             reason=why + (f": {reason}" if reason else ""))
            store.audit.record(by, "unit_approve", sid, detail)
        else:
            store.submissions.set_status(sid, lifecycle.NEEDS_FIX, actor=by,
                                         reason=f"{unit} trả lại ({HOW_LABELS.get(how, how)}): "
                                         f"{reason}")
            store.audit.record(by, "unit_return", sid, detail)
            self.outbox.to_author("unit_returned", submission, reason=reason,
                                  extra={"unit": unit, "decided_by": by})
        if confirm:
            context = ReplyContext(
                to_addr=by, to_name="", original_subject="", in_reply_to=None, references=[],
                ref=str(submission["ref"]), fields={"title": submission.get("title") or ""},
                reason=reason, extra={"decision": state},
            )
            self.outbox.notify("approval_done", by, context, submission_id=sid)
        return True

    def follow_unit(self, ref: str, *, actor: str) -> str | None:
        """After an editor corrected an item's unit: ask the approval the new unit needs.

        Only for an item not yet approved that has not reached review (one that reached
        review without approval is not held back, as for a contributor's fix): a round
        open with the old unit's approvers is cancelled; an item of a unit that needs no
        approval goes to review; one whose unit needs it waits for it (asked now when it
        has no error left). Returns what changed, for the editor (Vietnamese), or None.
        """
        store = self.store
        with store.transaction():
            submission = store.submissions.get(ref)
            sid = int(submission["id"])
            status = submission["status"]
            if (submission.get("approval_state") == "approved"
                    or status not in (lifecycle.NEEDS_FIX, lifecycle.AWAITING_APPROVAL)):
                return None
            need = need_for(self.config, submission.get("unit_name"))
            pending = store.approvals.pending_of(sid)
            if pending is not None and (need is None
                                        or pending["unit_name"] != need.approving_unit):
                store.approvals.decide(int(pending["id"]), "cancelled", by=actor, how="editor",
                                       reason="đơn vị của tin, bài đã được sửa")
                store.audit.record(actor, "unit_cancel", sid, {"unit": pending["unit_name"]})
            if need is None:
                if submission.get("approval_state") is None:
                    return None
                store.submissions.update(sid, {"approval_state": None})
                if status == lifecycle.AWAITING_APPROVAL:
                    store.submissions.set_status(sid, lifecycle.PENDING_REVIEW, actor=actor,
                                                 reason="đơn vị đã sửa không cần duyệt")
                    return "Đơn vị mới không cần duyệt: tin, bài chuyển sang «Chờ duyệt»."
                return "Đơn vị mới không cần duyệt."
            if submission.get("approval_state") != "pending":
                store.submissions.update(sid, {"approval_state": "pending"})
            if status == lifecycle.AWAITING_APPROVAL:
                if self.request(sid) is not None:
                    return f"Đã gửi đề nghị duyệt tới {need.approving_unit}."
                return None
            return f"Tin, bài sẽ chờ {need.approving_unit} duyệt khi hết lỗi."

    def approve_in_place(self, ref: str, *, actor: str, reason: str) -> None:
        """An editor approves in the unit's place (recorded with the editor's reason)."""
        reason = reason.strip()
        if not reason:
            raise ApprovalError("Hãy ghi lý do duyệt thay đơn vị (ví dụ: lãnh đạo đơn vị đã "
                                "đồng ý qua điện thoại).")
        with self.store.transaction():
            submission = self.store.submissions.get(ref)
            approval = self.store.approvals.pending_of(int(submission["id"]))
            if approval is None or submission["status"] != lifecycle.AWAITING_APPROVAL:
                raise ApprovalError("Tin, bài không chờ đơn vị duyệt.")
            if not self.decide(approval, approve=True, by=actor, how="editor", reason=reason):
                raise ApprovalError("Trạng thái vừa thay đổi; hãy xem lại tin, bài.")


def version_approval(
    config: Config, mail: ParsedMail, candidate: Candidate, current: str | None,
    may_start: bool,
) -> tuple[str | None, Need | None, tuple[str, str] | None]:
    """The ``approval_state`` of a new version, what it needs, and (approver, how) when
    this very mail approves it. ``may_start``: a first version, or one still waiting for
    the contributor (an item that reached review without approval is not held back)."""
    if current == "approved" or (current is None and not may_start):
        return current, None, None
    need = need_for(config, candidate.unit_name)
    if need is None:
        return None, None, None
    arrival = approver_on_arrival(need, mail, candidate)
    return ("approved" if arrival else "pending"), need, arrival


def arrival_note(need: Need | None, arrival: tuple[str, str] | None) -> str:
    """The history's words for an approval given by the mail itself ('' for none):
    ``; LĐLĐ huyện Chợ Đồn duyệt khi nhận (người gửi là lãnh đạo đơn vị: a@b)``."""
    if need is None or arrival is None:
        return ""
    approver, how = arrival
    return f"; {need.approving_unit} duyệt khi nhận ({HOW_LABELS.get(how, how)}: {approver})"


def on_arrival(
    store: Store, submission_id: int, need: Need, approver: str, how: str,
) -> None:
    """Record an approval given by the mail itself (sender or Cc is an approver): the open
    round is closed by it, or a decided round is recorded. Caller's transaction."""
    pending = store.approvals.pending_of(submission_id)
    if pending is None or not store.approvals.decide(int(pending["id"]), "approved",
                                                     by=approver, how=how):
        store.approvals.record_decided(submission_id, need.approving_unit,
                                       list(need.approvers), by=approver, how=how)
    store.audit.record(approver, "unit_approve", submission_id,
                       {"unit": need.approving_unit, "how": how, "by": approver})


def receipt_info(store: Store, submission: Row) -> dict[str, Any] | None:
    """What the contributor's receipt says about the unit's approval (None: nothing)."""
    rounds = store.approvals.of_submission(int(submission["id"]))
    if not rounds:
        return None
    last = rounds[-1]
    if submission["status"] == lifecycle.AWAITING_APPROVAL and last["state"] == "pending":
        return {"waiting": True, "unit": last["unit_name"], "approvers": last["approvers"],
                "approved_by": ""}
    if last["state"] == "approved":
        how = HOW_LABELS.get(str(last["decided_how"]), "")
        return {"waiting": False, "unit": last["unit_name"], "approvers": last["approvers"],
                "approved_by": f"{last['decided_by']}, {how}" if how else last["decided_by"]}
    return None
