"""Which files may be evidence, decided by what is inside them, never by their name alone.

`identify(path, filename)` looks at a staged file's bytes and returns its `FileKind` from the
allow-list, or raises `FileRefused` with a reason in plain words. The name's ending must agree
with the content (a Word document called `report.pdf` is refused: it is usually the wrong
file, and sometimes a disguise). Zip-based formats are judged from the zip's central directory
and a capped read of one small part: nothing is unpacked, so a "zip bomb" costs nothing.

`sanitise_filename` turns whatever name the browser sent into a readable one that cannot name
a folder, hide an ending behind invisible characters, or upset another operating system.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import filetype

from lms.errors import DomainError
from lms.i18n import _, _l


def N_(text: str) -> str:  # noqa: N802 - the name gettext tools look for
    """A file kind's name, marked for translation: it is stored in English with the file and
    translated where it is shown (`_(kind_label)`)."""
    return text


HEAD_BYTES = 8192
MAX_ZIP_ENTRIES = 5000
MAX_ZIP_UNPACKED = 1024 * 1024 * 1024  # what the central directory says, added up
MAX_ZIP_RATIO = 200  # a document's parts compress well, but not a thousandfold
MAX_CONTENT_TYPES_BYTES = 512 * 1024


class FileRefused(DomainError):
    """This file cannot be evidence; the message says why and what would work."""

    def __init__(self, message: str, *, reason: str | None = None, detail: str | None = None):
        super().__init__(message, field="file")
        # A short code for the audit trail when the file looked hostile ("macros", "virus"),
        # and what the check found (a scanner's signature name), never shown to her.
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class FileKind:
    key: str
    label: str
    media_type: str
    extensions: tuple[str, ...]
    is_image: bool = False

    @property
    def extension(self) -> str:
        return self.extensions[0]


KINDS = {
    kind.key: kind
    for kind in [
        FileKind("pdf", N_("PDF document"), "application/pdf", ("pdf",)),
        FileKind(
            "docx",
            N_("Word document"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ("docx",),
        ),
        FileKind(
            "xlsx",
            N_("Excel spreadsheet"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ("xlsx",),
        ),
        FileKind(
            "pptx",
            N_("PowerPoint presentation"),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            ("pptx",),
        ),
        FileKind(
            "odt", N_("OpenDocument text"), "application/vnd.oasis.opendocument.text", ("odt",)
        ),
        FileKind(
            "ods",
            N_("OpenDocument spreadsheet"),
            "application/vnd.oasis.opendocument.spreadsheet",
            ("ods",),
        ),
        FileKind(
            "odp",
            N_("OpenDocument presentation"),
            "application/vnd.oasis.opendocument.presentation",
            ("odp",),
        ),
        FileKind("text", N_("Plain text"), "text/plain; charset=utf-8", ("txt", "text", "md")),
        FileKind("jpeg", N_("JPEG photo"), "image/jpeg", ("jpg", "jpeg"), is_image=True),
        FileKind("png", N_("PNG picture"), "image/png", ("png",), is_image=True),
        FileKind("gif", N_("GIF picture"), "image/gif", ("gif",), is_image=True),
        FileKind("webp", N_("WebP picture"), "image/webp", ("webp",), is_image=True),
        FileKind("heic", N_("HEIC photo"), "image/heic", ("heic", "heif"), is_image=True),
        FileKind("mp3", N_("MP3 audio"), "audio/mpeg", ("mp3",)),
        # Phones label the same ISO media container .mp4, .m4a or .mov; they are one kind here.
        FileKind("isomedia", N_("MP4 audio or video"), "video/mp4", ("mp4", "m4a", "m4v", "mov")),
        FileKind("wav", N_("WAV audio"), "audio/wav", ("wav",)),
        FileKind("ogg", N_("Ogg audio or video"), "audio/ogg", ("ogg", "oga", "ogv", "opus")),
        FileKind("webm", N_("WebM audio or video"), "video/webm", ("webm",)),
    ]
}
ALLOWED_EXTENSIONS = frozenset(ext for kind in KINDS.values() for ext in kind.extensions)
ACCEPTED_SUMMARY = _l(
    "You can upload PDF, Word, Excel and PowerPoint files, OpenDocument files, plain text, "
    "photos and pictures (JPEG, PNG, GIF, WebP, HEIC), and audio or video recordings "
    "(MP3, MP4, M4A, MOV, WAV, Ogg, WebM)."
)
_EXTENSION_MEDIA_TYPES = {"m4a": "audio/mp4", "mov": "video/quicktime", "ogv": "video/ogg"}

# filetype's verdicts that we accept, and the kind each one is.
_FILETYPE_KINDS = {
    "application/pdf": "pdf",
    "image/jpeg": "jpeg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/heic": "heic",
    "audio/mpeg": "mp3",
    "audio/mp4": "isomedia",
    "video/mp4": "isomedia",
    "video/x-m4v": "isomedia",
    "video/quicktime": "isomedia",
    "audio/x-wav": "wav",
    "audio/ogg": "ogg",
    "video/webm": "webm",
}
_PROGRAM_MEDIA_TYPES = {
    "application/x-msdownload",
    "application/x-executable",
    "application/x-shockwave-flash",
    "application/wasm",
    "application/x-google-chrome-extension",
    "application/x-deb",
    "application/x-rpm",
}
_PROGRAM_SIGNATURES = (
    b"MZ",  # Windows programs
    b"\x7fELF",  # Linux programs
    b"\xfe\xed\xfa\xce",  # macOS programs, in their four byte orders
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",  # scripts
)
_MARKUP = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*<(?:!doctype|html|head|body|script|svg|\?xml)", re.I)
_OOXML_MAIN_TYPES = {
    "docx": b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "pptx": b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
_ODF_TYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.presentation": "odp",
}

# --- names --------------------------------------------------------------------------------------

_NOT_IN_NAMES = set('<>:"/\\|?*')
# Characters that look like a slash or a backslash and that NFKC leaves as they are.
_SLASH_LOOKALIKES = set("\u2215\u2044\u29f8\u29f9\u2216\u244a\u3033\u30fb")
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {
    f"{p}{n}" for p in ("com", "lpt") for n in "123456789"
}
MAX_NAME_LENGTH = 120


def split_extension(name: str) -> tuple[str, str]:
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or " " in extension or len(extension) > 10:
        return name, ""
    return stem, extension.lower()


def sanitise_filename(name: str | None, default: str = "evidence") -> str:
    """A safe, readable file name: the last part of any path, no control or invisible
    characters (a right-to-left override can disguise `gpj.exe` as `exe.jpg`), no characters
    other systems forbid, no leading dots, and not too long.

    The name is normalised (NFKC) before anything else, so that look-alikes (a full-width
    slash or dot, ligatures) become the characters they imitate and are checked as those;
    the slash look-alikes that NFKC keeps become spaces."""
    name = unicodedata.normalize("NFKC", name or "")
    name = "".join(" " if character in _SLASH_LOOKALIKES else character for character in name)
    name = re.split(r"[/\\]", name)[-1]
    characters = []
    for character in name:
        category = unicodedata.category(character)
        if category.startswith("C"):
            continue
        characters.append(
            " " if category.startswith("Z") or character in _NOT_IN_NAMES else character
        )
    name = re.sub(r"\s+", " ", "".join(characters)).strip(" .")
    stem, extension = split_extension(name)
    stem = stem.strip(" .")
    if not stem or stem.lower() in _WINDOWS_RESERVED:
        stem = f"{default} {stem}".strip() if stem else default
    room = MAX_NAME_LENGTH - (len(extension) + 1 if extension else 0)
    stem = stem[:room].rstrip(" .")
    return f"{stem}.{extension}" if extension else stem


def name_for(filename: str, kind: FileKind) -> str:
    """The sanitised name, with the kind's usual ending added when it had none."""
    _name, extension = split_extension(filename)
    if extension in kind.extensions:
        return filename
    return f"{filename}.{kind.extension}"


