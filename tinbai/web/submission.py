"""One submission: its fields, problems, photos, history; the editors' decisions.

Decisions go through :mod:`tinbai.decisions` (the same code as ``tinbai publish`` and
``tinbai reject``), so the web and the command line behave the same; the replies they
commit are sent right after by :meth:`tinbai.outbox.Outbox.send_pending`.
"""

from __future__ import annotations

import email
import email.policy
import json
import logging
import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from store import lifecycle
from store.base import Row
from store.errors import InvalidTransition, NotFound
from tinbai import clock
from tinbai.bundle import build_bundle, safe_filename
from tinbai.outbox import Outbox
from tinbai.web.app import WebContext, flash
from tinbai.web.auth import ADMINS, READERS, REVIEWERS, require
from tinbai.web.csrf import checked_form
from tinbai.web.masking import Redactor
from tinbai.web.rawmail import redacted_eml
from tinbai.web.thumbs import make_thumbnail, thumb_path
from validators.problems import FIELD_LABELS

log = logging.getLogger(__name__)

REF = re.compile(r"^TB-\d{4}-\d{4,}$")

#: Genres of the royalty table, used when the configuration has none.
DEFAULT_GENRES: tuple[tuple[str, str], ...] = (
    ("tin", "Tin"), ("bai", "Bài"), ("anh", "Ảnh"), ("phong_su", "Phóng sự"),
    ("binh_luan", "Bình luận"),
)

#: Fields editors may correct (bank account: admins only, editors never see it whole).
EDITABLE: tuple[str, ...] = (
    "title", "body", "caption", "author", "unit", "phone", "account_holder", "bank_name",
)
ADMIN_EDITABLE: tuple[str, ...] = ("bank_account",)
EDIT_STATES = frozenset({*lifecycle.OPEN_STATES, lifecycle.PUBLISHED})

ACTION_LABELS: dict[str, str] = {
    "approve": "Duyệt",
    "publish": "Ghi nhận đã đăng",
    "reject": "Không sử dụng",
    "request_changes": "Yêu cầu sửa",
    "override": "Bỏ qua lỗi",
    "edit_field": "Sửa mục",
    "note": "Ghi chú",
    "reopen": "Đưa lại vào hàng chờ duyệt",
}

REPLY_LABELS: dict[str, str] = {
    "receipt": "Báo đã nhận",
    "fix_request": "Đề nghị bổ sung",
    "rejected": "Báo không sử dụng",
    "changes_requested": "Yêu cầu sửa",
    "too_large": "Thư quá lớn",
}

#: Vietnamese names of the photo evidence keys (``PhotoFacts.evidence``), in display order.
EVIDENCE_LABELS: dict[str, str] = {
    "make": "Hãng máy", "model": "Kiểu máy", "software": "Phần mềm",
    "datetime_original": "Thời điểm chụp", "exif_size": "Kích thước theo EXIF",
    "orientation": "Hướng ảnh (EXIF)", "exposure_tags": "Số thẻ phơi sáng",
    "quality": "Chất lượng JPEG ước tính", "quality_distance": "Độ lệch bảng lượng tử",
    "progressive": "JPEG progressive", "app_markers": "Phân đoạn APP",
    "size_bytes": "Dung lượng (byte)", "comments": "Ghi chú trong tệp",
    "xmp_creator_tool": "Công cụ (XMP)", "xmp_history": "Lịch sử chỉnh sửa (XMP)",
    "xmp_derived": "Lưu từ tệp khác (XMP)", "xmp_raw_settings": "Thiết lập Camera Raw",
    "photoshop_history": "Lịch sử Photoshop", "photoshop_resources": "Tài nguyên Photoshop",
    "reencoder_traces": "Dấu vết nén lại", "icc_description": "Hồ sơ màu (ICC)",
    "user_comment": "Ghi chú người dùng (EXIF)", "error": "Lỗi đọc ảnh",
}

_CAPTION_NUMBER = re.compile(r"^\s*Ảnh\s*\d+\s*[:.\-–]\s*", re.IGNORECASE)


