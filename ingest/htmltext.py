"""HTML mail bodies to plain text, keeping the line structure the template reader needs.

Gmail's rich editor wraps every line in ``<div>``, Outlook in ``<p class=MsoNormal>``, and
some people paste the form as a table; the template reader works on lines, so block
elements, ``<br>`` and table rows become line breaks and table cells are separated by a tab.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from html.parser import HTMLParser

log = logging.getLogger(__name__)

_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
        "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
        "tbody", "thead", "tfoot", "tr", "ul", "caption",
    }
)
_SKIP_TAGS = frozenset({"style", "script", "head", "title", "noscript", "template", "xml"})
_VOID_TAGS = frozenset(
    {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "source", "wbr"}
)
_MAX_DEPTH = 500


class _TextBuilder(HTMLParser):
    """Collects text with explicit line breaks; quoted blocks get a "> " prefix."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip_depth = 0
        self.quote_depth = 0
        self.pre_depth = 0
        self.cell_index: list[int] = []

    # -- helpers
    def _flush(self) -> None:
        line = "".join(self.current)
        self.current = []
        if self.pre_depth == 0:
            line = re.sub(r"[ \u00a0]+", " ", line).strip(" ")
        prefix = "> " * self.quote_depth
        if line or (self.lines and self.lines[-1] != ""):
            self.lines.append(prefix + line if line else "")

    # -- parser callbacks
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        if tag in _SKIP_TAGS:
            self.skip_depth += 1
            return
        if self.skip_depth:
            return
        if tag == "br":
            self._flush() if self.current else self.lines.append("")
            return
        if tag in ("td", "th"):
            if self.cell_index:
                if self.cell_index[-1] > 0:
                    self.current.append("\t")
                self.cell_index[-1] += 1
            return
        if tag == "tr":
            if self.current:
                self._flush()
            self.cell_index.append(0)
            return
        if tag in _BLOCK_TAGS:
            if self.current:
                self._flush()
            if tag == "blockquote" and self.quote_depth < _MAX_DEPTH:
                self.quote_depth += 1
            if tag == "pre":
                self.pre_depth += 1
            if tag == "li":
                self.current.append("- ")
        if tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.current.append(f"[{alt}]")

    def handle_endtag(self, tag: str) -> None:
        tag = tag.lower()
        if tag in _SKIP_TAGS:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if self.skip_depth:
            return
        if tag == "tr":
            if self.current:
                self._flush()
            if self.cell_index:
                self.cell_index.pop()
            return
        if tag in _BLOCK_TAGS:
            if self.current:
                self._flush()
            if tag == "blockquote":
                self.quote_depth = max(0, self.quote_depth - 1)
            if tag == "pre":
                self.pre_depth = max(0, self.pre_depth - 1)
            spaced = tag in ("p", "table", "ul", "ol", "h1", "h2", "h3")
            if spaced and self.lines and self.lines[-1]:
                self.lines.append("")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag.lower() not in _VOID_TAGS:
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if self.pre_depth:
            parts = data.split("\n")
            for i, part in enumerate(parts):
                if i:
                    self._flush()
                self.current.append(part)
            return
        self.current.append(re.sub(r"[\s]+", " ", data))

    def text(self) -> str:
        if self.current:
            self._flush()
        return "\n".join(self.lines)


def html_to_text(html: str) -> str:
    """Plain text of an HTML body: one line per block/``<br>``, cells tab-separated, NFC.

    ``<style>``/``<script>``/``<head>`` are dropped, entities decoded, ``<blockquote>``
    content prefixed with "> " (so quoted replies are recognised as quotes). Never raises.
    """
    if not html:
        return ""
    builder = _TextBuilder()
    try:
        builder.feed(html)
        builder.close()
    except Exception as exc:  # a broken body still yields what was parsed
        log.warning("html_to_text: unexpected %s; the text parsed so far is kept",
                    type(exc).__name__)
    text = builder.text()
    text = text.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "")
    text = re.sub(r"\n{3,}", "\n\n", text)
    return unicodedata.normalize("NFC", text.strip("\n"))
