"""A consistent online snapshot of everything Alongside keeps: `flask --app app backup DIR`, and
bringing one back: `flask --app app restore DIR`.

A backup folder holds:

    manifest.json        what is in it, each file with its SHA-256 (written last: a folder
                         without it is an unfinished backup and is never restored)
    database.sqlite3     SQLite: a copy made with SQLite's online backup API
    database.dump        PostgreSQL: `pg_dump --format=custom`
    evidence/ab/cd/<sha256>   every evidence file the snapshot's rows name, and nothing else

**Consistent while the application serves.** The database is copied first, as one snapshot
(SQLite's backup API reads one consistent state; on PostgreSQL the evidence list is read in a
repeatable-read transaction whose snapshot `pg_dump --snapshot` shares). The evidence files
copied are exactly those the snapshot's rows name. Files are kept only after their rows commit
and are never changed (their names are their hashes), so each one is in the store by then, or,
for a row committed a moment before its file was moved into place, still held in `incoming`
under its hash; both are found. Uploads that commit after the snapshot are not in this backup,
rows and files alike.

**Restore** checks the manifest against every file before it changes anything, refuses a
database that already holds data unless told `force`, loads the database (the SQLite backup
API; `pg_restore --clean --if-exists --single-transaction`) and puts the evidence files into
the store (files already there are left as they are).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, inspect, literal, select, table, text
from sqlalchemy.engine import Connection, make_url

from lms.db import utcnow
from lms.errors import DomainError
from lms.portfolio.storage import CHUNK_SIZE, EvidenceStorage, held_sha256, receive

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
EVIDENCE = "evidence"
# How long to wait for a file whose row committed a moment before it was moved into place.
SETTLE_SECONDS = 10.0

EVIDENCE_HASHES = "SELECT DISTINCT sha256 FROM evidence_file"


class BackupError(DomainError):
    """A backup or a restore could not be done; the message says why, plainly."""


@dataclass
class BackupSummary:
    folder: Path
    database: str
    files: int
    bytes: int


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# --- PostgreSQL tools -------------------------------------------------------------------------


def pg_tool(name: str, bin_dir: str | None = None) -> str:
    """`pg_dump` or `pg_restore`: from `bin_dir` (PG_BIN_DIR) when set, else the newest
    /usr/lib/postgresql/*/bin (Debian), else the PATH."""
    folders = [Path(bin_dir)] if bin_dir else []
    folders += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    for folder in folders:
        if (folder / name).is_file():
            return str(folder / name)
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} was not found; install the PostgreSQL client tools.")
    return found


def _libpq(url: str) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for the PostgreSQL tools, with the password in the environment
    (never on a command line others can read)."""
    parsed = make_url(url)
    arguments = [f"--dbname={parsed.database}"]
    if parsed.host:
        arguments.append(f"--host={parsed.host}")
    if parsed.port:
        arguments.append(f"--port={parsed.port}")
    if parsed.username:
        arguments.append(f"--username={parsed.username}")
    environment = {**os.environ}
    if parsed.password:
        environment["PGPASSWORD"] = parsed.password
    return arguments, environment


def _run(command: list[str], environment: dict[str, str]) -> None:
    result = subprocess.run(  # noqa: S603 - the PostgreSQL tools, with arguments we built
        command, env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


# --- taking a backup --------------------------------------------------------------------------


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("This SQLite database is not a file and cannot be backed up.")
    return Path(database)


def _snapshot_sqlite(url: str, folder: Path) -> tuple[str, set[str]]:
    target = folder / SQLITE_FILE
    source = sqlite3.connect(_sqlite_path(url))
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # all pages in one step: one consistent state
            hashes = {row[0] for row in copy.execute(EVIDENCE_HASHES)}
        finally:
            copy.close()
    finally:
        source.close()
    _fsync(target)
    return SQLITE_FILE, hashes


def _snapshot_postgresql(url: str, folder: Path, bin_dir: str | None) -> tuple[str, set[str]]:
    engine = create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as connection:
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            hashes = set(connection.scalars(text(EVIDENCE_HASHES)))
            arguments, environment = _libpq(url)
            _run(
                [
                    pg_tool("pg_dump", bin_dir),
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={folder / PG_FILE}",
                    *arguments,
                ],
                environment,
            )
            connection.rollback()
    finally:
        engine.dispose()
    _fsync(folder / PG_FILE)
    return PG_FILE, hashes


def _source_of(storage: EvidenceStorage, sha256: str) -> Path | None:
    """Where a file named by a committed row is: in the store, or still held in `incoming`."""
    path = getattr(storage, "path_for", None)
    if path is not None and path(sha256).is_file():
        return path(sha256)
    if storage.incoming.is_dir():
        for held in storage.incoming.glob(f"{sha256}.*"):
            if held_sha256(held) == sha256:
                return held
    return None


def _copy_evidence(storage: EvidenceStorage, sha256: str, folder: Path) -> int:
    target = folder / EVIDENCE / sha256[:2] / sha256[2:4] / sha256
    target.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        if not hasattr(storage, "path_for") and storage.exists(sha256):
            # A bucket (S3Storage): the object is read back as a stream.
            with storage.open(sha256) as stream, open(target, "wb") as out:
                shutil.copyfileobj(stream, out, CHUNK_SIZE)
            break
        source = _source_of(storage, sha256)
        try:
            if source is not None:
                shutil.copyfile(source, target)
                break
        except FileNotFoundError:
            pass  # moved into place just now: look again
        if time.monotonic() > deadline:
            raise BackupError(f"The evidence file {sha256} is missing from the store.")
        time.sleep(0.05)
    if sha256_of(target) != sha256:
        raise BackupError(f"The evidence file {sha256} in the store is damaged.")
    _fsync(target)
    return target.stat().st_size


def backup(
    url: str, storage: EvidenceStorage, folder: Path, *, bin_dir: str | None = None
) -> BackupSummary:
    """Snapshot the database and the evidence files its rows name into `folder`, which must
    be new or empty."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty; choose a new folder for each backup.")
    folder.mkdir(parents=True, exist_ok=True)
    kind = make_url(url).get_backend_name()
    if kind == "sqlite":
        name, hashes = _snapshot_sqlite(url, folder)
    elif kind == "postgresql":
        name, hashes = _snapshot_postgresql(url, folder, bin_dir)
    else:
        raise BackupError(f"Backing up a {kind} database is not supported.")
    evidence = [
        {"sha256": sha256, "size": _copy_evidence(storage, sha256, folder)}
        for sha256 in sorted(hashes)
    ]
    manifest = {
        "format": FORMAT,
        "created_at": utcnow().isoformat(),
        "database": {
            "kind": kind,
            "file": name,
            "sha256": sha256_of(folder / name),
            "size": (folder / name).stat().st_size,
        },
        "evidence": evidence,
    }
    partial = folder / f"{MANIFEST}.part"
    partial.write_text(json.dumps(manifest, indent=1) + "\n")
    _fsync(partial)
    os.replace(partial, folder / MANIFEST)
    _fsync(folder)
    return BackupSummary(folder, kind, len(evidence), sum(e["size"] for e in evidence))


# --- restoring --------------------------------------------------------------------------------


def read_manifest(folder: Path) -> dict:
    """The manifest, once every file it lists has been found whole."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{folder} holds no finished backup (no {MANIFEST}).") from None
    if manifest.get("format") != FORMAT:
        raise BackupError("This backup was made in a format this version cannot read.")
    database = manifest["database"]
    if sha256_of(folder / database["file"]) != database["sha256"]:
        raise BackupError(f"{database['file']} does not match the manifest; it is damaged.")
    for item in manifest["evidence"]:
        sha256 = item["sha256"]
        path = folder / EVIDENCE / sha256[:2] / sha256[2:4] / sha256
        if not path.is_file() or sha256_of(path) != sha256:
            raise BackupError(f"The evidence file {sha256} is missing or damaged.")
    return manifest


def _holds_data(connection: Connection) -> bool:
    for name in inspect(connection).get_table_names():
        if name == "alembic_version":
            continue
        if connection.execute(select(literal(1)).select_from(table(name)).limit(1)).first():
            return True
    return False


def database_holds_data(url: str) -> bool:
    if make_url(url).get_backend_name() == "sqlite" and not _sqlite_path(url).exists():
        return False
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return _holds_data(connection)
    finally:
        engine.dispose()


def _restore_sqlite(url: str, source: Path) -> None:
    backup_copy = sqlite3.connect(source)
    try:
        target = sqlite3.connect(_sqlite_path(url))
        try:
            backup_copy.backup(target)
        finally:
            target.close()
    finally:
        backup_copy.close()


def _restore_postgresql(url: str, source: Path, bin_dir: str | None) -> None:
    arguments, environment = _libpq(url)
    _run(
        [
            pg_tool("pg_restore", bin_dir),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            *arguments,
            str(source),
        ],
        environment,
    )


def restore(
    url: str,
    storage: EvidenceStorage,
    folder: Path,
    *,
    force: bool = False,
    bin_dir: str | None = None,
) -> BackupSummary:
    """Bring back the backup in `folder`: the database, then the evidence files."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    kind = make_url(url).get_backend_name()
    database = manifest["database"]
    if database["kind"] != kind:
        raise BackupError(f"This is a {database['kind']} backup; the database is {kind}.")
    if not force and database_holds_data(url):
        raise BackupError(
            "The database already holds data; restoring would replace it. "
            "Use --force if that is what you mean."
        )
    if kind == "sqlite":
        _restore_sqlite(url, folder / database["file"])
    else:
        _restore_postgresql(url, folder / database["file"], bin_dir)
    for item in manifest["evidence"]:
        sha256 = item["sha256"]
        if storage.exists(sha256):
            continue
        with open(folder / EVIDENCE / sha256[:2] / sha256[2:4] / sha256, "rb") as handle:
            staged = receive(storage, handle, limit=item["size"])
        with staged:
            if staged.sha256 != sha256:
                raise BackupError(f"The evidence file {sha256} changed while it was restored.")
            storage.keep(staged)
    return BackupSummary(
        folder, kind, len(manifest["evidence"]), sum(e["size"] for e in manifest["evidence"])
    )
