"""A real clamd, started privately with a signature made here (no signatures are downloaded),
refuses an upload that matches it. Marked `clamav`: deselected when clamd is not installed,
unless REQUIRE_CLAMAV=1, which makes its absence an error (CI sets it)."""

from __future__ import annotations

import contextlib
import html
import io
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.portfolio.antivirus import FOUND
from lms.portfolio.models import Evidence
from tests.factories import assessment_setting

pytestmark = pytest.mark.clamav

# A harmless pattern, and the signature for it in ClamAV's extended (.ndb) format:
# name, target type (0: any file), offset (*: anywhere), the bytes in hex.
PATTERN = b"ALONGSIDE-HARMLESS-TEST-PATTERN"
SIGNATURE = "Alongside.Test.Harmless"


def _clamd_path() -> str | None:
    return shutil.which("clamd") or next(
        (p for p in ("/usr/sbin/clamd", "/usr/local/sbin/clamd") if Path(p).exists()), None
    )


def _answers(path: Path) -> bool:
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as connection:
        connection.settimeout(2)
        connection.connect(str(path))
        connection.sendall(b"zPING\0")
        return connection.recv(16).startswith(b"PONG")
    return False


@pytest.fixture(scope="session")
def clamd_socket():
    """A clamd of our own, with only our signature, for the whole session."""
    folder = Path(tempfile.mkdtemp(prefix="clamd-"))
    (folder / "db").mkdir()
    (folder / "db" / "alongside.ndb").write_text(f"{SIGNATURE}:0:*:{PATTERN.hex()}\n")
    socket_path = folder / "clamd.sock"
    (folder / "clamd.conf").write_text(
        f"LocalSocket {socket_path}\n"
        f"DatabaseDirectory {folder / 'db'}\n"
        f"TemporaryDirectory {folder}\n"
        f"LogFile {folder / 'clamd.log'}\n"
        "Foreground yes\n"
    )
    process = subprocess.Popen(  # noqa: S603 - our own daemon with our own configuration
        [_clamd_path(), "-c", str(folder / "clamd.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not _answers(socket_path):
            if process.poll() is not None or time.monotonic() > deadline:
                log = (folder / "clamd.log").read_text() if (folder / "clamd.log").exists() else ""
                pytest.fail(f"clamd did not start:\n{log}")
            time.sleep(0.2)
        yield str(socket_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def config_overrides(clamd_socket):
    return {"CLAMD_SOCKET": clamd_socket, "CLAMD_TIMEOUT": 20}


def post_evidence(client, setting, name: str, content: bytes):
    return client.post(
        f"/portfolio/{setting.enrolment.id}/evidence/new",
        data={
            "title": "Notes from the group session",
            "evidence_type": "reflective_account",
            "description": "What we talked about.",
            "criteria": [str(setting.criteria()[0].id)],
            "file": (io.BytesIO(content), name),
        },
        content_type="multipart/form-data",
    )


def test_clamd_refuses_a_file_with_the_signature_and_keeps_a_clean_one(app, signed_in):
    setting = assessment_setting()
    trainee = signed_in(setting.trainee)

    response = post_evidence(trainee, setting, "notes.txt", b"Notes. " + PATTERN + b" More.")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert str(FOUND) in html.unescape(page)
    assert "Notes from the group session" in page
    assert db.session.scalar(select(Evidence)) is None
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "evidence.file_refused")
    )
    assert event.detail["reason"] == "virus"
    assert event.detail["found"].startswith(SIGNATURE)

    response = post_evidence(trainee, setting, "notes.txt", b"Notes from a quiet session.")
    assert response.status_code == 302
