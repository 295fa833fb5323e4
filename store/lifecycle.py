"""Submission statuses and the transitions SPEC §5 allows."""

from __future__ import annotations

NEEDS_FIX = "needs_fix"
AWAITING_APPROVAL = "awaiting_approval"
PENDING_REVIEW = "pending_review"
APPROVED = "approved"
PUBLISHED = "published"
PAID = "paid"
REJECTED = "rejected"

STATUSES: tuple[str, ...] = (
    NEEDS_FIX, AWAITING_APPROVAL, PENDING_REVIEW, APPROVED, PUBLISHED, PAID, REJECTED,
)

#: Vietnamese names shown to editors and contributors.
STATUS_LABELS: dict[str, str] = {
    NEEDS_FIX: "Cần bổ sung",
    AWAITING_APPROVAL: "Chờ đơn vị duyệt",
    PENDING_REVIEW: "Chờ duyệt",
    APPROVED: "Đã duyệt",
    PUBLISHED: "Đã đăng",
    PAID: "Đã chi nhuận bút",
    REJECTED: "Không sử dụng",
}

#: Open states: a reply with fixes may still change the submission.
OPEN_STATES: frozenset[str] = frozenset({NEEDS_FIX, AWAITING_APPROVAL, PENDING_REVIEW, APPROVED})

ALLOWED: dict[str, frozenset[str]] = {
    NEEDS_FIX: frozenset({PENDING_REVIEW, AWAITING_APPROVAL, NEEDS_FIX, REJECTED}),
    # The unit's leadership approves (→ review) or returns it to the author (→ needs_fix).
    AWAITING_APPROVAL: frozenset({PENDING_REVIEW, AWAITING_APPROVAL, NEEDS_FIX, REJECTED}),
    PENDING_REVIEW: frozenset({NEEDS_FIX, PENDING_REVIEW, APPROVED, PUBLISHED, REJECTED}),
    APPROVED: frozenset({NEEDS_FIX, PENDING_REVIEW, PUBLISHED, REJECTED}),
    PUBLISHED: frozenset({PAID}),
    PAID: frozenset(),
    REJECTED: frozenset(),
}


def can_move(from_status: str | None, to_status: str) -> bool:
    """Whether the lifecycle allows ``from_status`` → ``to_status`` (None: creation)."""
    if from_status is None:
        return to_status in (NEEDS_FIX, AWAITING_APPROVAL, PENDING_REVIEW)
    return to_status in ALLOWED.get(from_status, frozenset())