def media_type_for(filename: str, kind: FileKind) -> str:
    _name, extension = split_extension(filename)
    if kind.key in ("isomedia", "ogg"):
        return _EXTENSION_MEDIA_TYPES.get(extension, kind.media_type)
    return kind.media_type


# --- content ------------------------------------------------------------------------------------


def _refuse_unsafe_archive(entries: list[zipfile.ZipInfo]) -> None:
    """Judged from the archive's directory alone, before anything is unpacked."""
    if len(entries) > MAX_ZIP_ENTRIES:
        raise FileRefused(
            _("This file holds far more parts than a document does."), reason="zip-bomb"
        )
    unpacked = sum(entry.file_size for entry in entries)
    packed = sum(entry.compress_size for entry in entries)
    if unpacked > MAX_ZIP_UNPACKED or unpacked > MAX_ZIP_RATIO * max(packed, 1):
        raise FileRefused(
            _(
                "This file would unpack to far more than its own size, which documents never "
                "do, so we cannot accept it."
            ),
            reason="zip-bomb",
        )


def _opendocument_kind(
    archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], names: dict[str, zipfile.ZipInfo]
) -> str | None:
    """OpenDocument names its kind in a small `mimetype` part that must come first."""
    mimetype = names.get("mimetype")
    if mimetype is not None and entries[0] is mimetype and mimetype.file_size < 100:
        return _ODF_TYPES.get(archive.read(mimetype).strip())
    return None


