"""`flask --app app backup DIR` and `restore DIR`: a consistent snapshot taken while the
application keeps serving, brought back whole; on SQLite and on PostgreSQL."""

from __future__ import annotations

import contextvars
import io
import json
import threading

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from lms.core import backup
from lms.extensions import db
from lms.portfolio.models import Evidence, EvidenceFile
from lms.portfolio.storage import LocalFolderStorage, current_storage
from tests.factories import add_evidence, assessment_setting


@pytest.fixture
def setting(app):
    setting = assessment_setting()
    add_evidence(setting, setting.criteria()[:1], file=("first.txt", b"First notes.\n"))
    return setting


@pytest.fixture
def target(app, make_app, tmp_path, database_url):
    """Another application on an empty database and an empty evidence store."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        target_url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        admin = None
    else:
        name = f"{url.database}_restored"
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        target_url = url.set(database=name).render_as_string(hide_password=False)
    restored = make_app(
        SQLALCHEMY_ENGINES={"default": target_url},
        EVIDENCE_STORAGE_PATH=str(tmp_path / "restored-evidence"),
    )
    yield restored
    with restored.app_context():
        db.session.close()
        for engine in db.engines.values():
            engine.dispose()
    if admin is not None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def invoke(an_app, *args: str):
    """Run a command of `an_app` outside the test's own application context (which the
    command would otherwise use, whatever app it belongs to)."""

    return contextvars.Context().run(an_app.test_cli_runner().invoke, args=list(args))


def every_row_has_its_file(an_app) -> int:
    with an_app.app_context():
        storage = current_storage()
        hashes = set(db.session.scalars(select(EvidenceFile.sha256)))
        missing = [sha for sha in hashes if not storage.exists(sha)]
        assert missing == []
        return db.session.scalar(select(func.count(EvidenceFile.id)))


class Writer(threading.Thread):
    """Uploads one new file after another through the application until stopped."""

    def __init__(self, client, url: str):
        super().__init__()
        self.client, self.url = client, url
        self.stop = threading.Event()
        self.done = 0
        self.errors: list = []
        self.progress = threading.Condition()

    def run(self):
        while not self.stop.is_set():
            content = f"Notes, page {self.done}.\n".encode()
            response = self.client.post(
                self.url,
                data={"file": (io.BytesIO(content), f"page-{self.done}.txt")},
                content_type="multipart/form-data",
            )
            if response.status_code != 302:
                self.errors.append(response.status_code)
                return
            with self.progress:
                self.done += 1
                self.progress.notify_all()

    def wait_for(self, count: int) -> None:
        with self.progress:
            assert self.progress.wait_for(lambda: self.done >= count or self.errors, timeout=60)


def test_a_backup_taken_while_the_app_serves_restores_whole(
    app, setting, signed_in, runner, target, tmp_path
):
    evidence_id = db.session.scalar(select(Evidence.id))
    writer = Writer(
        signed_in(setting.trainee),
        f"/portfolio/{setting.enrolment.id}/evidence/{evidence_id}/files",
    )
    writer.start()
    try:
        writer.wait_for(2)
        result = runner.invoke(args=["backup", str(tmp_path / "backup")])
        written_by_then = writer.done
        writer.wait_for(written_by_then + 2)  # and it goes on writing afterwards
    finally:
        writer.stop.set()
        writer.join(timeout=60)
    assert writer.errors == []
    assert result.exit_code == 0, result.output
    assert "evidence file(s) to" in result.output

    restored = invoke(target, "restore", str(tmp_path / "backup"))
    assert restored.exit_code == 0, restored.output
    rows = every_row_has_its_file(target)
    live = every_row_has_its_file(app)
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert len(manifest["evidence"]) == rows  # each upload is different content
    assert 1 + 2 <= rows < live  # taken mid-stream: what came later is not in it
    check = invoke(target, "evidence", "check")
    assert check.exit_code == 0, check.output

    # A second restore over what is now there is refused, unless asked for.
    again = invoke(target, "restore", str(tmp_path / "backup"))
    assert again.exit_code == 1
    assert "The database already holds data" in again.output
    forced = invoke(target, "restore", "--force", str(tmp_path / "backup"))
    assert forced.exit_code == 0, forced.output
    assert every_row_has_its_file(target) == rows


def test_a_file_committed_but_not_yet_moved_is_in_the_backup(
    app, session, setting, tmp_path, monkeypatch
):
    """The row committed; the process had not yet moved its file into place (the moment a
    kill could come). The snapshot names it, and the backup finds it where it is held."""
    evidence = session.scalar(select(Evidence))
    from lms.accounts.models import User
    from lms.portfolio import operations

    monkeypatch.setattr(LocalFolderStorage, "keep", lambda self, staged: None)
    attached = operations.attach_file(
        session,
        current_storage(),
        evidence,
        session.get(User, evidence.owner_id),
        io.BytesIO(b"Notes whose move had not happened.\n"),
        "late.txt",
        max_bytes=10_000,
        quota_bytes=1_000_000,
    )
    session.commit()
    monkeypatch.undo()
    assert not current_storage().exists(attached.sha256)
    summary = backup.backup(
        app.config["SQLALCHEMY_ENGINES"]["default"], current_storage(), tmp_path / "b"
    )
    assert summary.files == 2
    copy = tmp_path / "b" / "evidence" / attached.sha256[:2] / attached.sha256[2:4]
    assert (copy / attached.sha256).read_bytes() == b"Notes whose move had not happened.\n"


def test_a_damaged_backup_is_refused_and_nothing_is_changed(app, setting, runner, target, tmp_path):
    assert runner.invoke(args=["backup", str(tmp_path / "backup")]).exit_code == 0
    [copy] = [p for p in (tmp_path / "backup" / "evidence").rglob("*") if p.is_file()]
    copy.write_bytes(b"changed")
    result = invoke(target, "restore", str(tmp_path / "backup"))
    assert result.exit_code == 1
    assert f"The evidence file {copy.name} is missing or damaged." in result.output
    with target.app_context():
        assert not backup.database_holds_data(target.config["SQLALCHEMY_ENGINES"]["default"])
        assert list(current_storage().stored()) == []


def test_an_unfinished_backup_and_a_used_folder_are_refused(app, setting, runner, tmp_path):
    folder = tmp_path / "backup"
    folder.mkdir()
    (folder / "something.txt").write_text("already here")
    result = runner.invoke(args=["backup", str(folder)])
    assert result.exit_code == 1
    assert "is not empty" in result.output
    (folder / "something.txt").unlink()
    result = runner.invoke(args=["restore", str(folder)])
    assert result.exit_code == 1
    assert "holds no finished backup" in result.output
