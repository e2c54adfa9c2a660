"""Quiz text is Markdown written by curriculum authors: rendered, then sanitised (no raw HTML,
no images, only web and mail links)."""

from __future__ import annotations

import re
from functools import lru_cache

import markdown
import nh3
from markupsafe import Markup

BLOCK_TAGS = {"p", "br", "em", "strong", "code", "a", "ul", "ol", "li", "blockquote", "h3", "h4"}
INLINE_TAGS = {"br", "em", "strong", "code", "a"}
URL_SCHEMES = {"http", "https", "mailto"}


def _html(text: str) -> str:
    return markdown.markdown(text, output_format="html")


def _clean(html: str, tags: set[str]) -> Markup:
    cleaned = nh3.clean(
        html,
        tags=tags,
        attributes={"a": {"href"}},
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
    return Markup(cleaned)  # noqa: S704 - sanitised by nh3 just above


@lru_cache(maxsize=4096)
def render_block(text: str | None) -> Markup:
    """Paragraphs, lists and emphasis, for scenarios, explanations and feedback."""
    return _clean(_html(text), BLOCK_TAGS) if text else Markup("")


@lru_cache(maxsize=4096)
def render_inline(text: str | None) -> Markup:
    """One line of phrasing content (paragraphs become line breaks), for a question's prompt
    inside a legend or label."""
    if not text:
        return Markup("")
    html = re.sub(r"</p>\s*<p>", "<br><br>", _html(text).strip())
    return _clean(html, INLINE_TAGS)