def _evidence_rows(facts: dict[str, Any]) -> list[tuple[str, str]]:
    """The photo's rule evidence as (Vietnamese label, readable value) rows."""
    evidence = facts.get("evidence") or {
        key: facts.get(key) for key in EVIDENCE_LABELS if facts.get(key) not in (None, "", [])
    }
    if not isinstance(evidence, dict):
        return []
    order = list(EVIDENCE_LABELS)
    rows = []
    for key in sorted(evidence, key=lambda k: order.index(k) if k in order else len(order)):
        value = evidence[key]
        if isinstance(value, bool):
            text = "có" if value else "không"
        elif value is None or value == "" or value == []:
            text = "—"
        elif isinstance(value, list | tuple):
            text = ("×" if key == "exif_size" else ", ").join(str(v) for v in value)
        else:
            text = str(value)
        rows.append((EVIDENCE_LABELS.get(key, key), text))
    return rows


def caption_text(caption: object) -> str:
    """A photo caption without its own "Ảnh 1:" (the page numbers photos itself)."""
    return _CAPTION_NUMBER.sub("", str(caption or "")).strip()


def genres(ctx: WebContext) -> list[tuple[str, str]]:
    """Genres of the coefficient table in force today (``royalties``), else the defaults."""
    royalties: Any = getattr(ctx.config, "royalties", None)
    tables: list[Any] = list(getattr(royalties, "coefficient_tables", None) or [])
    today = clock.today()
    in_force = [t for t in tables if t.since <= today] or tables
    if not in_force:
        return list(DEFAULT_GENRES)
    result = []
    for key, genre in in_force[-1].genres.items():
        low, high = genre.min, genre.max
        span = f"{low}" if low == high else f"{low}–{high}"
        result.append((str(key), f"{genre.label} (hệ số {span})".replace(".", ",")))
    return result


def _json(text: object, default: Any) -> Any:
    try:
        return json.loads(str(text)) if text else default
    except ValueError:
        return default


def _reply_text(raw: object) -> str:
    try:
        data = raw if isinstance(raw, bytes | bytearray | memoryview) else b""
        message = email.message_from_bytes(bytes(data), policy=email.policy.default)
        body = message.get_body(("plain",))
        return str(body.get_content()) if body is not None else ""
    except Exception:
        return ""


def _transition_error(submission: Row, to_status: str) -> str | None:
    if lifecycle.can_move(submission["status"], to_status):
        return None
    labels = lifecycle.STATUS_LABELS
    return (f"Không thể chuyển tin, bài từ «{labels.get(submission['status'])}» sang "
            f"«{labels.get(to_status)}».")


