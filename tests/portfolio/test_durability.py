"""Nothing lost, nothing left behind: an evidence file is kept only when its row commits, and
`flask --app app evidence check` finds (and sweeps) whatever a killed process left."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.accounts.models import User
from lms.portfolio import operations
from lms.portfolio.housekeeping import _sweep, check_store
from lms.portfolio.models import EvidenceFile
from lms.portfolio.storage import current_storage
from tests.factories import add_evidence, assessment_setting

ROOT = Path(__file__).resolve().parents[2]
TWO_DAYS = 2 * 24 * 3600


@pytest.fixture
def setting(app):
    return assessment_setting()


def store_files(app) -> dict[str, list[str]]:
    with app.app_context():
        storage = current_storage()
        return {
            "objects": sorted(sha for sha, _ in storage.stored()),
            "incoming": sorted(path.name for path in storage.temporary()),
        }


def attach(session, evidence, data: bytes, name: str = "notes.txt"):
    return operations.attach_file(
        session,
        current_storage(),
        evidence,
        session.get(User, evidence.owner_id),
        io.BytesIO(data),
        name,
        max_bytes=10_000_000,
        quota_bytes=50_000_000,
    )


def age(paths, seconds: float = TWO_DAYS) -> None:
    """Make files look `seconds` old, as if that much time had passed."""
    then = time.time() - seconds
    for path in paths:
        os.utime(path, (then, then))


def everything_in(storage) -> list[Path]:
    return [path for _, path in storage.stored()] + list(storage.temporary())


# --- the domain: kept at the commit, removed at a rollback ---------------------------------------


def test_a_file_is_kept_only_when_its_row_commits(app, session, setting):
    evidence = add_evidence(setting, setting.criteria()[:1], file=None)
    attached = attach(session, evidence, b"Notes from the second session.\n")
    sha256 = attached.sha256
    storage = current_storage()
    assert not storage.exists(sha256)
    assert [held_name.startswith(sha256) for held_name in store_files(app)["incoming"]] == [True]
    session.commit()
    assert storage.exists(sha256)
    assert store_files(app)["incoming"] == []


def test_a_rolled_back_upload_leaves_nothing(app, session, setting):
    evidence = add_evidence(setting, setting.criteria()[:1], file=None)
    attach(session, evidence, b"Notes I changed my mind about.\n")
    session.rollback()
    assert store_files(app) == {"objects": [], "incoming": []}


def test_a_savepoint_rolled_back_takes_its_file_with_it(app, session, setting):
    evidence = add_evidence(setting, setting.criteria()[:1], file=None)
    kept = attach(session, evidence, b"Kept notes.\n").sha256
    savepoint = session.begin_nested()
    attach(session, evidence, b"Notes in a savepoint that fails.\n")
    assert len(store_files(app)["incoming"]) == 2
    savepoint.rollback()
    assert len(store_files(app)["incoming"]) == 1
    session.commit()
    assert store_files(app) == {"objects": [kept], "incoming": []}


def test_a_closed_session_discards_what_it_held(app, session, setting):
    evidence = add_evidence(setting, setting.criteria()[:1], file=None)
    attach(session, evidence, b"Notes of a request that ended without a commit.\n")
    session.close()
    assert store_files(app) == {"objects": [], "incoming": []}


# --- through HTTP --------------------------------------------------------------------------------


@pytest.fixture
def config_overrides():
    return {"SHOW_ERROR_PAGES": True}


def test_a_request_that_fails_after_the_upload_leaves_no_file(app, setting, signed_in, monkeypatch):
    evidence = add_evidence(setting, setting.criteria()[:1], file=None)
    trainee = signed_in(setting.trainee)

    def broken_record(session, action, **kwargs):
        raise RuntimeError("the audit trail could not be written")

    monkeypatch.setattr(operations, "record", broken_record)
    response = trainee.post(
        f"/portfolio/{setting.enrolment.id}/evidence/{evidence.id}/files",
        data={"file": (io.BytesIO(b"My notes.\n"), "notes.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 500
    assert store_files(app) == {"objects": [], "incoming": []}
    monkeypatch.undo()
    response = trainee.post(
        f"/portfolio/{setting.enrolment.id}/evidence/{evidence.id}/files",
        data={"file": (io.BytesIO(b"My notes.\n"), "notes.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert len(store_files(app)["objects"]) == 1
    assert store_files(app)["incoming"] == []


# --- processes killed at each point of the upload ------------------------------------------------

KILL_POINTS = ("receiving", "staged", "held", "flushed", "committed")


def run_worker(app, evidence_id: int, point: str, size: int = 3 * 1024 * 1024):
    """Run the upload path in its own process and SIGKILL it at `point`."""
    config = {
        key: app.config[key]
        for key in ("SQLALCHEMY_ENGINES", "EVIDENCE_STORAGE_PATH", "MAIL_OUTBOX_PATH", "SECRET_KEY")
    }
    config.update(TESTING=True, MAIL_BACKEND="locmem")
    worker = subprocess.Popen(  # noqa: S603 - this interpreter, this repository's module
        [
            sys.executable,
            "-m",
            "tests.portfolio.upload_worker",
            json.dumps(config),
            str(evidence_id),
            str(size),
            point,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = worker.stdout.readline().strip()
        assert line == f"at {point}", line
        if point != "done":
            os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(timeout=60)
        worker.stdout.close()
    return worker.returncode


def check(runner, *args):
    return runner.invoke(args=["evidence", "check", *args])


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_process_killed_during_an_upload_leaves_nothing_after_the_sweep(
    app, session, setting, runner, point
):
    evidence = add_evidence(setting, setting.criteria()[:1], file=None)
    assert run_worker(app, evidence.id, point) == -signal.SIGKILL
    session.expire_all()
    storage = current_storage()
    rows = list(session.scalars(select(EvidenceFile.sha256)))
    left = everything_in(storage)
    assert left, "a process killed mid-upload leaves a temporary file"
    if rows:
        assert not storage.exists(rows[0])

    result = check(runner)
    assert result.exit_code == (1 if point == "committed" else 0), result.output
    if point == "committed":
        # The row committed; the move did not happen. The held file is put in place, at once.
        assert rows
        assert "waits to be put in place" in result.output
        result = check(runner, "--sweep")
        assert f"Put in place: {rows[0]}." in result.output
        assert storage.exists(rows[0])
    else:
        # Nothing committed: young leftovers may be uploads in progress and are left alone ...
        assert rows == []
        assert "recent file(s) no row names yet" in result.output
        assert check(runner, "--sweep").output.count("Swept") == 0
        # ... until they are a day old.
        age(everything_in(storage))
        result = check(runner)
        assert result.exit_code == 1
        assert "1 file(s) no row names, older than 24 hours" in result.output
        assert "Swept: " in check(runner, "--sweep").output
    result = check(runner)
    assert result.exit_code == 0, result.output
    assert "Every row has its file and every file has its row." in result.output
    assert everything_in(storage) == ([storage.path_for(rows[0])] if point == "committed" else [])


def test_a_process_that_is_not_killed_keeps_its_file(app, session, setting, runner):
    evidence = add_evidence(setting, setting.criteria()[:1], file=None)
    assert run_worker(app, evidence.id, "done") == 0
    [sha256] = session.scalars(select(EvidenceFile.sha256)).all()
    assert store_files(app) == {"objects": [sha256], "incoming": []}
    assert check(runner).exit_code == 0


# --- the check -----------------------------------------------------------------------------------


def test_check_reports_rows_without_files_and_files_without_rows(app, session, setting, runner):
    kept = add_evidence(setting, setting.criteria()[:1], file=("a.txt", b"First notes.\n"))
    add_evidence(setting, setting.criteria()[:1], file=("b.txt", b"Second notes.\n"))
    storage = current_storage()
    first, second = session.scalars(select(EvidenceFile.sha256).order_by(EvidenceFile.id))
    storage.delete(first)  # a file lost from the store
    stray = storage.path_for("0" * 64)
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"nobody's")
    age([stray])
    result = check(runner, "--sweep")
    assert result.exit_code == 1
    assert f"A file is missing from the store: {first} (rows point at it)." in result.output
    assert f"Swept: {'0' * 64}." in result.output
    assert not stray.exists()
    assert storage.exists(second)
    assert kept.id


def test_a_sweep_gives_back_an_old_file_whose_row_has_just_committed(app, session, setting):
    """The sweep moves an old unreferenced object aside and asks the database once more:
    an upload of the same content that committed meanwhile keeps its file."""
    evidence = add_evidence(setting, setting.criteria()[:1], file=None)
    storage = current_storage()
    data = b"Notes uploaded twice.\n"
    first = attach(session, evidence, data)
    session.commit()
    sha256 = first.sha256
    session.delete(first)  # as if its row had gone, leaving an old orphan
    session.commit()
    age([storage.path_for(sha256)])
    report = check_store(session, storage)
    assert [path.name for path in report.orphans] == [sha256]
    # The same content is uploaded again and commits before the sweep runs.
    attach(session, evidence, data)
    session.commit()
    # The sweep acts on what it found before (the old orphan), and finds the row this time.
    report.swept, report.put_back = [], []
    _sweep(session, storage, report, {})
    assert report.swept == []
    assert storage.exists(sha256)
    assert check_store(session, storage).clean
