"""Markdown for course content: finding what a text links to (for the checker) and rendering
it to safe HTML (once, at sync).

Rendering is Python-Markdown with tables, footnotes, a table of contents and callouts
(`!!! reflect "Title"`), with raw HTML turned off, then sanitised with nh3 against an
allow-list. Links to other lessons become relative links that work wherever the lesson is
shown; images become addresses of stored course assets. Nothing else gets through.
"""

from __future__ import annotations

import contextlib
import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import markdown
import nh3
from flask import has_app_context
from flask_babel import force_locale
from markdown.extensions import Extension
from markdown.extensions.toc import slugify
from markdown.treeprocessors import Treeprocessor

from lms.i18n import _, _l
from lms.i18n import language as language_named

# Bump when rendering changes, so that `courses sync` renders every lesson again.
RENDERER_VERSION = "1"

ASSET_URL_PREFIX = "/course-assets/"

# Labels are written into the page at sync, in the language of the text they label
# (`render(..., language=...)`).
CALLOUTS = {
    "reflect": _l("Reflect"),
    "activity": _l("Activity"),
    "safeguarding": _l("Safeguarding"),
    "note": _l("Note"),
    "key-point": _l("Key point"),
}

IMAGE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
)
MAX_IMAGE_BYTES = 5 * 1024 * 1024


def sniff_image(data: bytes) -> str | None:
    """The content type of a PNG, JPEG, GIF or WebP image, from its bytes; None otherwise.
    (SVG is refused: it can carry script.)"""
    for signature, content_type, _extension in IMAGE_SIGNATURES:
        if data.startswith(signature):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


# --- what a text refers to (for the checker) --------------------------------------------------

_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_INLINE_CODE = re.compile(r"`+[^`]*`+")
_INLINE_LINK = re.compile(
    r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?([^)\s>]*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)"
)
_REFERENCE_DEFINITION = re.compile(r"^\s{0,3}\[([^\]^][^\]]*)\]:\s*<?(\S+?)>?(?:\s+.*)?$")
_REFERENCE_USE = re.compile(r"(!?)\[([^\]]*)\]\[([^\]]*)\]")
_RAW_HTML = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?/?>")
_CALLOUT = re.compile(r"^\s*!!!\s*([\w-]+)")
_HEADING = re.compile(r"^(#{1,6})\s")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


@dataclass(frozen=True)
class Reference:
    kind: str  # "image" | "link"
    target: str
    line: int


@dataclass(frozen=True)
class Construct:
    kind: str  # "html" | "callout" | "heading"
    value: str
    line: int


def _blank(match: re.Match) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def scan(body: str, first_line: int) -> tuple[list[Reference], list[Construct]]:
    """Links, images, raw HTML, callouts and headings in a Markdown text, with file lines
    (`first_line` is the file line of the text's first line). Fenced code and inline code are
    skipped; indented text is scanned, since callouts are indented too. Link text may run
    over several lines."""
    text = _without_code(body)

    def line_at(position: int) -> int:
        return first_line + text.count("\n", 0, position)

    definitions, constructs = _line_by_line(text, first_line)
    references = _references(text, definitions, line_at)
    for match in _RAW_HTML.finditer(text):
        constructs.append(Construct("html", match.group(2).lower(), line_at(match.start())))
    constructs.sort(key=lambda construct: construct.line)
    return references, constructs


def _without_code(body: str) -> str:
    """The text with fenced and inline code blanked out, every line kept where it was."""
    kept, in_fence = [], False
    for raw_line in body.splitlines():
        if _FENCE.match(raw_line):
            in_fence = not in_fence
            kept.append("")
        else:
            kept.append("" if in_fence else raw_line)
    return _INLINE_CODE.sub(_blank, "\n".join(kept))


def _line_by_line(text: str, first_line: int) -> tuple[dict[str, tuple[str, int]], list[Construct]]:
    """Reference definitions (label -> (target, line)), callouts and headings: what Markdown
    only recognises at the start of a line."""
    definitions: dict[str, tuple[str, int]] = {}
    constructs: list[Construct] = []
    for offset, line_text in enumerate(text.split("\n")):
        line = first_line + offset
        if match := _REFERENCE_DEFINITION.match(line_text):
            definitions[match.group(1).strip().lower()] = (match.group(2), line)
        if match := _CALLOUT.match(line_text):
            constructs.append(Construct("callout", match.group(1), line))
        if match := _HEADING.match(line_text):
            constructs.append(Construct("heading", match.group(1), line))
    return definitions, constructs


