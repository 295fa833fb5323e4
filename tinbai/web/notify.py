"""Sending the e-mails a page's decision committed, right after it (issue 15).

A decision commits its e-mails in the outbox with it; the page sends them at once in the
thread pool so the author hears within seconds, and a failure only delays them (the
outbox of ``tinbai run`` retries): the decision stands either way.
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool

from tinbai.web.context import WebContext

log = logging.getLogger(__name__)


async def send_notices(ctx: WebContext) -> None:
    """Send the committed e-mails now; never raises (they stay queued on failure)."""
    try:
        await run_in_threadpool(ctx.send_replies)
    except Exception:  # committed: the outbox retries; the decision stands
        log.exception("sending the e-mails of a decision failed; they stay queued")
