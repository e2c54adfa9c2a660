"""Looking inside documents before they are kept: Office and OpenDocument files as archives,
PDFs as their objects. Nothing is unpacked to disk and nothing inside is run.

`inspect(path, kind)` raises `FileRefused` with a plain reason (and a short `reason` code for
the audit trail) when a document could do something by itself or reach outside itself:

* **Office and OpenDocument** (zip archives): parts named to escape the archive (`..` with
  either slash, an absolute or drive path), symbolic links, two parts with one name, archives
  inside the archive (an embedded zip, spreadsheet or package), programs and OLE objects,
  macros (VBA, ActiveX, OpenDocument Basic and scripts, script event listeners), XML that
  declares a DOCTYPE or entities (the way to "billion laughs" and to reading other files), and
  anything fetched from elsewhere when the document opens: a remote template, a linked picture
  or frame, an OpenDocument section or image from a web address, DDE and INCLUDE fields.
  Ordinary hyperlinks, which nothing follows without a click, are allowed.
* **PDF**: JavaScript, launch actions, actions that run by themselves (`/AA`, an `/OpenAction`
  that is not a plain "go to page"), attached or embedded files, rich media (Flash and
  the like) and XFA forms. A PDF locked with a password cannot be checked and is refused.

Sizes were already checked from the archive's directory by `filetypes.identify` (too many
parts, too much unpacked, too high a ratio); here every read is streamed in chunks and stops
at what the directory declared.
"""

from __future__ import annotations

import re
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

from lms.i18n import _l
from lms.portfolio.filetypes import FileKind, FileRefused

CHUNK = 1024 * 1024
OVERLAP = 64 * 1024  # a pattern cut in two by a chunk boundary is seen whole in the next read
MAX_RELS_BYTES = 4 * 1024 * 1024
MAX_PDF_OBJECTS = 500_000
# One part that unpacks to over 10 MB at more than 500 to 1 is made to be unpacked, not read.
MAX_PART_RATIO = 500
LARGE_PART = 10 * 1024 * 1024

MESSAGES = {
    "unsafe-path": _l(
        "Part of this document is stored under a name that points outside it, which documents"
        " never do, so we cannot accept it. Please save it again as an ordinary document, or "
        "as a PDF, and upload that copy."
    ),
    "symlink": _l(
        "This document contains a shortcut to another file, which documents never do, so we "
        "cannot accept it. Please save it again as an ordinary document, or as a PDF, and "
        "upload that copy."
    ),
    "zip-bomb": _l(
        "This file would unpack to far more than its own size, which documents never do, so "
        "we cannot accept it."
    ),
    "duplicate-part": _l(
        "This document holds two different parts with the same name, which documents never "
        "do, so we cannot accept it. Please save it again as an ordinary document, or as a "
        "PDF, and upload that copy."
    ),
    "nested-archive": _l(
        "This document has another file packed inside it (such as a zip file or an embedded "
        "spreadsheet), which we cannot accept. Please save it again as an ordinary document, "
        "or as a PDF, and upload that copy."
    ),
    "executable": _l(
        "This document has a program or an embedded object inside it, which we cannot accept."
        " Please save it again as an ordinary document, or as a PDF, and upload that copy."
    ),
    "macros": _l(
        "This document contains macros (small programs), which we cannot accept. Please save "
        "it again as an ordinary document, or as a PDF, and upload that copy."
    ),
    "xml-entities": _l(
        "This document contains XML declarations (a DOCTYPE or entities) that ordinary "
        "documents don't have, so we cannot accept it. Please save it again as an ordinary "
        "document, or as a PDF, and upload that copy."
    ),
    "external-content": _l(
        "This document fetches something from elsewhere when it is opened (such as a template"
        " or a linked picture), which we cannot accept. Please save it again as an ordinary "
        "document, or as a PDF, and upload that copy."
    ),
    "pdf-javascript": _l(
        "This PDF contains JavaScript (small programs), which we cannot accept. Please print "
        "it to a new PDF (choose “Save as PDF” when printing) and upload that copy."
    ),
    "pdf-launch": _l(
        "This PDF tries to open other programs or files, which we cannot accept. Please print"
        " it to a new PDF (choose “Save as PDF” when printing) and upload that copy."
    ),
    "pdf-automatic-action": _l(
        "This PDF is set to do things by itself when it is opened, which we cannot accept. "
        "Please print it to a new PDF (choose “Save as PDF” when printing) and upload that "
        "copy."
    ),
    "pdf-embedded-file": _l(
        "This PDF has other files attached inside it, which we cannot accept. Please upload "
        "the attached files separately, and a copy of the PDF without them."
    ),
    "pdf-rich-media": _l(
        "This PDF contains embedded media such as Flash, which we cannot accept. Please print"
        " it to a new PDF (choose “Save as PDF” when printing) and upload that copy."
    ),
    "pdf-xfa": _l(
        "This PDF is a special kind of form (XFA) that can run programs, so we cannot accept "
        "it. Please print it to a new PDF (choose “Save as PDF” when printing) and upload "
        "that copy."
    ),
    "pdf-password": _l(
        "This PDF is protected with a password, so we cannot check it. Please upload a copy "
        "without the password."
    ),
    "pdf-damaged": _l(
        "We could not read this PDF; it may be damaged. Please save it again (or print it to "
        "a new PDF) and upload the new copy."
    ),
}


