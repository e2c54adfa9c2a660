"""Files are judged by their content; names are made safe."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from lms.portfolio import filetypes
from lms.portfolio.filetypes import FileRefused, identify, sanitise_filename
from tests.portfolio import samples


@pytest.fixture
def staged(tmp_path):
    def write(data: bytes):
        path = tmp_path / "upload.part"
        path.write_bytes(data)
        return path

    return write


ACCEPTED = [
    ("reflection.pdf", samples.pdf(), "pdf"),
    ("reflection.docx", samples.office("docx"), "docx"),
    ("hours.xlsx", samples.office("xlsx"), "xlsx"),
    ("session plan.pptx", samples.office("pptx"), "pptx"),
    ("reflection.odt", samples.opendocument("odt"), "odt"),
    ("hours.ods", samples.opendocument("ods"), "ods"),
    ("slides.odp", samples.opendocument("odp"), "odp"),
    ("notes.txt", samples.text(), "text"),
    ("notes.md", samples.text("# Week 3\n\nSupervision notes — with “quotes”.\n"), "text"),
    ("photo.jpg", samples.picture("JPEG"), "jpeg"),
    ("photo.JPEG", samples.picture("JPEG"), "jpeg"),
    ("leaflet.png", samples.picture("PNG"), "png"),
    ("smile.gif", samples.picture("GIF"), "gif"),
    ("poster.webp", samples.picture("WEBP"), "webp"),
    ("iphone.heic", samples.picture("HEIF"), "heic"),
    ("discussion.mp3", samples.MEDIA["mp3"], "mp3"),
    ("observation.mp4", samples.MEDIA["mp4"], "isomedia"),
    ("voice memo.m4a", samples.MEDIA["m4a"], "isomedia"),
    ("observation.mov", samples.MEDIA["mov"], "isomedia"),
    ("discussion.wav", samples.MEDIA["wav"], "wav"),
    ("discussion.ogg", samples.MEDIA["ogg"], "ogg"),
    ("observation.webm", samples.MEDIA["webm"], "webm"),
]


@pytest.mark.parametrize(("name", "data", "key"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_allowed_kinds_are_recognised_by_content(staged, name, data, key):
    assert identify(staged(data), name).key == key


@pytest.mark.parametrize(
    ("data", "key"), [(samples.pdf(), "pdf"), (samples.text(), "text")], ids=["pdf", "text"]
)
def test_a_file_with_no_ending_is_recognised_and_given_one(staged, data, key):
    kind = identify(staged(data), "my evidence")
    assert kind.key == key
    assert filetypes.name_for("my evidence", kind) == f"my evidence.{kind.extension}"


CONTRADICTIONS = [
    ("report.docx", samples.pdf(), "PDF document"),
    ("report.pdf", samples.office("docx"), "Word document"),
    ("photo.jpg", samples.picture("PNG"), "PNG picture"),
    ("notes.txt", samples.pdf(), "PDF document"),
    ("recording.mp3", samples.office("xlsx"), "Excel spreadsheet"),
    ("document.pdf", samples.text(), "Plain text"),
]


@pytest.mark.parametrize(
    ("name", "data", "label"), CONTRADICTIONS, ids=[c[0] for c in CONTRADICTIONS]
)
def test_content_that_contradicts_the_ending_is_refused(staged, name, data, label):
    with pytest.raises(FileRefused) as refused:
        identify(staged(data), name)
    assert name in refused.value.message
    assert label in refused.value.message
    assert refused.value.field == "file"


def test_an_empty_file_is_refused(staged):
    with pytest.raises(FileRefused, match="empty"):
        identify(staged(b""), "reflection.pdf")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("reflection.pdf", samples.WINDOWS_PROGRAM),
        ("notes.txt", samples.LINUX_PROGRAM),
        ("notes.txt", samples.SCRIPT),
        ("reflection", samples.WINDOWS_PROGRAM),
    ],
    ids=["windows-as-pdf", "linux-as-text", "script-as-text", "windows-without-ending"],
)
def test_programs_are_refused_whatever_their_name(staged, name, data):
    with pytest.raises(FileRefused, match="Programs and scripts"):
        identify(staged(data), name)


@pytest.mark.parametrize("name", ["setup.exe", "page.html", "picture.svg", "run.bat", "a.js"])
def test_endings_outside_the_allow_list_are_refused(staged, name):
    with pytest.raises(FileRefused, match="cannot be evidence"):
        identify(staged(samples.text()), name)


@pytest.mark.parametrize(
    "data",
    [samples.WEB_PAGE, samples.SVG, b"\n  <html><body>hi</body>"],
    ids=["web-page", "svg", "indented-html"],
)
def test_web_pages_and_svg_disguised_as_text_are_refused(staged, data):
    with pytest.raises(FileRefused, match="Web pages and SVG"):
        identify(staged(data), "notes.txt")


def test_archives_are_refused(staged):
    with pytest.raises(FileRefused, match="archives"):
        identify(staged(samples.plain_zip()), "evidence.docx")


def test_documents_with_macros_are_refused(staged):
    with pytest.raises(FileRefused, match="macros"):
        identify(staged(samples.office("docx", macros=True)), "reflection.docx")


def test_a_damaged_document_is_refused(staged):
    broken = samples.office("docx")[:200]
    with pytest.raises(FileRefused, match="damaged"):
        identify(staged(broken), "reflection.docx")


@pytest.mark.parametrize(
    "data", [b"\x00\x01\x02\x03" * 100, b"caf\xe9 au lait"], ids=["binary", "latin-1"]
)
def test_unrecognised_content_is_refused(staged, data):
    with pytest.raises(FileRefused, match="could not recognise"):
        identify(staged(data), "notes.txt")


def test_other_types_recognised_by_the_library_are_refused_plainly(staged):
    with pytest.raises(FileRefused, match=r"cannot accept files of this type \(BMP\)"):
        identify(staged(samples.picture("BMP")), "picture")


def test_a_zip_bomb_is_judged_from_its_directory_without_unpacking(staged):
    bomb = staged(samples.zip_bomb(megabytes=64))
    assert bomb.stat().st_size < 1024 * 1024
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(FileRefused, match="unpack to far more"):
            identify(bomb, "reflection.docx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 1
    assert peak < 2 * 1024 * 1024


def test_an_oversized_content_types_part_is_never_read(staged, monkeypatch):
    monkeypatch.setattr(filetypes, "MAX_CONTENT_TYPES_BYTES", 64)
    with pytest.raises(FileRefused, match="archives"):
        identify(staged(samples.office("docx")), "reflection.docx")


# --- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\System32\\cmd.exe", "cmd.exe"),
        ("/var/www/static/x.pdf", "x.pdf"),
        ("..", "evidence"),
        ("", "evidence"),
        (None, "evidence"),
        ("   .bashrc", "bashrc"),
        ("Réflexion écrite \u2013 semaine 3.docx", "Réflexion écrite \u2013 semaine 3.docx"),
        ("holiday\u202egpj.exe", "holidaygpj.exe"),
        ("zero\u200bwidth.pdf", "zerowidth.pdf"),
        ("line\nbreak\r\tand\x00nul.txt", "linebreakandnul.txt"),
        ('what? "a" <b> c|d*.pdf', "what a b c d.pdf"),
        ("CON.txt", "evidence CON.txt"),
        ("nul", "evidence nul"),
        ("trailing dots...", "trailing dots"),
        ("many     spaces\u00a0here.pdf", "many spaces here.pdf"),
        ("Reflection.PDF", "Reflection.pdf"),
        # Look-alikes are normalised (NFKC) before the checks, so they are checked as what
        # they imitate: a full-width slash is a slash, a full-width dot a dot.
        ("..\uff0f..\uff0fetc\uff0fpasswd.txt", "passwd.txt"),
        ("\uff52\uff45\uff50\uff4f\uff52\uff54\uff0e\uff50\uff44\uff46", "report.pdf"),
        ("notes\ufe68evil.txt", "evil.txt"),
        ("a\u2215b\u2044c.txt", "a b c.txt"),
        ("\ufb01nal \u2460.txt", "final 1.txt"),
        ("\uff1cscript\uff1e.txt", "script.txt"),
    ],
)
def test_names_are_sanitised(given, expected):
    assert sanitise_filename(given) == expected


def test_long_names_are_shortened_keeping_their_ending():
    name = sanitise_filename("a" * 500 + ".docx")
    assert len(name) == filetypes.MAX_NAME_LENGTH
    assert name.endswith("a.docx")


def test_decomposed_accents_are_composed():
    assert sanitise_filename("Ame\u0301lie.pdf") == "Amélie.pdf"
