"""Documents are kept without the hidden details that name a person, as photos are.

Word processors write the author's name into every file: "Author: <her real name>" would
otherwise travel with her evidence to every assessor and verifier. Before a document is kept:

* **PDF**: the document information dictionary (`/Info`: author, creator, title, dates) and
  every XMP packet (`/Metadata`, on the catalogue and on pages) and application data
  (`/PieceInfo`) are left out of a rewritten copy; objects nothing refers to any more are
  dropped too, so the old values are not left in the file. A signed PDF is not rewritten
  (that would break its signature), nor one with a password.
* **Office Open XML**: `docProps/core.xml` (creator, last modified by) and `docProps/app.xml`
  (company, manager, hyperlink base) have those values emptied, and the archive is written
  again part by part, streaming.
* **OpenDocument**: `meta.xml` has its initial creator, creator, "printed by" and the values
  of user-defined fields emptied.

What cannot be removed safely is not guessed at: `clean` returns a plain warning for the
assessor instead (a signed or protected PDF, comments and tracked changes that carry their
authors' names, photos inside the document with their own details, custom properties).
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from lms.i18n import _, _l
from lms.portfolio import inspection
from lms.portfolio.filetypes import FileKind, FileRefused

MAX_META_BYTES = 1024 * 1024
PHOTO_HEAD = 64 * 1024

# (part, local names of the elements whose text is a person's or an organisation's name)
_OFFICE_FIELDS = {
    "docProps/core.xml": (b"creator", b"lastModifiedBy"),
    "docProps/app.xml": (b"Company", b"Manager", b"HyperlinkBase"),
}
_OPENDOCUMENT_FIELDS = {
    "meta.xml": (b"initial-creator", b"creator", b"printed-by", b"user-defined")
}

_AUTHORS_IN_PARTS = re.compile(
    rb"\b(?:[a-z0-9]+:)?(?:author|initials|displayname|username)\s*=\s*\"[^\"]+"
    rb"|<(?:[a-z0-9]+:)?author>\s*[^<\s]"
    rb"|<office:annotation\b|<office:change-info\b"
)
_PDF_MARKUP = {
    "/Text",
    "/FreeText",
    "/Highlight",
    "/Underline",
    "/StrikeOut",
    "/Squiggly",
    "/Ink",
    "/Stamp",
    "/Square",
    "/Circle",
    "/Line",
    "/Polygon",
    "/PolyLine",
    "/Caret",
}

WARNINGS = {
    "pdf-signed": _l("it is a signed PDF, which cannot be changed without breaking the signature"),
    "pdf-protected": _l("it is a protected PDF, which we could not rewrite"),
    "pdf-unwritable": _l("we could not rewrite this PDF without risking its contents"),
    "annotations": _l(
        "its comments or tracked changes carry the names of the people who made them"
    ),
    "photos": _l("photos inside it may carry their own details, such as where they were taken"),
    "custom": _l("it has custom properties that may name someone"),
    "metadata": _l("its document properties could not be emptied safely"),
}


@dataclass(frozen=True)
class Cleaned:
    changed: bool = False
    warning: str | None = None


def warning_text(codes: list[str]) -> str | None:
    """The sentence the assessor reads, or None when nothing was left behind."""
    if not codes:
        return None
    return _(
        "This file may still name someone: %(details)s.",
        details="; ".join(str(WARNINGS[c]) for c in codes),
    )


def clean(path: Path, kind: FileKind, scratch: Path) -> Cleaned:
    """Remove personal metadata from the document at `path` in place (by writing `scratch`
    and moving it over `path`). Returns whether it changed and what could not be removed."""
    if kind.key == "pdf":
        return _clean_pdf(path, scratch)
    if kind.key in inspection.OFFICE_KINDS:
        return _clean_archive(path, scratch, _OFFICE_FIELDS, office=True)
    if kind.key in inspection.OPENDOCUMENT_KINDS:
        return _clean_archive(path, scratch, _OPENDOCUMENT_FIELDS, office=False)
    return Cleaned()


# --- XML parts -----------------------------------------------------------------------------------


def _blank(data: bytes, names: tuple[bytes, ...]) -> bytes:
    """`data` with the text of every element called one of `names` (any prefix) emptied."""
    for name in names:
        pattern = re.compile(
            rb"(<((?:[A-Za-z_][\w.-]*:)?" + re.escape(name) + rb")\b[^>]*?)(?<!/)>(.*?)</\2\s*>",
            re.S,
        )
        data = pattern.sub(rb"\1></\2>", data)
    return data


def _still_named(data: bytes, names: tuple[bytes, ...]) -> bool:
    """Whether any element called one of `names` still has text (or cannot be read at all).
    Safe to parse: `inspection` has refused any part declaring a DOCTYPE or entities."""
    try:
        root = ElementTree.fromstring(data)  # noqa: S314 - no DOCTYPE, checked before
    except ElementTree.ParseError:
        return True
    wanted = {n.decode() for n in names}
    return any(
        element.tag.rsplit("}", 1)[-1] in wanted and "".join(element.itertext()).strip()
        for element in root.iter()
    )


def _clean_part(data: bytes, names: tuple[bytes, ...]) -> bytes | None:
    """The part without the names, or None when that could not be done safely."""
    blanked = _blank(data, names)
    return None if _still_named(blanked, names) else blanked


# --- archives ------------------------------------------------------------------------------------


def _has_photo_details(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bool:
    with archive.open(entry) as handle:
        head = handle.read(PHOTO_HEAD)
    if head.startswith(b"\xff\xd8"):
        return b"Exif\x00\x00" in head or b"http://ns.adobe.com/xap/" in head
    if head.startswith(b"\x89PNG"):
        return b"eXIf" in head or b"iTXtXML:com.adobe.xmp" in head
    return False


def _left_behind(archive: zipfile.ZipFile, fields: dict, office: bool) -> list[str]:
    codes = []
    entries = [e for e in archive.infolist() if not e.filename.endswith("/")]
    xml_parts = [e for e in entries if e.filename.lower().endswith(".xml")]
    if any(
        any(_AUTHORS_IN_PARTS.search(text) for text in inspection.chunks(archive, entry))
        for entry in xml_parts
        if entry.filename not in fields
    ):
        codes.append("annotations")
    if any(_has_photo_details(archive, entry) for entry in entries if entry.file_size):
        codes.append("photos")
    if office and any(e.filename == "docProps/custom.xml" for e in entries):
        codes.append("custom")
    return codes


def _rewrite(archive: zipfile.ZipFile, scratch: Path, replacements: dict[str, bytes]) -> None:
    """Write the archive again into `scratch`, part by part, in the same order and with the
    same compression (OpenDocument's `mimetype` stays first and uncompressed)."""
    with zipfile.ZipFile(scratch, "w") as out:
        for entry in archive.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=entry.date_time)
            info.compress_type = entry.compress_type
            info.external_attr = 0o644 << 16
            if entry.filename in replacements:
                out.writestr(info, replacements[entry.filename])
                continue
            # Known sizes let zipfile add Zip64 fields only to parts that need them (an
            # OpenDocument's `mimetype` must have no extra field at all).
            info.file_size = entry.file_size
            with archive.open(entry) as source, out.open(info, "w") as target:
                while chunk := source.read(inspection.CHUNK):
                    target.write(chunk)


