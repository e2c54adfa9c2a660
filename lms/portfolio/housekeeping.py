"""Checking the evidence store against the database: `flask --app app evidence check`.

Every `EvidenceFile` row must have its file, and every kept file must have a row. What can be
wrong, and what `--sweep` does about it:

* **A file no row names** (an orphan): a kept object, or a file held in `incoming` until its
  row committed, whose transaction never did (a killed or failed request); or an upload killed
  while it was being received (`*.part`). Swept once older than the cut-off (a day): a younger
  one may belong to an upload in progress.
* **A row whose file was held but not yet kept**: the process was killed between the commit
  and the move. The held file is the whole content (its hash is checked again); the sweep puts
  it into place, whatever its age.
* **A row without a file at all**: reported; nothing here can make it again.

An object is swept by first moving it aside, then asking the database once more: an upload of
the same content that committed meanwhile gets its file back.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.portfolio.models import EvidenceFile
from lms.portfolio.s3storage import S3Storage, StoredObject
from lms.portfolio.storage import (
    CHUNK_SIZE,
    LocalFolderStorage,
    StagedFile,
    held_sha256,
)

DAY_SECONDS = 24 * 3600


@dataclass
class StoreReport:
    orphans: list[Path] = field(default_factory=list)  # old enough to sweep
    recent: list[Path] = field(default_factory=list)  # young: maybe an upload in progress
    swept: list[Path] = field(default_factory=list)
    put_back: list[str] = field(default_factory=list)  # sha256 of held files kept by the sweep
    waiting: list[str] = field(default_factory=list)  # committed, held, not yet kept
    missing: list[str] = field(default_factory=list)  # rows whose file is nowhere

    @property
    def orphan_bytes(self) -> int:
        return sum(_size(path) for path in self.orphans)

    @property
    def clean(self) -> bool:
        return not (self.orphans or self.waiting or self.missing)


def _size(path) -> int:
    if isinstance(path, StoredObject):
        return path.size
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _is_old(path, cutoff: float) -> bool:
    if isinstance(path, StoredObject):
        return path.mtime < cutoff
    try:
        return path.stat().st_mtime < cutoff
    except FileNotFoundError:
        return False


def _hash_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def recorded_hashes(session: Session) -> set[str]:
    return set(session.scalars(select(EvidenceFile.sha256).distinct()))


def _is_recorded(session: Session, sha256: str) -> bool:
    session.rollback()  # a fresh look, not the snapshot the check started with
    found = session.scalar(select(EvidenceFile.id).where(EvidenceFile.sha256 == sha256).limit(1))
    return found is not None


def _put_back(storage, sha256: str, held: Path) -> bool:
    if _hash_of(held) != sha256:
        return False
    storage.keep(StagedFile(path=held, sha256=sha256, size=_size(held)))
    return True


def _orphan(report: StoreReport, path: Path, cutoff: float) -> None:
    (report.orphans if _is_old(path, cutoff) else report.recent).append(path)


def _check_incoming(storage, rows: set[str], report: StoreReport, cutoff: float) -> dict:
    """Temporary files: orphans, and held files that committed rows wait for."""
    waiting: dict[str, Path] = {}
    for path in storage.temporary():
        sha256 = held_sha256(path)
        if sha256 in rows and not storage.exists(sha256):
            waiting.setdefault(sha256, path)
        else:
            _orphan(report, path, cutoff)
    return waiting


def check_store(
    session: Session,
    storage: LocalFolderStorage | S3Storage,
    *,
    sweep: bool = False,
    older_than_seconds: float = DAY_SECONDS,
) -> StoreReport:
    """Compare the store with the rows; with `sweep`, remove orphans older than the cut-off
    and keep the held files committed rows are waiting for."""
    report = StoreReport()
    cutoff = time.time() - older_than_seconds
    rows = recorded_hashes(session)
    for sha256, path in storage.stored():
        if sha256 not in rows:
            _orphan(report, path, cutoff)
    waiting = _check_incoming(storage, rows, report, cutoff)
    report.missing = sorted(sha for sha in rows - waiting.keys() if not storage.exists(sha))
    report.waiting = sorted(waiting)
    if sweep:
        _sweep(session, storage, report, waiting)
    return report


def _sweep(session, storage, report: StoreReport, waiting: dict) -> None:
    for sha256, held in waiting.items():
        if _put_back(storage, sha256, held):
            report.put_back.append(sha256)
    report.waiting = [sha for sha in report.waiting if sha not in report.put_back]
    for path in report.orphans:
        if storage.is_object(path):
            if storage.sweep_object(path.name, path, lambda n=path.name: _is_recorded(session, n)):
                report.swept.append(path)
        elif (
            (sha256 := held_sha256(path))
            and not storage.exists(sha256)
            and _is_recorded(session, sha256)
        ):
            continue  # its row has just committed: it is not an orphan after all
        else:
            path.unlink(missing_ok=True)
            report.swept.append(path)
    report.orphans = [path for path in report.orphans if path not in report.swept]
