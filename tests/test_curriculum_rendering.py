"""Lesson Markdown becomes safe HTML: nothing a course file says can run in a reader's browser."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from lms.curriculum.markdown import (
    ALLOWED_TAGS,
    ASSET_URL_PREFIX,
    RenderContext,
    render,
    sniff_image,
)
from tests.factories.course_files import tiny_png

MALICIOUS = """\
Hello <script>alert("one")</script> there.

<img src="x" onerror="alert('two')">

<div onmouseover="alert('three')">hover</div>

[a trap](javascript:alert('four')) and [another](JaVaScRiPt:alert('five'))
and [data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)

![tracker](https://evil.example/pixel.png)
![inline](data:image/png;base64,iVBORw0KGgo=)
![far away](../../../../etc/passwd)

<iframe src="https://evil.example"></iframe>
<style>body { display: none }</style>
<a href="https://example.org" onclick="alert('six')">raw link</a>

!!! reflect "<img src=x onerror=alert('seven')>"
    A callout with a dangerous title.
"""


class _Elements(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def test_a_malicious_lesson_renders_harmlessly():
    html = render(MALICIOUS)
    elements = _Elements(html).elements
    tags = {tag for tag, _ in elements}
    assert tags <= ALLOWED_TAGS
    assert not tags & {"script", "img", "iframe", "style"}
    for tag, attributes in elements:
        assert not [name for name in attributes if name.startswith("on")], (tag, attributes)
        assert "style" not in attributes
        for name in ("href", "src"):
            value = (attributes.get(name) or "").lower()
            assert not value.startswith(("javascript:", "data:", "http://", "//")), value
            assert "evil.example" not in value
    # The words are still there for the reader, shown as plain text.
    assert "hover" in html
    assert "&lt;script&gt;" in html
    assert '<span class="missing-image">tracker</span>' in html


def test_attribute_syntax_is_not_understood():
    html = render('[x](https://example.org){: onclick="alert(1)" }\n\n*hi*{: style="x"}')
    attributes = [attrs for _, attrs in _Elements(html).elements]
    assert all("onclick" not in a and "style" not in a for a in attributes)


def test_callouts_are_labelled_asides():
    html = render('!!! safeguarding "If someone is in danger"\n    Call 999.\n')
    assert (
        '<aside aria-label="Safeguarding: If someone is in danger" '
        'class="callout callout--safeguarding">' in html
    )
    assert '<strong class="callout__label">Safeguarding</strong>: If someone is in danger' in html


def test_images_resolve_to_stored_assets_only(tmp_path):
    picture = tmp_path / "images" / "circle.png"
    picture.parent.mkdir()
    picture.write_bytes(tiny_png())
    seen = []

    def image_for(path: Path):
        seen.append(path)
        return ASSET_URL_PREFIX + "abc123" if path == picture.resolve() else None

    context = RenderContext(tmp_path / "01-lesson.md", lambda p, f: None, image_for)
    html = render("![Chairs](images/circle.png) ![Other](images/none.png)", context)
    assert f'<img alt="Chairs" loading="lazy" src="{ASSET_URL_PREFIX}abc123">' in html
    assert '<span class="missing-image">Other</span>' in html


def test_tables_footnotes_and_headings():
    html = render("### Content\n\n| a | b |\n| - | - |\n| 1 | 2 |\n\nText[^1]\n\n[^1]: Note.\n")
    assert '<h3 id="section-content">' in html  # never the page's own id "content"
    assert "<table>" in html
    assert "<td>1</td>" in html
    assert 'class="footnote"' in html
    assert 'href="#fn:1"' in html


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (tiny_png(), "image/png"),
        (b"\xff\xd8\xff\xe0rest", "image/jpeg"),
        (b"GIF89a...", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"<svg onload='alert(1)'/>", None),
        (b"<html>", None),
    ],
)
def test_only_real_images_are_accepted(data, expected):
    assert sniff_image(data) == expected
