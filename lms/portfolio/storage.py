"""Where evidence files live: content-addressed by SHA-256, written by streaming, atomically.

The interface (`EvidenceStorage`) has two halves:

* **Staging is always local.** An upload is streamed in chunks into a temporary file in the
  storage's `incoming` folder while its SHA-256 and size are computed and the size limit is
  enforced (`receive`). Nothing is held in memory beyond one chunk. The staged file is then
  inspected (its type is decided by its content, photos are re-encoded) before anyone keeps it.
* **Keeping is the backend's job.** `keep(staged)` publishes the staged file under its hash,
  all at once: before it returns, nothing points at the content; after it, the content is whole.
  `open(sha256)` reads it back as a binary stream, `exists` and `delete` do what they say.

`LocalFolderStorage` is the default: objects live under `<root>/objects/ab/cd/<sha256>` and
`incoming` is `<root>/incoming`, on the same file system, so keeping is one `os.replace`
(atomic on POSIX) after an `fsync`. A process killed mid-upload leaves at most a `*.part`
file in `incoming` that nothing refers to; `clean_incoming` removes old ones.

**Kept only when the row commits.** Evidence files are not kept straight away: `KeptOnCommit`
(for one database session) *holds* a checked file in `incoming` under its hash
(`<sha256>.<random>.held`, fsynced) and keeps it only after the transaction that records it
commits; a rollback removes it. A process killed before the commit leaves a held file no row
names (an orphan, swept by `flask --app app evidence check --sweep` once a day old); one killed
between the commit and the move leaves a held file that a committed row names, which the same
command puts into place (see `lms.portfolio.housekeeping`).

`S3Storage` (lms.portfolio.s3storage, `EVIDENCE_STORAGE=s3://bucket/prefix`) implements the
same methods for an S3-compatible bucket: `incoming` a local scratch folder, `keep` a streamed
upload (in parts for large files) to `<prefix>/objects/<sha256>` with the SHA-256 checked by
the service, `open` a streaming GET, `exists` a HEAD, `delete` a DELETE.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

from lms.config import ConfigError
from lms.portfolio.objectkeys import (
    _SHA256,
    CHUNK_SIZE,
    HELD_SUFFIX,
    PART_SUFFIX,
    check_sha256,
)


class TooLarge(Exception):
    """The stream went past the limit it was given; nothing of it was kept."""

    def __init__(self, limit: int):
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


@dataclass
class StagedFile:
    """A complete, fsynced temporary file in a storage's `incoming` folder, not yet kept.

    Use it as a context manager: on leaving, the temporary file is removed unless it was kept.
    """

    path: Path
    sha256: str
    size: int
    kept: bool = field(default=False, init=False)

    def discard(self) -> None:
        if not self.kept:
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> StagedFile:
        return self

    def __exit__(self, *exc_info) -> None:
        self.discard()


class EvidenceStorage(Protocol):
    """What the portfolio needs from a place to keep files (see the module's notes)."""

    @property
    def incoming(self) -> Path: ...

    def keep(self, staged: StagedFile) -> None: ...

    def open(self, sha256: str) -> BinaryIO: ...

    def exists(self, sha256: str) -> bool: ...

    def delete(self, sha256: str) -> None: ...


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable. Not every platform can open a folder; that is fine.
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _new_part_file(storage: EvidenceStorage) -> tuple[int, Path]:
    folder = storage.incoming
    folder.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(dir=folder, prefix="upload-", suffix=PART_SUFFIX)
    return descriptor, Path(name)


def receive(storage: EvidenceStorage, stream: BinaryIO, *, limit: int) -> StagedFile:
    """Stream `stream` into a staged file, one chunk at a time, hashing as it goes.

    Raises `TooLarge` as soon as more than `limit` bytes arrive; on any error the temporary
    file is removed, so an interrupted upload leaves nothing behind.
    """
    descriptor, path = _new_part_file(storage)
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(descriptor, "wb") as out:
            while chunk := stream.read(CHUNK_SIZE):
                size += len(chunk)
                if size > limit:
                    raise TooLarge(limit)
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StagedFile(path=path, sha256=digest.hexdigest(), size=size)


def new_part_path(storage: EvidenceStorage) -> Path:
    """An empty temporary file in `incoming` for something that writes by path (Pillow)."""
    descriptor, path = _new_part_file(storage)
    os.close(descriptor)
    return path


def adopt(path: Path) -> StagedFile:
    """Hash and fsync a file already written into `incoming`, making it a staged file."""
    digest = hashlib.sha256()
    size = 0
    try:
        with open(path, "rb+") as handle:
            while chunk := handle.read(CHUNK_SIZE):
                size += len(chunk)
                digest.update(chunk)
            os.fsync(handle.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StagedFile(path=path, sha256=digest.hexdigest(), size=size)


class LocalFolderStorage:
    """Files in a folder on this machine, which must be outside anything the web server serves."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()
        self.objects = self.root / "objects"

    @property
    def incoming(self) -> Path:
        return self.root / "incoming"

    def path_for(self, sha256: str) -> Path:
        check_sha256(sha256)
        return self.objects / sha256[:2] / sha256[2:4] / sha256

    def keep(self, staged: StagedFile) -> None:
        target = self.path_for(staged.sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            # The same content is already kept (content addressing); the copy is not needed.
            # Touched, so that a sweep of old unreferenced files passes it by.
            os.utime(target)
            staged.path.unlink(missing_ok=True)
        else:
            try:
                os.replace(staged.path, target)
            except FileNotFoundError:
                if not target.exists():  # else `evidence check` has just put it in place
                    raise
            _fsync_folder(target.parent)
        staged.kept = True

    def stored(self) -> Iterator[tuple[str, Path]]:
        """Every kept object: (sha256, path)."""
        if not self.objects.is_dir():
            return
        for path in self.objects.glob("??/??/*"):
            if _SHA256.fullmatch(path.name) and path.is_file():
                yield path.name, path

    def temporary(self) -> Iterator[Path]:
        """Every file in `incoming`: uploads being received (`.part`) and files held until
        their row commits (`.held`)."""
        if self.incoming.is_dir():
            yield from (path for path in self.incoming.iterdir() if path.is_file())

    def is_object(self, item) -> bool:
        """Whether an orphan `evidence check` found is a kept object (not a temporary file)."""
        return isinstance(item, Path) and item.is_relative_to(self.objects)

    def sweep_object(self, sha256: str, path: Path, recorded: Callable[[], bool]) -> bool:
        """Remove an orphan: moved aside first, then put back if `recorded()` now says a row
        names it (an upload of the same content committed meanwhile)."""
        aside = path.with_name(f"{path.name}.sweeping")
        try:
            os.replace(path, aside)
        except FileNotFoundError:
            return False
        if recorded():
            if path.exists():
                aside.unlink(missing_ok=True)
            else:
                os.replace(aside, path)
            return False
        aside.unlink(missing_ok=True)
        return True

    def open(self, sha256: str) -> BinaryIO:
        try:
            return open(self.path_for(sha256), "rb")
        except FileNotFoundError:
            raise KeyError(sha256) from None

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def delete(self, sha256: str) -> None:
        self.path_for(sha256).unlink(missing_ok=True)

    def clean_incoming(self, *, older_than_seconds: float = 3600) -> int:
        """Remove temporary files left by uploads that were interrupted (a killed process).

        Young files may belong to an upload in progress, so only old ones go."""
        if not self.incoming.is_dir():
            return 0
        cutoff = time.time() - older_than_seconds
        removed = 0
        for path in self.incoming.glob(f"*{PART_SUFFIX}"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed


def held_sha256(path: Path) -> str | None:
    """The content hash a held file's name carries, or None for any other file."""
    sha256, _, rest = path.name.partition(".")
    if path.name.endswith(HELD_SUFFIX) and _SHA256.fullmatch(sha256) and rest:
        return sha256
    return None


def hold(storage: EvidenceStorage, staged: StagedFile) -> StagedFile:
    """Take over a staged file, renamed in `incoming` to carry its hash, until it is kept or
    discarded. The original `staged` no longer owns a file."""
    target = storage.incoming / f"{staged.sha256}.{secrets.token_hex(8)}{HELD_SUFFIX}"
    os.replace(staged.path, target)
    _fsync_folder(storage.incoming)
    staged.kept = True
    return StagedFile(path=target, sha256=staged.sha256, size=staged.size)


class KeptOnCommit:
    """A storage for one database session: `keep` holds the file and keeps it in `storage`
    only after the session's transaction commits; if it rolls back, the file is removed.

    `check(staged)` runs first, inside the transaction (the space a person has left is
    decided there, under a lock); raising refuses the file and keeps nothing."""

    def __init__(
        self,
        storage: EvidenceStorage,
        session,
        check: Callable[[StagedFile], None] | None = None,
    ):
        self.storage = storage
        self.session = session
        self.check = check

    @property
    def incoming(self) -> Path:
        return self.storage.incoming

    def keep(self, staged: StagedFile) -> None:
        from lms.aftercommit import after_commit, on_rollback

        if self.check is not None:
            self.check(staged)
        held = hold(self.storage, staged)
        after_commit(self.session, lambda: self.storage.keep(held))
        on_rollback(self.session, held.discard)

    def open(self, sha256: str) -> BinaryIO:
        return self.storage.open(sha256)

    def exists(self, sha256: str) -> bool:
        return self.storage.exists(sha256)

    def delete(self, sha256: str) -> None:
        self.storage.delete(sha256)


def storage_for(config: dict) -> EvidenceStorage:
    """The storage the configuration asks for: an S3-compatible bucket when EVIDENCE_STORAGE
    is `s3://bucket/prefix`, else the folder EVIDENCE_STORAGE_PATH."""
    location = config.get("EVIDENCE_STORAGE") or ""
    if location.startswith("s3://"):
        from lms.portfolio.s3storage import s3_storage_for

        return s3_storage_for(config)
    if location:
        raise ConfigError("EVIDENCE_STORAGE must be s3://bucket/prefix (or unset for a folder).")
    root = Path(config["EVIDENCE_STORAGE_PATH"]).resolve()
    static = config.get("STATIC_FOLDER")
    if static and root.is_relative_to(Path(static).resolve()):
        raise ConfigError("EVIDENCE_STORAGE_PATH must be outside the folder the web serves.")
    return LocalFolderStorage(root)


def current_storage() -> EvidenceStorage:
    """The storage of the running application, made once per application."""
    from flask import current_app

    storage = current_app.extensions.get("evidence_storage")
    if storage is None:
        config = {**current_app.config, "STATIC_FOLDER": current_app.static_folder}
        storage = current_app.extensions["evidence_storage"] = storage_for(config)
    return storage