def _clean_archive(path: Path, scratch: Path, fields: dict, *, office: bool) -> Cleaned:
    with zipfile.ZipFile(path) as archive:
        present = {e.filename: e for e in archive.infolist()}
        replacements, codes = {}, []
        for name, names in fields.items():
            entry = present.get(name)
            if entry is None:
                continue
            if entry.file_size > MAX_META_BYTES:
                codes.append("metadata")
                continue
            data = archive.read(entry)
            cleaned = _clean_part(data, names)
            if cleaned is None:
                codes.append("metadata")
            elif cleaned != data:
                replacements[name] = cleaned
        codes += _left_behind(archive, fields, office)
        if replacements:
            _rewrite(archive, scratch, replacements)
    if replacements:
        os.replace(scratch, path)
    return Cleaned(changed=bool(replacements), warning=warning_text(codes))


# --- PDF -----------------------------------------------------------------------------------------


def _pdf_state(reader) -> tuple[bool, bool, bool]:
    """(has metadata to remove, is signed, has markup annotations with an author)."""
    from pypdf.generic import DictionaryObject

    has_metadata = "/Info" in reader.trailer or "/Metadata" in reader.trailer["/Root"]
    signed = authors = False
    for value in inspection.pdf_objects(reader):
        if not isinstance(value, DictionaryObject):
            continue
        if "/Metadata" in value or "/PieceInfo" in value:
            has_metadata = True
        if value.get("/Type") == "/Sig" or "/ByteRange" in value:
            signed = True
        if value.get("/Subtype") in _PDF_MARKUP and "/T" in value:
            authors = True
    return has_metadata, signed, authors


def _write_pdf(reader, scratch: Path) -> None:
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject

    writer = PdfWriter(clone_from=reader)
    writer.metadata = None
    for number in range(len(writer._objects)):
        value = writer._objects[number]
        if isinstance(value, DictionaryObject):
            for key in ("/Metadata", "/PieceInfo"):
                if key in value:
                    del value[key]
    writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
    with open(scratch, "wb") as out:
        writer.write(out)


def _clean_pdf(path: Path, scratch: Path) -> Cleaned:
    from pypdf.errors import PyPdfError

    reader = inspection.open_pdf(path)
    has_metadata, signed, authors = _pdf_state(reader)
    codes = ["annotations"] if authors else []
    if not has_metadata:
        return Cleaned(warning=warning_text(codes))
    if signed or reader.is_encrypted:
        return Cleaned(warning=warning_text(["pdf-signed" if signed else "pdf-protected", *codes]))
    try:
        _write_pdf(reader, scratch)
        written = inspection.open_pdf(scratch)
        if _pdf_state(written)[0] or len(written.pages) != len(reader.pages):
            raise ValueError("metadata left behind")
    except (FileRefused, PyPdfError, ValueError, KeyError, TypeError, RecursionError, OSError):
        scratch.unlink(missing_ok=True)
        return Cleaned(warning=warning_text(["pdf-unwritable", *codes]))
    except Exception:
        scratch.unlink(missing_ok=True)
        raise
    os.replace(scratch, path)
    return Cleaned(changed=True, warning=warning_text(codes))