def refuse(reason: str) -> FileRefused:
    return FileRefused(str(MESSAGES[reason]), reason=reason)


def inspect(path: Path, kind: FileKind) -> None:
    """Refuse the staged document at `path` (already identified as `kind`) if it is unsafe."""
    if kind.key == "pdf":
        inspect_pdf(path)
    elif kind.key in OFFICE_KINDS or kind.key in OPENDOCUMENT_KINDS:
        inspect_archive(path, kind)


# --- archives ------------------------------------------------------------------------------------

OFFICE_KINDS = frozenset({"docx", "xlsx", "pptx"})
OPENDOCUMENT_KINDS = frozenset({"odt", "ods", "odp"})

_ARCHIVE_SIGNATURES = (
    b"PK\x03\x04",  # zip, and every Office or OpenDocument file
    b"PK\x05\x06",
    b"Rar!",
    b"7z\xbc\xaf\x27\x1c",
    b"\x1f\x8b",  # gzip
    b"BZh",
    b"\xfd7zXZ\x00",
    b"MSCF",  # cabinet
    b"\x28\xb5\x2f\xfd",  # zstd
)
_ARCHIVE_ENDINGS = frozenset(
    re.findall(
        r"\w+",
        "zip rar 7z gz tgz bz2 xz tar cab jar zst lz lzma iso dmg apk "
        "docx docm dotx dotm xlsx xlsm xltx xltm xlsb pptx pptm potx potm ppsx ppsm "
        "odt ods odp odg ott ots otp",
    )
)
_PROGRAM_SIGNATURES = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # OLE compound file: embedded objects, old Office, VBA
)
_PROGRAM_ENDINGS = frozenset(
    re.findall(
        r"\w+",
        "exe dll scr com bat cmd msi msp ps1 psm1 vbs vbe js jse wsf wsh hta lnk pif cpl jar "
        "sh app deb rpm so dylib elf",
    )
)
_DRIVE = re.compile(r"^[A-Za-z]:")

# Patterns looked for in every XML part, on its bytes with any NUL bytes taken out and
# lowercased (so UTF-16 parts are read too).
_DECLARATIONS = re.compile(rb"<!doctype|<!entity")
_OFFICE_MACRO_PARTS = re.compile(r"(^|/)(vbaproject\.bin|vbadata\.xml|activex[^/]*)$|/activex/")
_OFFICE_FIELDS = re.compile(
    rb"instr(?:text)?[^>]*>\s*(?:ddeauto|dde|includetext|includepicture)\b"
    rb"|instr=\"\s*(?:ddeauto|dde|includetext|includepicture)\b"
)
_ODF_MACRO_MARKERS = re.compile(
    rb"<script:event-listener|vnd\.sun\.star\.script:|macro:/{2,3}|<office:script\b"
)
_ODF_LINK = re.compile(rb"<([a-z0-9_.-]+:[a-z0-9_.-]+)\b[^<>]*?\bxlink:href\s*=\s*[\"']([^\"']*)")
_ODF_SOURCE = re.compile(rb"<(?:office:dde-source|table:table-source|text:section-source)\b")
_REMOTE = re.compile(rb"^\s*(?:https?:|ftps?:|file:|smb:|webdavs?:|davs?:|//|\\\\)")
_ODF_HYPERLINKS = frozenset({b"text:a", b"draw:a"})
_RELATIONSHIP = re.compile(rb"<(?:[a-z0-9]+:)?relationship\b([^>]*)>", re.I)
_ATTRIBUTE = re.compile(rb"([a-z0-9:]+)\s*=\s*[\"']([^\"']*)[\"']", re.I)


