"""Cloud-storage links in a message: photos shared as links instead of attachments.

Seed 002 wants photos attached as files; a Google Drive or OneDrive link is recorded for
editors and answered with ``photo_link_only`` when nothing is attached.
"""

from __future__ import annotations

import html
import re

#: Hosts of file-sharing services (a subdomain of one of these also matches).
CLOUD_HOSTS: tuple[str, ...] = (
    "drive.google.com",
    "docs.google.com",
    "photos.google.com",
    "photos.app.goo.gl",
    "onedrive.live.com",
    "1drv.ms",
    "sharepoint.com",
    "dropbox.com",
    "db.tt",
    "icloud.com",
    "fshare.vn",
    "mega.nz",
    "mega.co.nz",
    "wetransfer.com",
    "we.tl",
)

_HOSTS = "|".join(re.escape(host) for host in CLOUD_HOSTS)
# Not preceded by a word character, dot, @ or slash: "abc@dropbox.com" is an address.
_LINK = re.compile(
    rf"(?<![\w.@/-])(?P<scheme>https?://)?(?P<host>(?:[a-z0-9-]+\.)*(?:{_HOSTS}))"
    rf"(?P<path>/[^\s<>\"'\]\[(){{}}|\\^`]*)?",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?»\u201d\u2019"


def find_cloud_links(text: str) -> list[str]:
    """Cloud-storage links in plain text or HTML, in order of appearance, without repeats.

    A bare host ("dropbox.com" in a sentence) is not a link; a scheme or a path is needed.
    """
    if not text:
        return []
    found: list[str] = []
    seen: set[str] = set()
    for match in _LINK.finditer(html.unescape(text)):
        scheme, host, path = match.group("scheme"), match.group("host"), match.group("path")
        if not scheme and not path:
            continue
        link = f"{scheme or 'https://'}{host.lower()}{(path or '').rstrip(_TRAILING)}"
        if link.lower() not in seen:
            seen.add(link.lower())
            found.append(link)
    return found