def routes(ctx: WebContext) -> list[BaseRoute]:
    store = ctx.store

    def load(ref: str) -> Row:
        ref = ref.strip().upper()
        if not REF.match(ref):
            raise HTTPException(404, "Không có tin, bài này.")
        try:
            return store.submissions.get(ref)
        except NotFound:
            raise HTTPException(404, "Không có tin, bài này.") from None

    def back(submission: Row, anchor: str = "") -> RedirectResponse:
        return RedirectResponse(f"/s/{submission['ref']}{anchor}", status_code=303)

    # -- the page ------------------------------------------------------------------------

    async def page(request: Request) -> Response:
        user = require(request, *READERS)
        submission = load(request.path_params["ref"])
        sid = int(submission["id"])
        problems = store.submissions.problems_of(sid)
        photos = []
        for photo in store.submissions.photos_of(sid):
            facts = _json(photo["facts_json"], {})
            photos.append({
                **photo,
                "caption_text": caption_text(photo["caption"]),
                "evidence_rows": _evidence_rows(facts),
                "photo_problems": _json(photo["problems_json"], []),
                "has_thumb": thumb_path(ctx.thumbs_dir, str(photo["sha256"])) is not None
                and bool(photo["blob_path"]),
            })
        versions = []
        for version in store.submissions.versions(sid):
            candidate = _json(version["candidate_json"], {})
            versions.append({
                **version,
                "fields": candidate.get("fields") or {},
                "problems": _json(version["problems_json"], []),
            })
        replies = [{**r, "text": _reply_text(r["raw"]), "raw": None}
                   for r in store.outbox.of_submission(sid)]
        audit = [{**a, "detail": _json(a["detail_json"], {})}
                 for a in store.audit.of_submission(sid)]
        role = user["role"]
        can_review = role in REVIEWERS
        status = submission["status"]
        return ctx.render(request, "submission.html", {
            "s": submission,
            "problems": problems,
            "photos": photos,
            "messages": store.messages.of_submission(sid),
            "versions": versions,
            "history": store.submissions.history(sid),
            "replies": replies,
            "audit": audit,
            "notes": store.submissions.notes_of(sid) if can_review else [],
            "field_labels": FIELD_LABELS,
            "editable": [*EDITABLE, *(ADMIN_EDITABLE if role in ADMINS else ())],
            "can_review": can_review,
            "can_edit": can_review and status in EDIT_STATES,
            "is_open": status in lifecycle.OPEN_STATES,
            "can_approve": can_review and status == lifecycle.PENDING_REVIEW,
            "can_publish": can_review and lifecycle.can_move(status, lifecycle.PUBLISHED),
            "can_reopen": can_review and status == lifecycle.NEEDS_FIX
            and store.submissions.active_error_count(sid) == 0,
            "registry_units": [u.name for u in ctx.config.units],
            "show_bank": role in ("finance", "admin"),
            "genres": genres(ctx),
            "today": clock.today().isoformat(),
            "action_labels": ACTION_LABELS,
            "reply_labels": REPLY_LABELS,
        }, redactor=ctx.redactor_for(sid))

    # -- decisions -----------------------------------------------------------------------

    async def approve(request: Request) -> Response:
        user = require(request, *REVIEWERS)
        form = await checked_form(request)
        submission = load(request.path_params["ref"])
        from tinbai.decisions import approve as decide

        error = _transition_error(submission, lifecycle.APPROVED)
        if error:
            flash(request, error, "error")
            return back(submission)
        try:
            decide(store, submission["ref"], actor=user["name"],
                   note=str(form.get("note") or "").strip()[:2000] or None)
        except InvalidTransition:
            flash(request, "Trạng thái vừa thay đổi; hãy xem lại tin, bài.", "error")
        else:
            flash(request, f"Đã duyệt {submission['ref']}.")
        return back(submission)

    async def publish(request: Request) -> Response:
        user = require(request, *REVIEWERS)
        form = await checked_form(request)
        submission = load(request.path_params["ref"])
        from tinbai.decisions import DecisionError
        from tinbai.decisions import publish as decide

        error = _transition_error(submission, lifecycle.PUBLISHED)
        if error:
            flash(request, error, "error")
            return back(submission)
        genre = str(form.get("genre") or "").strip() or None
        if genre and genre not in dict(genres(ctx)):
            flash(request, "Thể loại không có trong bảng nhuận bút.", "error")
            return back(submission, "#publish")
        try:
            decide(store, ctx.config, submission["ref"], url=str(form.get("url") or "").strip(),
                   on=str(form.get("date") or "").strip() or None, genre=genre,
                   coefficient=str(form.get("coefficient") or "").strip() or None,
                   actor=user["name"])
        except (DecisionError, InvalidTransition) as exc:
            flash(request, f"Chưa ghi nhận được: {_vi_decision_error(exc)}", "error")
            return back(submission, "#publish")
        flash(request, f"Đã ghi nhận {submission['ref']} đã đăng.")
        return back(submission)

    async def reject(request: Request) -> Response:
        return await _with_reply(request, "reject")

    async def request_changes(request: Request) -> Response:
        return await _with_reply(request, "request_changes")

    async def _with_reply(request: Request, action: str) -> Response:
        user = require(request, *REVIEWERS)
        form = await checked_form(request)
        submission = load(request.path_params["ref"])
        from tinbai.decisions import DecisionError
        from tinbai.decisions import reject as do_reject
        from tinbai.decisions import request_changes as do_request

        text = str(form.get("reason") or "").strip()[:5000]
        to_status = lifecycle.REJECTED if action == "reject" else lifecycle.NEEDS_FIX
        error = _transition_error(submission, to_status)
        if error:
            flash(request, error, "error")
            return back(submission)
        if not text:
            flash(request, "Hãy ghi lý do (nội dung này được gửi cho tác giả).", "error")
            return back(submission, f"#{action}")
        outbox = Outbox(ctx.config, store)
        try:
            if action == "reject":
                do_reject(store, outbox, submission["ref"], reason=text, actor=user["name"])
            else:
                do_request(store, outbox, submission["ref"], message=text,
                           actor=user["name"])
        except (DecisionError, InvalidTransition) as exc:
            flash(request, f"Chưa thực hiện được: {_vi_decision_error(exc)}", "error")
            return back(submission)
        try:
            await run_in_threadpool(ctx.send_replies)
        except Exception:  # committed: the outbox retries; the editor's decision stands
            log.exception("sending the reply for %s failed", submission["ref"])
        sent = [r for r in store.outbox.of_submission(int(submission["id"]))][-1:]
        state = sent[0]["state"] if sent else "pending"
        done = ("Đã chuyển sang «Không sử dụng»" if action == "reject"
                else "Đã yêu cầu tác giả sửa")
        if state == "sent":
            flash(request, f"{done}; thư đã gửi tới {submission['sender']}.")
        else:
            flash(request, f"{done}; thư cho tác giả chưa gửi được, hệ thống sẽ gửi lại.",
                  "warning")
        return back(submission)

    async def reopen(request: Request) -> Response:
        """needs_fix → pending_review when no error is left (e.g. after a change request
        the editor no longer needs)."""
        user = require(request, *REVIEWERS)
        form = await checked_form(request)
        submission = load(request.path_params["ref"])
        sid = int(submission["id"])
        note = str(form.get("note") or "").strip()[:2000]
        if submission["status"] != lifecycle.NEEDS_FIX:
            flash(request, "Chỉ tin, bài «Cần bổ sung» mới đưa lại vào «Chờ duyệt».", "error")
            return back(submission)
        if store.submissions.active_error_count(sid):
            flash(request, "Còn lỗi chưa được bỏ qua: hãy bỏ qua từng lỗi (có lý do) trước.",
                  "error")
            return back(submission, "#problems")
        with store.transaction():
            store.submissions.set_status(sid, lifecycle.PENDING_REVIEW, actor=user["name"],
                             reason=note or "biên tập viên đưa lại vào hàng chờ duyệt")
            store.audit.record(user["name"], "reopen", sid, {"note": note})
        flash(request, "Đã đưa tin, bài vào «Chờ duyệt».")
        return back(submission)

    async def override(request: Request) -> Response:
        user = require(request, *REVIEWERS)
        form = await checked_form(request)
        submission = load(request.path_params["ref"])
        sid = int(submission["id"])
        try:
            problem = store.submissions.problem(int(request.path_params["pid"]))
        except NotFound:
            raise HTTPException(404, "Không có lỗi này.") from None
        if int(problem["submission_id"]) != sid:
            raise HTTPException(404, "Không có lỗi này.")
        note = str(form.get("note") or "").strip()[:2000]
        if not note:
            flash(request, "Hãy ghi lý do bỏ qua lỗi.", "error")
            return back(submission, f"#problem-{problem['id']}")
        if submission["status"] not in lifecycle.OPEN_STATES:
            flash(request, "Tin, bài đã đóng: không bỏ qua lỗi được nữa.", "error")
            return back(submission)
        if problem["overridden_at"]:
            flash(request, "Lỗi này đã được bỏ qua trước đó.", "warning")
            return back(submission)
        moved = False
        with store.transaction():
            store.submissions.override_problem(int(problem["id"]), actor=user["name"], note=note)
            store.audit.record(user["name"], "override", sid, {
                "problem_id": problem["id"], "code": problem["code"],
                "severity": problem["severity"], "field": problem["field"],
                "file": problem["file"], "note": note,
            })
            remaining = store.submissions.active_error_count(sid)
            store.submissions.update(sid, {"error_count": remaining})
            # The rule: a submission waits for the contributor only while an error that no
            # editor has overridden remains. Overriding the last one puts it in the queue.
            if submission["status"] == lifecycle.NEEDS_FIX and remaining == 0:
                store.submissions.set_status(sid, lifecycle.PENDING_REVIEW, actor=user["name"],
                                 reason="biên tập viên bỏ qua lỗi cuối cùng: " + note)
                moved = True
        flash(request, "Đã bỏ qua lỗi." + (" Không còn lỗi nào: tin, bài chuyển sang "
                                          "«Chờ duyệt»." if moved else ""))
        return back(submission, "#problems")

    async def edit(request: Request) -> Response:
        user = require(request, *REVIEWERS)
        form = await checked_form(request)
        submission = load(request.path_params["ref"])
        if submission["status"] not in EDIT_STATES:
            flash(request, "Tin, bài đã đóng: không sửa được nữa.", "error")
            return back(submission)
        allowed = [*EDITABLE, *(ADMIN_EDITABLE if user["role"] in ADMINS else ())]
        if ctx.config.units:
            allowed.append("unit_name")
        changes = _changes(submission, form, allowed)
        if not changes:
            flash(request, "Không có mục nào thay đổi.", "warning")
            return back(submission, "#fields")
        units = {u.name for u in ctx.config.units}
        if "unit_name" in changes and changes["unit_name"] not in units | {None}:
            flash(request, "Đơn vị không có trong danh mục.", "error")
            return back(submission, "#fields")
        from tinbai.decisions import edit_fields

        result = edit_fields(store, ctx.config, str(submission["ref"]), changes,
                             actor=user["name"])
        names = ", ".join(FIELD_LABELS.get(k, k) for k in result.changed)
        checked = (f"Đã kiểm tra lại: còn {result.open_errors} lỗi."
                   if result.open_errors else "Đã kiểm tra lại: không còn lỗi.")
        if result.moved_to_review:
            checked += " Tin, bài chuyển sang «Chờ duyệt»."
        flash(request, f"Đã lưu: {names}. {checked}")
        return back(submission, "#fields")

    async def add_note(request: Request) -> Response:
        user = require(request, *REVIEWERS)
        form = await checked_form(request)
        submission = load(request.path_params["ref"])
        body = str(form.get("body") or "").strip()[:5000]
        if not body:
            flash(request, "Ghi chú trống.", "error")
            return back(submission, "#notes")
        with store.transaction():
            note_id = store.submissions.add_note(int(submission["id"]), author=user["name"],
                                                 body=body)
            store.audit.record(user["name"], "note", int(submission["id"]), {"note_id": note_id})
        flash(request, "Đã thêm ghi chú.")
        return back(submission, "#notes")

    # -- downloads (blobs only by database id; paths never come from the request) ----------

    async def bundle(request: Request) -> Response:
        require(request, *READERS)
        submission = load(request.path_params["ref"])
        photos = store.submissions.photos_of(int(submission["id"]))
        data = await run_in_threadpool(build_bundle, submission, photos, store.photos.root)
        name = f"{safe_filename(submission['ref'], 'bai')}.zip"
        return Response(data, media_type="application/zip",
                        headers={"content-disposition": f'attachment; filename="{name}"'})

    async def raw_message(request: Request) -> Response:
        user = require(request, *READERS)
        try:
            message = store.messages.get(int(request.path_params["mid"]))
        except NotFound:
            raise HTTPException(404, "Không có thư này.") from None
        if not message["raw_path"]:
            raise HTTPException(404, "Thư gốc không được lưu.")
        try:
            raw = store.raw.read(str(message["raw_path"]))
        except (OSError, ValueError):
            raise HTTPException(404, "Không đọc được thư gốc.") from None
        if user["role"] == "editor":
            redactor = (ctx.redactor_for(int(message["submission_id"]))
                        if message["submission_id"] is not None
                        else Redactor().with_known(ctx.known_accounts()))
            raw = await run_in_threadpool(redacted_eml, raw, redactor)
        name = f"thu-{int(message['id'])}.eml"
        return Response(raw, media_type="message/rfc822",
                        headers={"content-disposition": f'attachment; filename="{name}"'})

    def photo_file(photo_id: int) -> tuple[Row, Any]:
        try:
            photo = store.submissions.photo(photo_id)
        except NotFound:
            raise HTTPException(404, "Không có ảnh này.") from None
        if not photo["blob_path"]:
            raise HTTPException(404, "Ảnh không được lưu.")
        root = store.photos.root.resolve()
        path = (root / str(photo["blob_path"])).resolve()
        if root not in path.parents or not path.is_file():
            raise HTTPException(404, "Không có ảnh này.")
        return photo, path

    async def thumb(request: Request) -> Response:
        require(request, *READERS)
        photo, path = photo_file(int(request.path_params["pid"]))
        target = thumb_path(ctx.thumbs_dir, str(photo["sha256"]))
        if target is None:
            return RedirectResponse("/static/no-photo.svg", status_code=303)
        if not target.exists():
            try:
                await run_in_threadpool(make_thumbnail, path, target)
            except Exception:
                return RedirectResponse("/static/no-photo.svg", status_code=303)
        return FileResponse(target, media_type="image/jpeg",
                            headers={"cache-control": "private, max-age=86400"})

    async def original(request: Request) -> Response:
        require(request, *READERS)
        photo, path = photo_file(int(request.path_params["pid"]))
        fmt = str(photo["format"] or "").lower()
        media = {"jpeg": "image/jpeg", "jpg": "image/jpeg", "png": "image/png",
                 "heic": "image/heic", "heif": "image/heif"}.get(fmt,
                                                                 "application/octet-stream")
        name = safe_filename(str(photo["filename"]), f"anh-{photo['id']}")
        return FileResponse(path, media_type=media, filename=name,
                            content_disposition_type="attachment",
                            headers={"cache-control": "private, max-age=86400"})

    return [
        Route("/s/{ref}", page, methods=["GET"], name="submission"),
        Route("/s/{ref}/approve", approve, methods=["POST"]),
        Route("/s/{ref}/publish", publish, methods=["POST"]),
        Route("/s/{ref}/reject", reject, methods=["POST"]),
        Route("/s/{ref}/request-changes", request_changes, methods=["POST"]),
        Route("/s/{ref}/reopen", reopen, methods=["POST"]),
        Route("/s/{ref}/problems/{pid:int}/override", override, methods=["POST"]),
        Route("/s/{ref}/edit", edit, methods=["POST"]),
        Route("/s/{ref}/notes", add_note, methods=["POST"]),
        Route("/s/{ref}/bundle.zip", bundle, methods=["GET"]),
        Route("/messages/{mid:int}/raw.eml", raw_message, methods=["GET"]),
        Route("/photos/{pid:int}/thumb.jpg", thumb, methods=["GET"]),
        Route("/photos/{pid:int}/original", original, methods=["GET"]),
    ]


def _changes(submission: Row, form: FormData, allowed: list[str]) -> dict[str, str | None]:
    """Fields whose submitted value differs from the stored one (line ends normalised)."""
    changes: dict[str, str | None] = {}
    for key in allowed:
        if key not in form:
            continue
        new = str(form.get(key) or "").replace("\r\n", "\n").strip()
        old = str(submission.get(key) or "").replace("\r\n", "\n").strip()
        if new != old:
            changes[key] = new or None
    return changes


def _vi_decision_error(exc: Exception) -> str:
    """The refusal as the editor reads it (decisions and the store speak Vietnamese)."""
    return str(exc)
