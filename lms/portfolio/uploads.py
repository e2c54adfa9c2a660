"""Taking in one uploaded file: stream it, check it, clean it, keep it — or keep nothing.

`accept_upload` is the only way a file becomes evidence. It knows nothing of the web or the
database: the caller says how large a file may be and how much of the person's space is left.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from lms.i18n import _
from lms.portfolio import document_metadata, filetypes, images, inspection, media
from lms.portfolio.antivirus import Clamd
from lms.portfolio.filetypes import FileKind, FileRefused
from lms.portfolio.storage import (
    EvidenceStorage,
    StagedFile,
    TooLarge,
    adopt,
    new_part_path,
    receive,
)

_DOCUMENTS = {"pdf"} | inspection.OFFICE_KINDS | inspection.OPENDOCUMENT_KINDS


@dataclass(frozen=True)
class AcceptedFile:
    sha256: str
    size: int
    filename: str
    media_type: str
    kind: str
    kind_label: str
    reencoded: bool = False
    # What could not be removed of the details that may name someone (for the assessor).
    metadata_warning: str | None = None


def describe_size(size: int) -> str:
    """Sizes as people say them: "12 MB", "800 KB"."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            value = size / scale
            return (
                f"{value:.0f} {unit}" if value >= 10 else f"{value:.1f} {unit}".replace(".0 ", " ")
            )
    return f"{size} bytes"


def too_large(max_bytes: int) -> str:
    return _(
        "This file is larger than %(size)s, the most we can accept. Please make it smaller "
        "(for a video, a shorter clip or a lower quality) and try again.",
        size=describe_size(max_bytes),
    )


def over_quota(left: int) -> str:
    return _(
        "This file would take you over the space you have for evidence (%(size)s left). "
        "Please make it smaller, or ask your coordinator about files you no longer need.",
        size=describe_size(max(left, 0)),
    )


def _check_document(storage: EvidenceStorage, staged: StagedFile, kind: FileKind) -> str | None:
    """Refuse a document that could act by itself or reach outside itself, then take out
    the details that name a person. Returns the warning for what could not be taken out."""
    if kind.key not in _DOCUMENTS:
        return None
    inspection.inspect(staged.path, kind)
    scratch = new_part_path(storage)
    try:
        cleaned = document_metadata.clean(staged.path, kind, scratch)
    finally:
        scratch.unlink(missing_ok=True)
    if cleaned.changed:
        fresh = adopt(staged.path)
        staged.sha256, staged.size = fresh.sha256, fresh.size
    return cleaned.warning


def accept_upload(
    storage: EvidenceStorage,
    stream: BinaryIO,
    filename: str | None,
    *,
    max_bytes: int,
    quota_remaining: int,
    scanner: Clamd | None = None,
) -> AcceptedFile:
    """Keep the file if it is allowed; otherwise raise `FileRefused` and keep nothing.

    With a `scanner`, the file as she sent it is checked by clamd before anything else."""
    name = filetypes.sanitise_filename(filename)
    limit = max(0, min(max_bytes, quota_remaining))
    try:
        staged = receive(storage, stream, limit=limit)
    except TooLarge:
        if quota_remaining < max_bytes:
            raise FileRefused(over_quota(quota_remaining)) from None
        raise FileRefused(too_large(max_bytes)) from None
    with staged:
        if scanner is not None:
            scanner.check(staged.path)
        kind = filetypes.identify(staged.path, name)
        name = filetypes.name_for(name, kind)
        warning = _check_document(storage, staged, kind)
        if kind.key == "isomedia" and media.strip_location(staged.path):
            # The same file, now without its location: its fingerprint has changed.
            fresh = adopt(staged.path)
            staged.sha256, staged.size = fresh.sha256, fresh.size
        if not kind.is_image:
            storage.keep(staged)
            return AcceptedFile(
                staged.sha256,
                staged.size,
                name,
                filetypes.media_type_for(name, kind),
                kind.key,
                kind.label,
                metadata_warning=warning,
            )
        cleaned, new_kind = images.reencode(storage, staged, kind)
    with cleaned:
        if new_kind is not kind:
            stem, _ = filetypes.split_extension(name)
            name = f"{stem}.{new_kind.extension}"
        storage.keep(cleaned)
        return AcceptedFile(
            cleaned.sha256,
            cleaned.size,
            name,
            new_kind.media_type,
            new_kind.key,
            new_kind.label,
            reencoded=True,
        )