def _references(
    text: str, definitions: dict[str, tuple[str, int]], line_at: Callable[[int], int]
) -> list[Reference]:
    references: list[Reference] = []
    for match in _INLINE_LINK.finditer(text):
        kind = "image" if match.group(1) else "link"
        references.append(Reference(kind, match.group(3), line_at(match.start())))
    for match in _REFERENCE_USE.finditer(text):
        label = (match.group(3) or match.group(2)).strip().lower()
        if label in definitions:
            kind = "image" if match.group(1) else "link"
            references.append(Reference(kind, definitions[label][0], line_at(match.start())))
    # A definition nothing uses is still checked, so that a broken one cannot hide.
    for target, line in definitions.values():
        if not any(ref.target == target for ref in references):
            references.append(Reference("link", target, line))
    return references


def split_target(target: str) -> tuple[str, str]:
    """('path', 'fragment') of a link target; a query is dropped."""
    path, _, fragment = target.partition("#")
    return path.partition("?")[0], fragment


def scheme_of(target: str) -> str | None:
    if target.startswith("//"):
        return "//"
    match = _SCHEME.match(target)
    return match.group(1).lower() if match else None


SAFE_LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel"})


# --- rendering --------------------------------------------------------------------------------


@dataclass
class RenderContext:
    """How to turn a Markdown file's relative links into addresses.

    `source` is the Markdown file; `link_for(path, fragment)` returns the relative address of a
    lesson or unit file (or None); `image_for(path)` the asset address of an image (or None).
    """

    source: Path
    link_for: Callable[[Path, str], str | None]
    image_for: Callable[[Path], str | None]


def heading_id(value: str, separator: str) -> str:
    # A prefix keeps heading ids apart from the page's own (such as "content").
    return "section-" + slugify(value, separator)


def _anchor(fragment: str) -> str:
    if not fragment or fragment.startswith(("section-", "fn:", "fnref:")):
        return fragment
    return "section-" + fragment


class _ContentTreeprocessor(Treeprocessor):
    """Callouts become labelled asides; links and images are resolved or dropped."""

    def __init__(self, md, context: RenderContext | None):
        super().__init__(md)
        self.context = context

    def run(self, root: ET.Element) -> None:
        for element in list(root.iter()):
            if element.tag == "div" and "admonition" in element.get("class", "").split():
                self._callout(element)
        parents = {child: parent for parent in root.iter() for child in parent}
        for element in list(root.iter("a")):
            self._link(element)
        for element in list(root.iter("img")):
            self._image(element, parents)

    def _callout(self, element: ET.Element) -> None:
        classes = element.get("class", "").split()
        kind = next((c for c in classes if c in CALLOUTS), "note")
        label = str(CALLOUTS[kind])
        title = ""
        first = element[0] if len(element) else None
        if first is not None and first.tag == "p" and "admonition-title" in first.get("class", ""):
            title = "".join(first.itertext()).strip()
            element.remove(first)
        if title.lower().replace("-", " ") == kind.replace("-", " "):
            title = ""  # Python-Markdown's default title is the kind itself
        element.tag = "aside"
        element.attrib.clear()
        element.set("class", f"callout callout--{kind}")
        element.set("aria-label", f"{label}: {title}" if title else label)
        heading = ET.Element("p", {"class": "callout__title"})
        strong = ET.SubElement(heading, "strong", {"class": "callout__label"})
        strong.text = label
        if title:
            strong.tail = f": {title}"
        element.insert(0, heading)

    def _link(self, element: ET.Element) -> None:
        href = element.get("href", "")
        if element.get("class", "") in ("footnote-ref", "footnote-backref"):
            return
        scheme = scheme_of(href)
        if scheme is not None:
            if scheme not in SAFE_LINK_SCHEMES:
                element.attrib.pop("href", None)
            return
        path, fragment = split_target(href)
        if not path:
            element.set("href", "#" + _anchor(fragment) if fragment else "#")
            return
        resolved = None
        if self.context is not None:
            resolved = self.context.link_for(
                (self.context.source.parent / path).resolve(), _anchor(fragment)
            )
        if resolved is None:
            element.attrib.pop("href", None)
        else:
            element.set("href", resolved)

    def _image(self, element: ET.Element, parents) -> None:
        src = element.get("src", "")
        resolved = None
        if self.context is not None and scheme_of(src) is None:
            path, _ = split_target(src)
            if path:
                resolved = self.context.image_for((self.context.source.parent / path).resolve())
        if resolved is None:
            # An image we cannot serve from the course's own files is left out; its
            # description stays so that nothing is lost for the reader.
            replacement = ET.Element("span", {"class": "missing-image"})
            replacement.text = element.get("alt", "")
            replacement.tail = element.tail
            parent = parents.get(element)
            if parent is not None:
                index = list(parent).index(element)
                parent.remove(element)
                parent.insert(index, replacement)
            return
        element.set("src", resolved)
        element.set("loading", "lazy")


