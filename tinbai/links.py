"""Links in e-mails: signed, expiring approval links and personal status links.

- **Approval links** (``/a/TOKEN``) carry the approval request, the submission and the
  approver's address, signed with HMAC-SHA1 by itsdangerous with a timestamp, so a link
  works without an account until it expires (``approvals.link_valid_days``) and cannot be
  altered to approve another item. The key comes from the environment variable named by
  ``web.secret_key_env``, else from a random key kept in ``DATA_DIR/link.key`` (owner-only),
  so the poller that writes the e-mail and the web server that opens the link agree.
- **Status links** (``/t/TOKEN``) are 32 random bytes (``secrets.token_urlsafe``); the
  store keeps only their SHA-256, each reply gets a fresh one, and an editor revokes them
  all at once.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from store.db import Store
from tinbai.config import Config
from tinbai.platform import restrict_to_owner

_SALT = "tinbai-approval-link"


class LinkError(ValueError):
    """A link that cannot be used; the message says why, in Vietnamese."""


@dataclass(frozen=True)
class ApprovalLink:
    """What a verified approval link names."""

    approval_id: int
    submission_id: int
    approver: str


def _key(config: Config) -> str:
    """The link-signing key: the environment's, else the data folder's (made once)."""
    value = os.environ.get(config.web.secret_key_env, "")
    if len(value) >= 16:
        return value
    path: Path = config.data_path / "link.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = path.with_suffix(".tmp")
        fresh.write_text(secrets.token_urlsafe(32), encoding="ascii")
        restrict_to_owner(fresh)
        try:
            os.link(fresh, path)  # atomic and never overwrites a key another process made
        except FileExistsError:
            pass
        finally:
            fresh.unlink(missing_ok=True)
    return path.read_text(encoding="ascii").strip()


def _serializer(config: Config) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(_key(config), salt=_SALT)


def public_url(config: Config, path: str) -> str:
    """``web.public_url`` + ``path``, or '' when no public address is configured."""
    base = config.web.public_url.strip().rstrip("/")
    return f"{base}{path}" if base else ""


def approval_token(config: Config, approval_id: int, submission_id: int, approver: str) -> str:
    """A signed token naming one approver of one approval request."""
    return str(_serializer(config).dumps({"a": approval_id, "s": submission_id,
                                          "e": approver.lower()}))


def approval_url(config: Config, approval_id: int, submission_id: int, approver: str) -> str:
    """The approve/return link for ``approver`` ('' without ``web.public_url``)."""
    if not config.web.public_url.strip():
        return ""
    return public_url(config, "/a/" + approval_token(config, approval_id, submission_id,
                                                     approver))


def read_approval_token(config: Config, token: str) -> ApprovalLink:
    """The approval a token names; LinkError when it is forged, altered or expired."""
    max_age = config.approvals.link_valid_days * 86400
    try:
        data = _serializer(config).loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkError(
            "Liên kết duyệt đã hết hạn. Đồng chí trả lời thư đề nghị duyệt (dòng đầu ghi "
            "DUYỆT hoặc TRẢ LẠI: lý do), hoặc liên hệ Ban Biên tập."
        ) from None
    except BadSignature:
        raise LinkError("Liên kết duyệt không đúng: hãy mở lại đúng liên kết trong thư.") from None
    try:
        return ApprovalLink(int(data["a"]), int(data["s"]), str(data["e"]))
    except (KeyError, TypeError, ValueError):
        raise LinkError("Liên kết duyệt không đúng: hãy mở lại đúng liên kết trong thư.") from None


def new_status_url(store: Store, config: Config, submission_id: int) -> str:
    """A fresh personal status link of a submission ('' without ``web.public_url``).

    Runs in the caller's transaction (the link is stored with the reply carrying it).
    """
    if not config.web.public_url.strip():
        return ""
    token = secrets.token_urlsafe(32)
    store.notices.add_link(submission_id, token)
    return public_url(config, f"/t/{token}")
