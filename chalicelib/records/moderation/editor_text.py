"""The text readers see in an editor field's HTML, for content security: what WeChat checks must be what a
`<rich-text>` or a browser shows, or markup hides words from the check.

- Character references are decoded once (`&#114;` → r, `&amp;` → &), in text and in attribute values.
- Tags are removed without joining or splitting words: a block-level tag (p, div, br, li, td, h1, …) stands for a
  space, any other tag (b, i, span, a, font, unknown ones) for nothing, so `sandbox-<b>ri</b>sky` reads
  `sandbox-risky` and `<p>a</p><p>b</p>` reads `a b`. Comments are dropped (nobody sees them).
- `alt` and `title` attribute text (image descriptions, tooltips) is included, as separate words.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "dialog", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
    "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "ul", "img", "video", "audio", "iframe", "object", "embed", "textarea", "select", "option", "button", "input",
})
TEXT_ATTRIBUTES = ("alt", "title")
_SPACES = re.compile(r"\s+")


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK_TAGS:
            self.parts.append(" ")
        for name, value in attrs:
            if name in TEXT_ATTRIBUTES and value:
                self.parts.append(f" {value} ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_text(html: str) -> str:
    """The words of `html` as a reader sees them, whitespace collapsed."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return _SPACES.sub(" ", "".join(parser.parts)).strip()