def _name_problem(entry: zipfile.ZipInfo) -> str | None:
    name = entry.filename.replace("\\", "/")
    if name.startswith("/") or _DRIVE.match(name) or ".." in name.split("/"):
        return "unsafe-path"
    if entry.create_system == 3 and stat.S_ISLNK(entry.external_attr >> 16):
        return "symlink"
    if entry.file_size > LARGE_PART and entry.file_size > MAX_PART_RATIO * entry.compress_size:
        return "zip-bomb"
    return None


def _head(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, size: int = 16) -> bytes:
    with archive.open(entry) as handle:
        return handle.read(size)


def _ending(name: str) -> str:
    last = name.rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[-1].lower() if "." in last else ""


def _content_problem(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> str | None:
    """What the part is, judged by its ending and its first bytes."""
    ending = _ending(entry.filename)
    lower = entry.filename.lower()
    if _OFFICE_MACRO_PARTS.search(lower):
        return "macros"
    if "oleobject" in lower:
        return "executable"
    if ending in _ARCHIVE_ENDINGS:
        return "nested-archive"
    if ending in _PROGRAM_ENDINGS:
        return "executable"
    head = _head(archive, entry) if entry.file_size else b""
    if head.startswith(_ARCHIVE_SIGNATURES):
        return "nested-archive"
    if head.startswith(_PROGRAM_SIGNATURES):
        return "executable"
    return None


def chunks(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes, NULs removed and lowercased, in overlapping chunks."""
    tail = b""
    with archive.open(entry) as handle:
        while chunk := handle.read(CHUNK):
            text = tail + chunk.replace(b"\x00", b"").lower()
            yield text
            tail = text[-OVERLAP:]


def _xml_problem(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, opendocument: bool):
    office_fields = not opendocument and entry.filename.startswith("word/")
    for text in chunks(archive, entry):
        if _DECLARATIONS.search(text):
            return "xml-entities"
        if office_fields and _OFFICE_FIELDS.search(text):
            return "external-content"
        if opendocument and (problem := _opendocument_xml_problem(text)):
            return problem
    return None


def _opendocument_xml_problem(text: bytes) -> str | None:
    if _ODF_MACRO_MARKERS.search(text):
        return "macros"
    if _ODF_SOURCE.search(text):
        return "external-content"
    for element, target in _ODF_LINK.findall(text):
        if element in _ODF_HYPERLINKS:
            continue
        if _REMOTE.match(target):
            return "external-content"
    return None


def _relationships_problem(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> str | None:
    """Office parts point at one another in `.rels` files; an external target is fetched
    when the document opens, unless it is a hyperlink."""
    if entry.file_size > MAX_RELS_BYTES:
        return "external-content"
    with archive.open(entry) as handle:
        data = handle.read(MAX_RELS_BYTES).replace(b"\x00", b"")
    if _DECLARATIONS.search(data.lower()):
        return "xml-entities"
    for attributes in _RELATIONSHIP.findall(data):
        values = {key.lower(): value for key, value in _ATTRIBUTE.findall(attributes)}
        kind = values.get(b"type", b"").rsplit(b"/", 1)[-1].lower()
        if kind in (b"oleobject", b"package", b"control"):
            return "executable"
        if kind in (b"vbaproject", b"wordvbadata"):
            return "macros"
        if values.get(b"targetmode", b"").lower() == b"external" and kind != b"hyperlink":
            return "external-content"
    return None


def _opendocument_part_problem(name: str) -> str | None:
    lower = name.lower()
    if lower.startswith(("basic/", "scripts/")):
        return "macros"
    return None


def _part_problem(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, opendocument: bool):
    name = entry.filename
    if name.endswith("/"):
        return None
    if opendocument and (problem := _opendocument_part_problem(name)):
        return problem
    if problem := _content_problem(archive, entry):
        return problem
    lower = name.lower()
    if lower.endswith(".rels"):
        return _relationships_problem(archive, entry)
    if lower.endswith((".xml", ".rdf", ".vml")):
        return _xml_problem(archive, entry, opendocument)
    return None


def inspect_archive(path: Path, kind: FileKind) -> None:
    opendocument = kind.key in OPENDOCUMENT_KINDS
    with zipfile.ZipFile(path) as archive:
        entries = archive.infolist()
        seen: set[str] = set()
        for entry in entries:
            if problem := _name_problem(entry):
                raise refuse(problem)
            key = entry.filename.replace("\\", "/").lower()
            if key in seen:
                raise refuse("duplicate-part")
            seen.add(key)
        for entry in entries:
            if problem := _part_problem(archive, entry, opendocument):
                raise refuse(problem)


# --- PDF -----------------------------------------------------------------------------------------

_PDF_ACTIONS = {
    "/JavaScript": "pdf-javascript",
    "/Launch": "pdf-launch",
    "/ImportData": "pdf-launch",
    "/GoToE": "pdf-embedded-file",
    "/RichMediaExecute": "pdf-rich-media",
}
_PDF_KEYS = {
    "/JS": "pdf-javascript",
    "/JavaScript": "pdf-javascript",
    "/AA": "pdf-automatic-action",
    "/EmbeddedFiles": "pdf-embedded-file",
    "/EF": "pdf-embedded-file",
    "/RichMediaContent": "pdf-rich-media",
    "/RichMediaSettings": "pdf-rich-media",
    "/XFA": "pdf-xfa",
}
_PDF_SUBTYPES = {
    "/FileAttachment": "pdf-embedded-file",
    "/RichMedia": "pdf-rich-media",
    "/Movie": "pdf-rich-media",
    "/Sound": "pdf-rich-media",
    "/Screen": "pdf-rich-media",
}
_PDF_TYPES = {"/EmbeddedFile": "pdf-embedded-file"}


def _dictionary_problem(dictionary) -> str | None:
    for key, reason in _PDF_KEYS.items():
        if key in dictionary:
            return reason
    action = dictionary.get("/S")
    if action in _PDF_ACTIONS:
        return _PDF_ACTIONS[action]
    if dictionary.get("/Subtype") in _PDF_SUBTYPES:
        return _PDF_SUBTYPES[dictionary.get("/Subtype")]
    if dictionary.get("/Type") in _PDF_TYPES:
        return _PDF_TYPES[dictionary.get("/Type")]
    opening = dictionary.get("/OpenAction")
    if opening is not None:
        opening = opening.get_object()
        if hasattr(opening, "keys") and opening.get("/S") not in (None, "/GoTo"):
            return _dictionary_problem(opening) or "pdf-automatic-action"
    return None


def _direct_problem(value, depth: int = 0) -> str | None:
    """Look through a PDF object and what it holds directly (references are visited on
    their own, as every object in the file is)."""
    from pypdf.generic import ArrayObject, DictionaryObject

    if depth > 64:
        return "pdf-damaged"
    if isinstance(value, DictionaryObject):
        if problem := _dictionary_problem(value):
            return problem
        children = value.values()
    elif isinstance(value, ArrayObject):
        children = value
    else:
        return None
    for child in children:
        if problem := _direct_problem(child, depth + 1):
            return problem
    return None


def pdf_objects(reader) -> Iterator:
    """Every object the file holds, referenced or not (a stray object is looked at too)."""
    from pypdf.generic import IndirectObject

    yield reader.trailer
    numbers = [(n, g) for g, objects in reader.xref.items() for n in objects]
    numbers += [(n, 0) for n in reader.xref_objStm]
    if len(numbers) > MAX_PDF_OBJECTS:
        raise refuse("pdf-damaged")
    for number, generation in numbers:
        yield reader.get_object(IndirectObject(number, generation, reader))


def open_pdf(path: Path):
    """A pypdf reader for the file, decrypted when it has no password; or a refusal."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise refuse("pdf-password")
    except FileRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError):
        raise refuse("pdf-damaged") from None
    return reader


def inspect_pdf(path: Path) -> None:
    from pypdf.errors import PyPdfError

    reader = open_pdf(path)
    try:
        for value in pdf_objects(reader):
            if problem := _direct_problem(value):
                raise refuse(problem)
    except FileRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError):
        raise refuse("pdf-damaged") from None
