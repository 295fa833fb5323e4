"""Classify and read one message, judging nothing and touching no store.

The first half of a message's way in: :meth:`tinbai.intake.Intake.prepare` runs it in the
read-ahead thread, before any database transaction (photo and document reading can take
a while and must not hold SQLite's write lock); the dry run ``tinbai check`` runs it too.
The judging (``validators.builtin.validate``) happens once, afterwards, with the store's
facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.candidate import read_candidate
from ingest.model import Candidate, ParsedMail
from tinbai.config import Config
from validators.builtin import classify
from validators.dispositions import DispositionContext


@dataclass
class Reading:
    """One message classified and read: a disposition, or the candidate submission."""

    mail: ParsedMail
    disposition: str | None
    candidate: Candidate
    photo_payloads: list[bytes] = field(default_factory=list)
    """Bytes of ``candidate.photos`` read from *this* message, in the same order."""

    @property
    def may_be_submission(self) -> bool:
        """Whether it may be stored as a submission (a text-only reply can still be a fix);
        a robot's, a list's or spam's photos are not even decoded."""
        return self.disposition in (None, "not_submission")


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


def read_message(mail: ParsedMail, config: Config, *, own_addresses: frozenset[str]) -> Reading:
    """The disposition of one message, or its candidate submission (SPEC §4)."""
    disposition = classify(mail, DispositionContext(own_addresses=own_addresses))
    if disposition:
        return Reading(mail, disposition, Candidate())
    candidate, payloads = read_candidate(mail, config.validation, config.units)
    if not looks_like_submission(candidate, mail):
        return Reading(mail, "not_submission", candidate, payloads)
    return Reading(mail, None, candidate, payloads)
