"""Downloads of a submission's files: the article bundle, the raw mail, photos.

Blobs are found only by database id; paths never come from the request. Editors get the
raw mail with bank account numbers masked; the bundle is for the public website, so
nobody gets bank accounts or phones in it (tinbai.privacy).
"""

from __future__ import annotations

from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from store.base import Row
from store.db import Store
from store.errors import NotFound
from tinbai.bundle import build_bundle, safe_filename
from tinbai.privacy import Redactor
from tinbai.web.auth import READERS, require
from tinbai.web.context import context
from tinbai.web.masking import UNMASKED_ROLES
from tinbai.web.rawmail import redacted_eml
from tinbai.web.submission import load_submission
from tinbai.web.thumbs import make_thumbnail, thumb_path

#: Media types of the photo formats read (SPEC §3).
PHOTO_MEDIA_TYPES: dict[str, str] = {
    "jpeg": "image/jpeg", "jpg": "image/jpeg", "png": "image/png",
    "heic": "image/heic", "heif": "image/heif",
}


async def bundle(request: Request) -> Response:
    """The article (text and original photos) as a zip, to paste into the site's CMS."""
    require(request, *READERS)
    ctx = context(request)
    store = ctx.store
    submission = load_submission(store, request.path_params["ref"])
    photos = store.submissions.photos_of(int(submission["id"]))
    public = ctx.redactor_for(int(submission["id"])).for_public()
    data = await run_in_threadpool(
        lambda: build_bundle(submission, photos, store.photos.root, redactor=public))
    name = f"{safe_filename(submission['ref'], 'bai')}.zip"
    return Response(data, media_type="application/zip",
                    headers={"content-disposition": f'attachment; filename="{name}"'})


async def raw_message(request: Request) -> Response:
    """The message as received (.eml); masked for editors."""
    user = require(request, *READERS)
    ctx = context(request)
    store = ctx.store
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
    if user["role"] not in UNMASKED_ROLES:
        redactor = (ctx.redactor_for(int(message["submission_id"]))
                    if message["submission_id"] is not None
                    else Redactor().with_known(ctx.known_accounts()))
        raw = await run_in_threadpool(redacted_eml, raw, redactor)
    name = f"thu-{int(message['id'])}.eml"
    return Response(raw, media_type="message/rfc822",
                    headers={"content-disposition": f'attachment; filename="{name}"'})


def _photo_file(store: Store, photo_id: int) -> tuple[Row, Path]:
    """A stored photo's row and file (404 unless it is inside the photo store)."""
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
    """A photo's thumbnail, made once and cached on disk."""
    require(request, *READERS)
    ctx = context(request)
    photo, path = _photo_file(ctx.store, int(request.path_params["pid"]))
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
    """A photo as the contributor sent it."""
    require(request, *READERS)
    photo, path = _photo_file(context(request).store, int(request.path_params["pid"]))
    media = PHOTO_MEDIA_TYPES.get(str(photo["format"] or "").lower(), "application/octet-stream")
    name = safe_filename(str(photo["filename"]), f"anh-{photo['id']}")
    return FileResponse(path, media_type=media, filename=name,
                        content_disposition_type="attachment",
                        headers={"cache-control": "private, max-age=86400"})


ROUTES: list[BaseRoute] = [
    Route("/s/{ref}/bundle.zip", bundle, methods=["GET"]),
    Route("/messages/{mid:id}/raw.eml", raw_message, methods=["GET"]),
    Route("/photos/{pid:id}/thumb.jpg", thumb, methods=["GET"]),
    Route("/photos/{pid:id}/original", original, methods=["GET"]),
]
