"""Recording a publication and correcting it later (URL, date, genre, coefficient).

A refused form is not thrown away: the page is shown again with what the editor typed and
the reason beside the form (at the top of the page on a phone), instead of a redirect that
would lose the URL they pasted. The decisions are :func:`tinbai.decisions.publish` and
:func:`tinbai.decisions.correct_publication`, the same code as ``tinbai publish``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from store import lifecycle
from store.errors import InvalidTransition
from tinbai import decisions, formatting
from tinbai.decisions import AlreadyDone, DecisionError
from tinbai.web.auth import REVIEWERS, require
from tinbai.web.context import context, flash
from tinbai.web.csrf import checked_form
from tinbai.web.notify import send_notices
from tinbai.web.submission import genres, load_submission, render_page

FIELDS = ("url", "date", "genre", "coefficient")


async def _form(request: Request) -> dict[str, str]:
    form = await checked_form(request)
    return {key: str(form.get(key) or "").strip()[:2000] for key in FIELDS}


def _checked_date(text: str) -> str | None:
    """The ISO date of what the editor typed (``15/10/2026`` or ``2026-10-15``)."""
    if not text:
        return None
    day = formatting.parse_date_text(text)
    if day is None:
        raise DecisionError(
            f"Ngày đăng «{text}» không hợp lệ: hãy viết ngày/tháng/năm, ví dụ 15/10/2026."
        )
    return day.isoformat()


async def publish(request: Request) -> Response:
    """Record the publication; a refusal shows the form again with the reason."""
    user = require(request, *REVIEWERS)
    values = await _form(request)
    ctx = context(request)
    submission = load_submission(ctx.store, request.path_params["ref"])
    if not lifecycle.can_move(submission["status"], lifecycle.PUBLISHED):
        flash(request, "Tin, bài này không ghi nhận đăng được nữa (trạng thái vừa thay đổi).",
              "error")
        return RedirectResponse(f"/s/{submission['ref']}", status_code=303)
    try:
        if values["genre"] and values["genre"] not in dict(genres(ctx)):
            raise DecisionError("Thể loại không có trong bảng nhuận bút.")
        decisions.publish(ctx.store, ctx.config, submission["ref"], url=values["url"],
                          on=_checked_date(values["date"]), genre=values["genre"] or None,
                          coefficient=values["coefficient"] or None, actor=user["name"],
                          outbox=ctx.outbox)
    except (DecisionError, InvalidTransition) as exc:
        return render_page(request, submission, publish_form=values,
                           publish_error=f"Chưa ghi nhận được: {exc}", status_code=400)
    await send_notices(ctx)  # the author's publication notice (notices.published)
    flash(request, f"Đã ghi nhận {submission['ref']} đã đăng.")
    return RedirectResponse(f"/s/{submission['ref']}", status_code=303)


async def correct(request: Request) -> Response:
    """Correct the URL, date, genre or coefficient of a published item."""
    user = require(request, *REVIEWERS)
    values = await _form(request)
    ctx = context(request)
    submission = load_submission(ctx.store, request.path_params["ref"])
    try:
        decisions.correct_publication(
            ctx.store, ctx.config, submission["ref"], url=values["url"],
            on=_checked_date(values["date"]), genre=values["genre"] or None,
            coefficient=values["coefficient"] or None, actor=user["name"],
            outbox=ctx.outbox)
    except AlreadyDone as exc:
        flash(request, str(exc), "warning")
        return RedirectResponse(f"/s/{submission['ref']}", status_code=303)
    except DecisionError as exc:
        return render_page(request, submission, publish_form=values,
                           publish_error=f"Chưa sửa được: {exc}", status_code=400)
    await send_notices(ctx)  # the author is told a corrected URL or date
    flash(request, "Đã sửa thông tin đăng bài.")
    return RedirectResponse(f"/s/{submission['ref']}", status_code=303)


ROUTES: list[BaseRoute] = [
    Route("/s/{ref}/publish", publish, methods=["POST"]),
    Route("/s/{ref}/publication", correct, methods=["POST"]),
]
