"""The evidence store: content-addressed, streamed, atomic, bounded."""

from __future__ import annotations

import hashlib
import io
import os
import time
import tracemalloc

import pytest

from lms.config import ConfigError
from lms.portfolio.storage import (
    CHUNK_SIZE,
    LocalFolderStorage,
    TooLarge,
    receive,
    storage_for,
)

MB = 1024 * 1024


@pytest.fixture
def storage(tmp_path):
    return LocalFolderStorage(tmp_path / "store")


def files_under(folder):
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


class GeneratedStream:
    """`size` bytes made on demand, a fresh chunk per read, never all at once."""

    def __init__(self, size: int, fail_after: int | None = None):
        self.remaining = size
        self.sent = 0
        self.fail_after = fail_after

    def read(self, n: int = -1) -> bytes:
        if self.fail_after is not None and self.sent >= self.fail_after:
            raise ConnectionResetError("the browser went away")
        n = min(CHUNK_SIZE if n < 0 else n, self.remaining)
        self.remaining -= n
        self.sent += n
        return bytes([self.sent % 251]) * n


def test_a_kept_file_is_found_by_its_sha256(storage):
    data = b"My reflective account, second draft."
    staged = receive(storage, io.BytesIO(data), limit=1000)
    storage.keep(staged)
    digest = hashlib.sha256(data).hexdigest()
    assert staged.sha256 == digest
    assert staged.size == len(data)
    assert storage.exists(digest)
    assert storage.path_for(digest).relative_to(storage.root).parts[:3] == (
        "objects",
        digest[:2],
        digest[2:4],
    )
    with storage.open(digest) as handle:
        assert handle.read() == data
    assert files_under(storage.incoming) == []


def test_the_same_content_is_kept_once(storage):
    for _ in range(2):
        with receive(storage, io.BytesIO(b"same bytes"), limit=100) as staged:
            storage.keep(staged)
    assert len(files_under(storage.objects)) == 1
    assert files_under(storage.incoming) == []


def test_too_large_a_stream_is_stopped_and_nothing_stays(storage):
    with pytest.raises(TooLarge) as refused:
        receive(storage, GeneratedStream(3 * MB), limit=2 * MB)
    assert refused.value.limit == 2 * MB
    assert files_under(storage.root) == []


def test_a_stream_exactly_at_the_limit_is_accepted(storage):
    staged = receive(storage, GeneratedStream(2 * MB), limit=2 * MB)
    assert staged.size == 2 * MB


def test_an_interrupted_upload_leaves_no_file(storage):
    with pytest.raises(ConnectionResetError):
        receive(storage, GeneratedStream(5 * MB, fail_after=2 * MB), limit=10 * MB)
    assert files_under(storage.root) == []


def test_a_staged_file_that_is_not_kept_is_removed(storage):
    with receive(storage, io.BytesIO(b"draft"), limit=100) as staged:
        assert staged.path.exists()
        assert staged.path.parent == storage.incoming
    assert not staged.path.exists()
    assert not storage.exists(staged.sha256)


def test_a_large_upload_streams_in_small_memory(storage):
    """200 MB through the store while Python allocates only a few chunks' worth."""
    size = 200 * MB
    tracemalloc.start()
    try:
        staged = receive(storage, GeneratedStream(size), limit=250 * MB)
        storage.keep(staged)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert staged.size == size
    assert os.path.getsize(storage.path_for(staged.sha256)) == size
    assert peak < 8 * MB, f"peak memory {peak / MB:.1f} MB"


def test_leftovers_of_a_killed_upload_are_cleaned_and_never_published(storage):
    storage.incoming.mkdir(parents=True)
    old = storage.incoming / "upload-abc.part"
    old.write_bytes(b"half a file")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    young = storage.incoming / "upload-def.part"
    young.write_bytes(b"still arriving")

    assert files_under(storage.objects) == []
    assert storage.clean_incoming(older_than_seconds=3600) == 1
    assert not old.exists()
    assert young.exists()


@pytest.mark.parametrize("key", ["../../etc/passwd", "ABC", "a" * 63, "g" * 64, ""])
def test_a_key_must_be_a_sha256(storage, key):
    with pytest.raises(ValueError, match="SHA-256"):
        storage.path_for(key)
    with pytest.raises(ValueError, match="SHA-256"):
        storage.open(key)


def test_a_missing_object_is_a_key_error(storage):
    with pytest.raises(KeyError):
        storage.open("0" * 64)


def test_a_store_is_a_folder_or_an_s3_bucket(tmp_path):
    with pytest.raises(ConfigError, match="s3://bucket/prefix"):
        storage_for({"EVIDENCE_STORAGE": "ftp://elsewhere", "EVIDENCE_STORAGE_PATH": str(tmp_path)})


def test_evidence_must_not_live_inside_the_web_folder(tmp_path):
    config = {
        "EVIDENCE_STORAGE_PATH": str(tmp_path / "static" / "evidence"),
        "STATIC_FOLDER": str(tmp_path / "static"),
    }
    with pytest.raises(ConfigError, match="outside"):
        storage_for(config)
    config["EVIDENCE_STORAGE_PATH"] = str(tmp_path / "instance" / "evidence")
    assert isinstance(storage_for(config), LocalFolderStorage)


def test_the_command_line_cleans_unfinished_uploads(app, tmp_path):
    incoming = tmp_path / "evidence" / "incoming"
    incoming.mkdir(parents=True)
    leftover = incoming / "upload-xyz.part"
    leftover.write_bytes(b"half")
    a_day_ago = time.time() - 86400
    os.utime(leftover, (a_day_ago, a_day_ago))
    result = app.test_cli_runner().invoke(args=["evidence", "clean-incoming", "--hours", "2"])
    assert result.exit_code == 0, result.output
    assert "Removed 1 unfinished upload(s)." in result.output
    assert not leftover.exists()
