"""From parsed mail to a judged candidate: the dry run of ``tinbai check`` and the poller's
read-ahead.

Pure with respect to the store: the poller runs it before opening a database transaction
(photo and document reading can take a while and must not hold SQLite's write lock).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.candidate import read_candidate
from ingest.model import Candidate, ParsedMail
from tinbai.config import Config
from validators.builtin import Verdict, classify, validate
from validators.dispositions import DispositionContext


@dataclass
class Evaluation:
    """The verdict on one message (or on a submission after a fix-by-reply)."""

    mail: ParsedMail
    disposition: str | None
    candidate: Candidate
    verdict: Verdict
    photo_payloads: list[bytes] = field(default_factory=list)
    """Bytes of ``candidate.photos`` read from *this* message, in the same order."""

    @property
    def status(self) -> str:
        """``ignored`` (a disposition), ``accepted`` or ``needs_fix`` (SPEC §7)."""
        if self.disposition:
            return "ignored"
        return "accepted" if self.verdict.accepted else "needs_fix"


# Letters only Vietnamese uses (ă đ ơ ư and the tone-marked vowels), and the usual
# submission words typed without diacritics.
_VIETNAMESE = re.compile(
    "[ăđơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹĂĐƠƯẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸ]"
    r"|\b(?:tin,? bai|bai viet|gui (?:tin|bai|anh)|tac gia|chu thich|cong doan|nhuan but)\b",
    re.IGNORECASE,
)


def _vietnamese_text(mail: ParsedMail, candidate: Candidate) -> bool:
    """Whether the subject, text, documents or file names contain Vietnamese."""
    texts = [mail.subject, mail.text[:200_000], mail.html[:200_000] if mail.html else ""]
    texts += [doc.text[:200_000] for doc in candidate.documents]
    texts += [photo.filename for photo in candidate.photos]
    return any(_VIETNAMESE.search(text or "") for text in texts)


def looks_like_submission(candidate: Candidate, mail: ParsedMail | None = None) -> bool:
    """Anything that looks like an article: a template label, a photo or a document.

    With ``mail``, a message with a single label or only attachments must also contain
    some Vietnamese: spam, invoices and newsletters in other languages with a PDF or a
    picture are ``not_submission`` and get no fix request (SPEC §4; real inboxes get
    plenty, see the mail-parser corpus in the hostile-mail test).
    """
    anything = bool(
        candidate.labels_found or candidate.photos or candidate.documents
        or candidate.cloud_links or candidate.embedded_images
    )
    if mail is None or not anything or candidate.labels_found >= 2:
        return anything
    return _vietnamese_text(mail, candidate)


def evaluate(mail: ParsedMail, config: Config, *, own_addresses: frozenset[str]) -> Evaluation:
    """Disposition, candidate and verdict of one message, touching nothing."""
    disposition = classify(mail, DispositionContext(own_addresses=own_addresses))
    if disposition:
        return Evaluation(mail, disposition, Candidate(), Verdict())
    candidate, payloads = read_candidate(mail, config.validation, config.units)
    if not looks_like_submission(candidate, mail):
        return Evaluation(mail, "not_submission", candidate, Verdict(), payloads)
    return Evaluation(mail, None, candidate, validate(candidate, config.validation), payloads)
