"""photo_screenshot: a screen capture, not a photo of the event."""

from __future__ import annotations

from ingest.photos import PhotoFacts
from validators.photos._common import size_text, usable
from validators.problems import Problem, problem
from validators.settings import PhotoRules, ValidationSettings

_NAME_HINTS = ("screenshot", "screen shot", "screen_shot", "chụp màn hình", "chup man hinh")


def screenshot_reason(photo: PhotoFacts, rules: PhotoRules) -> str | None:
    """Why the image looks like a screen capture, or None.

    iOS marks screenshots with EXIF UserComment "Screenshot". Otherwise only images without
    camera metadata count: a PNG, an exact screen resolution, a phone-screen shape, or a
    file named like a screenshot.
    """
    if (photo.user_comment or "").strip().lower() == "screenshot":
        return "tệp tự ghi là ảnh chụp màn hình"
    if photo.has_camera_metadata:
        return None
    if photo.format == "PNG":
        return "tệp PNG không có thông tin máy chụp"
    w, h = photo.width or 0, photo.height or 0
    short, long = min(w, h), max(w, h)
    if any((short, long) == (min(a, b), max(a, b)) for a, b in rules.screen_sizes):
        return f"kích thước màn hình {size_text(photo)}, không có thông tin máy chụp"
    if short and long / short >= rules.screen_min_aspect and short in rules.screen_short_sides:
        return f"tỉ lệ màn hình điện thoại {size_text(photo)}, không có thông tin máy chụp"
    lowered = photo.filename.lower()
    if any(hint in lowered for hint in _NAME_HINTS):
        return "tên tệp của ảnh chụp màn hình"
    return None


class PhotoScreenshot:
    """PNG or screen-sized images without camera metadata."""

    name = "photo_screenshot"
    description = "PNG or screen-sized image without camera EXIF (or marked Screenshot)."

    def check(self, photo: PhotoFacts, settings: ValidationSettings) -> list[Problem]:
        """One problem with the reason."""
        if not usable(photo):
            return []
        reason = screenshot_reason(photo, settings.photos)
        if reason is None:
            return []
        return [problem(self.name, file=photo.filename, detail=reason)]

    def explain(self, photo: PhotoFacts, settings: ValidationSettings) -> str:
        """What was checked, for editors."""
        reason = screenshot_reason(photo, settings.photos)
        return reason or f"{photo.format} {size_text(photo)}: không phải kích thước màn hình"