def _office_kind(archive: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo]) -> str | None:
    """Office Open XML declares its main part in `[Content_Types].xml`; macros are refused."""
    content_types = names.get("[Content_Types].xml")
    if content_types is None or content_types.file_size > MAX_CONTENT_TYPES_BYTES:
        return None
    with archive.open(content_types) as handle:
        declared = handle.read(MAX_CONTENT_TYPES_BYTES + 1)
    if b"macroEnabled" in declared or any(
        name.lower().endswith("vbaproject.bin") for name in names
    ):
        raise FileRefused(
            _(
                "This document contains macros (small programs), which we cannot accept. "
                "Please save it as an ordinary document (.docx, .xlsx or .pptx) or as a PDF."
            ),
            reason="macros",
        )
    for kind, main_type in _OOXML_MAIN_TYPES.items():
        if main_type in declared:
            return kind
    return None


def _zip_kind(path: Path) -> str:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileRefused(
            _(
                "This file looks like a damaged document, so we cannot accept it. "
                "Please open it, save it again and upload the new copy."
            )
        ) from None
    with archive:
        entries = archive.infolist()
        _refuse_unsafe_archive(entries)
        names = {entry.filename: entry for entry in entries}
        kind = _opendocument_kind(archive, entries, names) or _office_kind(archive, names)
        if kind:
            return kind
    raise FileRefused(
        _(
            "Zip files and other archives cannot be evidence. "
            "Please upload the documents inside it one at a time."
        )
    )


def _is_utf8_text(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(64 * 1024):
                if b"\x00" in chunk:
                    return False
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _content_kind(path: Path, head: bytes) -> FileKind:
    if head.startswith(_PROGRAM_SIGNATURES):
        raise FileRefused(
            _("Programs and scripts cannot be uploaded as evidence."), reason="program"
        )
    if head.startswith(b"PK\x03\x04"):
        return KINDS[_zip_kind(path)]
    guess = filetype.guess(head)
    if guess is not None:
        if guess.mime in _PROGRAM_MEDIA_TYPES:
            raise FileRefused(
                _("Programs and scripts cannot be uploaded as evidence."), reason="program"
            )
        if guess.mime in _FILETYPE_KINDS:
            return KINDS[_FILETYPE_KINDS[guess.mime]]
        raise FileRefused(
            _(
                "We cannot accept files of this type (%(type)s). %(accepted)s",
                type=guess.extension.upper(),
                accepted=ACCEPTED_SUMMARY,
            )
        )
    if _is_utf8_text(path):
        if _MARKUP.match(head):
            raise FileRefused(
                _(
                    "Web pages and SVG pictures cannot be uploaded as evidence. "
                    "Please save it as a PDF or a plain text file instead."
                )
            )
        return KINDS["text"]
    raise FileRefused(
        _(
            "We could not recognise what kind of file this is. %(accepted)s",
            accepted=ACCEPTED_SUMMARY,
        )
    )


def identify(path: Path, filename: str) -> FileKind:
    """The kind of the staged file at `path`, called `filename` (already sanitised)."""
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
    if not head:
        raise FileRefused(_("This file is empty. Please check you chose the right one."))
    _name, extension = split_extension(filename)
    if extension and extension not in ALLOWED_EXTENSIONS:
        raise FileRefused(
            _(
                "Files ending in .%(extension)s cannot be evidence. %(accepted)s",
                extension=extension,
                accepted=ACCEPTED_SUMMARY,
            )
        )
    kind = _content_kind(path, head)
    if extension and extension not in kind.extensions:
        raise FileRefused(
            _(
                "This file is called “%(filename)s”, but its contents are of another kind "
                "(%(kind)s). Please check you chose the right file, or save it again with "
                "the right ending.",
                filename=filename,
                kind=_(kind.label),
            )
        )
    return kind
