"""What every page shares: configuration, store, outbox, templates, flash messages.

:func:`tinbai.web.app.create_app` builds one :class:`WebContext`; a handler gets it with
``context(request)``. ``ctx.render(request, "name.html", {...})`` adds the user, the CSRF
token and the flash messages, and masks bank account numbers for editors (pass
``redactor=ctx.redactor_for(submission_id)`` for pages showing a submission's data).

The store's single SQLite connection is used from the event loop only (handlers are
``async`` and do their quick queries inline); slow work (thumbnails, zips, SMTP) runs in
the thread pool without touching that connection (:meth:`WebContext.send_replies` opens
its own).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from store import lifecycle
from store.base import Row
from store.db import Store
from tinbai.config import Config
from tinbai.outbox import Outbox
from tinbai.web import csrf
from tinbai.web.masking import Redactor, digits

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Session key set once a page was shown: the first page after logging in is the role's
#: own (finance land on /finance, see tinbai.web.queue).
LANDED = "landed"

ROLE_LABELS: dict[str, str] = {
    "editor": "Biên tập viên",
    "finance": "Kế toán",
    "admin": "Quản trị",
}


@dataclass(frozen=True)
class NavItem:
    """A link of the top bar, shown to the given roles."""

    path: str
    label: str
    roles: tuple[str, ...] = ("editor", "finance", "admin")


@dataclass
class WebContext:
    """What the pages share: configuration, store, outbox, templates."""

    config: Config
    store: Store
    outbox: Outbox
    env: jinja2.Environment
    nav: list[NavItem] = field(default_factory=list)
    send_lock: threading.Lock = field(default_factory=threading.Lock)
    _cache: dict[str, tuple[tuple[int, int], Any]] = field(default_factory=dict)

    def cached(self, name: str, compute: Callable[[], T]) -> T:
        """``compute()``, remembered until the database changes (any connection's commit
        or this one's write: :meth:`store.db.Store.change_mark`, O(1) per request)."""
        mark = self.store.change_mark()
        hit = self._cache.get(name)
        if hit is not None and hit[0] == mark:
            return cast(T, hit[1])
        value = compute()
        self._cache[name] = (mark, value)
        return value

    def known_accounts(self) -> frozenset[str]:
        """Every account number in the database (as digits), cached until a write."""
        return self.cached("accounts", self._all_accounts)

    def _all_accounts(self) -> frozenset[str]:
        found = {digits(text) for text in self.store.submissions.account_numbers()}
        return frozenset(a for a in found if len(a) >= 6)

    @property
    def thumbs_dir(self) -> Path:
        return self.config.data_path / "thumbs"

    def render(
        self, request: Request, name: str, values: dict[str, Any] | None = None, *,
        redactor: Redactor | None = None, status_code: int = 200,
    ) -> HTMLResponse:
        """Render a page; for editors, known account numbers are masked in the output."""
        user: Row | None = getattr(request.state, "user", None)
        context = {
            "request": request,
            "user": user,
            "csrf_token": csrf.token(request),
            "flashes": pop_flashes(request),
            "nav": [n for n in self.nav if user and user["role"] in n.roles],
            "status_labels": lifecycle.STATUS_LABELS,
            "role_labels": ROLE_LABELS,
            **(values or {}),
        }
        html = self.env.get_template(name).render(context)
        if user is not None:
            request.session[LANDED] = 1  # this session has seen a page (tinbai.web.queue)
        if user is None or user["role"] == "editor":
            html = (redactor or Redactor()).with_known(self.known_accounts()).redact(html)
        return HTMLResponse(html, status_code=status_code)

    def redactor_for(self, submission_id: int) -> Redactor:
        """Every account number connected with a submission (all versions, the author's
        earlier accounts, edits recorded in the audit log)."""
        store = self.store
        submission = store.submissions.get(submission_id)
        redactor = Redactor([submission.get("bank_account"),
                             submission.get("bank_account_digits")])
        for version in store.submissions.versions(submission_id):
            try:
                data = json.loads(version["candidate_json"])
            except ValueError:
                continue
            redactor.add((data.get("fields") or {}).get("bank_account"))
            redactor.add(data.get("bank_account_digits"))
            for account in data.get("previous_bank_accounts") or []:
                redactor.add(account)
        if submission.get("author_key"):
            author = str(submission["author_key"])
            for account in store.submissions.previous_bank_accounts(author, None):
                redactor.add(account)
        for entry in store.audit.of_submission(submission_id):
            if entry["action"] == "edit_field" and "bank_account" in entry["detail_json"]:
                try:
                    detail = json.loads(entry["detail_json"])
                except ValueError:
                    continue
                redactor.add(detail.get("old"))
                redactor.add(detail.get("new"))
        return redactor.with_known(self.known_accounts())

    def send_replies(self) -> None:
        """Send the committed replies now (blocking: call from the thread pool).

        Uses its own connection so the event loop's one is never shared across threads.
        """
        with self.send_lock:
            store = Store(self.config.data_path)
            try:
                report = Outbox(self.config, store).send_pending()
            finally:
                store.close()
        if report.errors or report.replies_failed:
            log.warning("replies not sent yet (will be retried): %s", "; ".join(report.errors))


def context(request: Request) -> WebContext:
    """The context of the application serving ``request``."""
    return cast(WebContext, request.app.state.ctx)


def flash(request: Request, text: str, kind: str = "ok") -> None:
    """A message shown once on the next page."""
    messages = list(request.session.get("flash") or [])
    messages.append([kind, text])
    request.session["flash"] = messages[-5:]


def pop_flashes(request: Request) -> list[tuple[str, str]]:
    """The messages to show on this page (each is shown once)."""
    messages = request.session.pop("flash", None) or []
    return [(str(k), str(t)) for k, t in messages]
