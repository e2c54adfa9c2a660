"""Uploads are checked by clamd when it is configured, and refused unless it says they are
clean: found, an error, silence and no answer all keep the file out."""

from __future__ import annotations

import io
import time

import pytest

from lms.portfolio import antivirus
from lms.portfolio.antivirus import Clamd, scanner_for
from lms.portfolio.filetypes import FileRefused
from lms.portfolio.storage import LocalFolderStorage
from lms.portfolio.uploads import accept_upload
from tests.portfolio import samples
from tests.portfolio.fake_clamd import SIGNATURE, FakeClamd

MB = 1024 * 1024


@pytest.fixture
def clamd():
    server = FakeClamd()
    yield server
    server.close()


@pytest.fixture
def storage(tmp_path):
    return LocalFolderStorage(tmp_path / "store")


def scan(address: str, data: bytes, tmp_path, timeout: float = 2.0) -> None:
    path = tmp_path / "upload.part"
    path.write_bytes(data)
    Clamd(address, timeout).check(path)


def test_a_clean_file_passes_and_clamd_received_all_of_it(clamd, tmp_path):
    data = bytes(range(256)) * 1000  # several INSTREAM chunks
    scan(clamd.address, data, tmp_path)
    assert clamd.received == [data]


def test_a_file_clamd_finds_something_in_is_refused_calmly(clamd, tmp_path):
    clamd.answer = "FOUND"
    with pytest.raises(FileRefused) as refused:
        scan(clamd.address, b"hello", tmp_path)
    assert refused.value.reason == "virus"
    assert refused.value.detail == SIGNATURE
    assert refused.value.message == antivirus.FOUND
    assert "virus" not in refused.value.message.lower()


@pytest.mark.parametrize("answer", ["ERROR", "silent"])
def test_a_file_clamd_cannot_answer_for_is_refused_to_be_tried_later(clamd, tmp_path, answer):
    clamd.answer = answer
    started = time.monotonic()
    with pytest.raises(FileRefused) as refused:
        scan(clamd.address, b"hello", tmp_path, timeout=0.5)
    assert time.monotonic() - started < 5
    assert refused.value.reason == "scan-unavailable"
    assert refused.value.message == (
        "We couldn't check this file just now, so it hasn't been added. Please try again later."
    )


def test_a_clamd_that_is_not_there_refuses_the_file(tmp_path):
    with pytest.raises(FileRefused) as refused:
        scan(str(tmp_path / "no-such.sock"), b"hello", tmp_path)
    assert refused.value.reason == "scan-unavailable"


def test_clamd_can_be_reached_over_tcp(tmp_path):
    server = FakeClamd(tcp=True)
    try:
        scan(server.address, b"hello", tmp_path)
        server.answer = "FOUND"
        with pytest.raises(FileRefused):
            scan(server.address, b"hello", tmp_path)
    finally:
        server.close()
    assert server.received == [b"hello", b"hello"]


def test_an_upload_clamd_refuses_leaves_nothing_behind(clamd, storage):
    clamd.answer = "FOUND"
    with pytest.raises(FileRefused):
        accept_upload(
            storage,
            io.BytesIO(samples.pdf()),
            "reflection.pdf",
            max_bytes=MB,
            quota_remaining=MB,
            scanner=Clamd(clamd.address),
        )
    assert [p for p in storage.root.rglob("*") if p.is_file()] == []
    assert clamd.received == [samples.pdf()]


def test_the_file_as_she_sent_it_is_scanned_before_anything_else(clamd, storage):
    photo = samples.photo_with_gps()
    accepted = accept_upload(
        storage,
        io.BytesIO(photo),
        "photo.jpg",
        max_bytes=MB,
        quota_remaining=MB,
        scanner=Clamd(clamd.address),
    )
    assert clamd.received == [photo]
    assert accepted.reencoded


def test_the_scanner_is_configured_by_clamd_socket():
    assert scanner_for({"CLAMD_SOCKET": ""}) is None
    assert scanner_for({}) is None
    scanner = scanner_for({"CLAMD_SOCKET": "/run/clamav/clamd.ctl", "CLAMD_TIMEOUT": 7})
    assert scanner == Clamd("/run/clamav/clamd.ctl", 7.0)
