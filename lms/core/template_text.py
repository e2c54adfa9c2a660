"""Template text a person reads that is not marked for translation.

Jinja's own lexer splits a template; what is not template code (`data`) outside
`{% trans %}...{% endtrans %}` is read as HTML, with every expression, tag and comment
replaced by a space (line breaks kept, so lines stay the template's). Reported: text between
tags, and the human-facing attributes (aria-label, title, alt, placeholder, a submit
button's value), that hold a letter. Symbols, numbers, entities and whitespace pass.

A line holding `{# i18n: not text ... #}` is not checked: for the rare true non-text (the
product's name, say); say why in the comment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import Environment

ALLOW_MARK = "i18n: not text"
ATTRIBUTES = ("aria-label", "aria-description", "title", "alt", "placeholder")
BUTTON_TYPES = ("submit", "button", "reset")
LETTER = re.compile(r"[^\W\d_]")
_ENV = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)  # only its lexer is used


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str
    where: str = "text"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: unmarked {self.where}: {self.text!r}"


def _data_outside_trans(source: str, name: str) -> tuple[str, set[int]]:
    """The template's HTML with template code blanked, and the lines allowed by comment."""
    parts: list[str] = []
    allowed: set[int] = set()
    line, in_trans, in_block, block_words = 1, 0, False, []
    for lineno, kind, value in _ENV.lexer.tokeniter(source, name):
        if lineno > line:
            parts.append("\n" * (lineno - line))
            line = lineno
        if kind == "comment" and value.strip().startswith(ALLOW_MARK):
            allowed.add(lineno)
        if kind == "block_begin":
            in_block, block_words = True, []
        elif kind == "block_end":
            in_block = False
            keyword = block_words[0] if block_words else ""
            in_trans += {"trans": 1, "endtrans": -1}.get(keyword, 0)
        elif in_block and kind == "name":
            block_words.append(value)
        if kind == "data" and not in_trans:
            parts.append(value)
            line += value.count("\n")
        elif kind.endswith("_begin") or kind == "data":
            parts.append(" ")
            if kind == "data":
                line += value.count("\n")
                parts.append("\n" * value.count("\n"))
    return "".join(parts), allowed


class _TextFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str, str]] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        values = dict(attrs)
        for attribute, value in attrs:
            wanted = attribute in ATTRIBUTES or (
                # A <button>'s value is sent, never shown; an <input>'s is its label.
                attribute == "value"
                and tag == "input"
                and (values.get("type") or "").lower() in BUTTON_TYPES
            )
            if wanted and value and LETTER.search(value):
                self.found.append((self.getpos()[0], value.strip(), attribute))

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and LETTER.search(data):
            # The line of the text itself, not of the whitespace before it.
            line = self.getpos()[0] + data[: len(data) - len(data.lstrip())].count("\n")
            self.found.append((line, " ".join(data.split()), "text"))


def unmarked(source: str, name: str = "<template>") -> list[Finding]:
    """Text and attributes in `source` that a person reads and that are not marked."""
    html, allowed = _data_outside_trans(source, name)
    finder = _TextFinder()
    finder.feed(html)
    finder.close()
    return [
        Finding(name, line, text, where)
        for line, text, where in finder.found
        if line not in allowed
    ]


def unmarked_in(paths: Iterable[Path]) -> list[Finding]:
    """Findings in every .html and .txt template under `paths` (files or folders)."""
    findings: list[Finding] = []
    for path in paths:
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.suffix in (".html", ".txt") and file.is_file():
                findings += unmarked(file.read_text(encoding="utf-8"), str(file))
    return findings