class _ContentExtension(Extension):
    def __init__(self, context: RenderContext | None):
        super().__init__()
        self.context = context

    def extendMarkdown(self, md) -> None:  # noqa: N802 - Python-Markdown's API name
        # No raw HTML at all: it is shown as text rather than passed through.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_ContentTreeprocessor(md, self.context), "alongside", 1)


ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd",
    "strong", "em", "b", "i", "code", "pre", "blockquote", "table", "thead", "tbody",
    "tfoot", "tr", "th", "td", "caption", "a", "img", "sup", "sub", "del", "ins", "abbr",
    "div", "span", "aside", "nav",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "img": {"src", "alt", "title", "loading"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "h5": {"id"},
    "h6": {"id"},
    "li": {"id"},
    "sup": {"id"},
    "ol": {"start"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "abbr": {"title"},
    "aside": {"aria-label"},
    "nav": {"aria-label"},
}
ALLOWED_CLASSES = {
    "aside": {"callout", *(f"callout--{kind}" for kind in CALLOUTS)},
    "p": {"callout__title", "lesson-toc__title"},
    "strong": {"callout__label"},
    "div": {"footnote"},
    "a": {"footnote-ref", "footnote-backref"},
    "span": {"missing-image"},
    "nav": {"lesson-toc"},
}


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not value.startswith(ASSET_URL_PREFIX):
        return None
    return value


def sanitise(fragment: str) -> str:
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=set(SAFE_LINK_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def _toc(tokens: list[dict]) -> str:
    flat: list[dict] = []

    def walk(items):
        for item in items:
            flat.append(item)
            walk(item.get("children", []))

    walk(tokens)
    if len(flat) < 3:
        return ""
    items = "".join(
        f'<li><a href="#{html.escape(item["id"])}">'
        f"{html.escape(html.unescape(item['name']))}</a></li>"
        for item in flat
        if item["level"] <= 4
    )
    title = html.escape(_("On this page"))
    return (
        f'<nav class="lesson-toc" aria-label="{title}">'
        f'<p class="lesson-toc__title">{title}</p><ul>{items}</ul></nav>'
    )


def _written_in(language: str | None):
    """Labels the renderer writes (callouts, "On this page") in `language`; English, the
    source, outside an application."""
    if not language or not has_app_context():
        return contextlib.nullcontext()
    return force_locale(language_named(language).locale)


def labels_in(language: str | None) -> str:
    """The labels `render` writes, as written in `language` now: a translation is rendered
    again when they change (a catalogue compiled or corrected after its last sync)."""
    with _written_in(language):
        labels = [*(str(label) for label in CALLOUTS.values()), _("On this page")]
        return "\x1f".join([*labels, _("Back to the text")])


def render(
    body: str,
    context: RenderContext | None = None,
    *,
    with_toc: bool = False,
    language: str | None = None,
) -> str:
    """Markdown to sanitised HTML; its labels in `language` (the text's own)."""
    with _written_in(language):
        return _render(body, context, with_toc=with_toc)


def _render(body: str, context: RenderContext | None, *, with_toc: bool) -> str:
    md = markdown.Markdown(
        extensions=[
            "tables",
            "footnotes",
            "admonition",
            "toc",
            "sane_lists",
            _ContentExtension(context),
        ],
        extension_configs={
            "toc": {"slugify": heading_id, "toc_depth": "2-4"},
            "footnotes": {"BACKLINK_TITLE": _("Back to the text")},
        },
        output_format="html",
    )
    body_html = md.convert(body)
    toc = _toc(getattr(md, "toc_tokens", [])) if with_toc else ""
    return sanitise(toc + body_html)
