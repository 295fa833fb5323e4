"""Approvers' answers by e-mail: recognised in the intake before a submission would be made.

An answer is a reply to our approval request (RFC 5322 In-Reply-To/References point to its
Message-ID) or a mail from one of the item's approvers naming its reference in the
subject. The first line of the answer's own text (above the quote, the signature) says
what to do::

    DUYỆT | DUYET | ĐỒNG Ý (| DONG Y)   approve
    TRẢ LẠI: lý do (| TRA LAI - …)      return to the author with the reason

Only an approver of the open round may answer, and only from an address that passed the
sender checks (Authentication-Results); anything else in an approval thread — another
sender, a closed round, an unreadable first line — is recorded and ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.htmltext import html_to_text
from ingest.mailtext import prepare_lines, split_segments, strip_quotes
from ingest.model import ParsedMail
from ingest.normalize import fold_keep_length
from store import lifecycle
from store.base import Row
from store.db import Store
from store.errors import NotFound
from store.submissions import REF_PATTERN
from tinbai.evaluate import Reading

#: Our e-mails whose answers are approvers' answers.
APPROVAL_KINDS: tuple[str, ...] = ("approval_request", "approval_reminder", "approval_done")

_APPROVE = re.compile(r"^\W*(?:duyet|dong y)(?![a-z0-9])")
_RETURN = re.compile(r"^\W*tra lai(?![a-z0-9])\s*[:\-–—.,]?\s*")


@dataclass(frozen=True)
class Answer:
    """An approver's answer, or a message in an approval thread that is ignored."""

    submission_id: int
    approval: Row | None
    approver: str
    decision: str | None  # "approve", "return", or None: recorded and ignored
    reason: str = ""
    ignored: str = ""  # why it is ignored (English, for the log and the audit)


def own_lines(mail: ParsedMail) -> list[str]:
    """The non-empty lines of the mail's own text (quotes and signature dropped)."""
    text = mail.text or html_to_text(mail.html or "")
    segments = split_segments(prepare_lines(text))
    own = strip_quotes(segments[0][1]) if segments else []
    return [line.strip() for line in own if line.strip()]


def read_answer(lines: list[str]) -> tuple[str | None, str]:
    """(decision, reason) from an answer's own lines; (None, '') when not understood."""
    if not lines:
        return None, ""
    first = lines[0]
    folded = fold_keep_length(first)
    if _APPROVE.match(folded):
        return "approve", ""
    match = _RETURN.match(folded)
    if match:  # the reason follows on the line, else on the next lines
        reason = first[match.end():].strip() or " ".join(lines[1:8]).strip()
        return "return", reason or ("(lãnh đạo đơn vị không ghi lý do; đồng chí liên hệ "
                                    "lãnh đạo đơn vị để biết thêm)")
    return None, ""


def recognise(store: Store, mail: ParsedMail, reading: Reading) -> Answer | None:
    """The approver's answer this message is, a message to ignore in an approval thread,
    or None (not about an approval: the normal way in)."""
    sender = (mail.from_addr or "").lower()
    refs = [*(mail.references or []), mail.in_reply_to or ""]
    in_thread = store.outbox.thread_of(refs, APPROVAL_KINDS)
    submission_id = in_thread
    if submission_id is None:
        match = REF_PATTERN.search(mail.subject or "")
        if not match:
            return None
        try:
            submission_id = int(store.submissions.get(
                f"TB-{match.group(1)}-{match.group(2)}")["id"])
        except NotFound:  # an unknown reference is the normal way's business
            return None
    approval = store.approvals.pending_of(submission_id)
    is_approver = approval is not None and sender in approval["approvers"]
    if in_thread is None and not is_approver:
        return None  # the contributor (or anyone) writing about their item: a fix
    if not is_approver:
        why = "round closed" if approval is None else "sender is not an approver"
        return Answer(submission_id, approval, sender, None, ignored=why)
    status = store.submissions.get(submission_id)["status"]
    if status not in lifecycle.OPEN_STATES:
        return Answer(submission_id, approval, sender, None, ignored="submission closed")
    if reading.candidate.auth_failures:
        return Answer(submission_id, approval, sender, None,
                      ignored="sender failed " + ", ".join(reading.candidate.auth_failures))
    decision, reason = read_answer(own_lines(mail))
    if decision is None:
        return Answer(submission_id, approval, sender, None, ignored="first line not understood")
    return Answer(submission_id, approval, sender, decision, reason)
