"""A person downloads everything held about her, as one archive, and nothing about anyone
else."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.capabilities import Capability, extended
from lms.db import clock_at, utcnow
from lms.extensions import db
from lms.franchise.models import EnrolmentInvitation
from lms.privacy import archive
from tests.factories.quizzes import quiz_for_unit

DAY = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _download(signed_in, person) -> tuple[object, zipfile.ZipFile]:
    with clock_at(DAY):
        response = signed_in(person).get("/my/information/download")
    data = response.get_data()
    response.close()
    return response, zipfile.ZipFile(io.BytesIO(data))


def _json(zipped: zipfile.ZipFile, name: str) -> list[dict]:
    return json.loads(zipped.read(name))


def test_her_archive_holds_every_kind_of_information_with_a_plain_readme(story, signed_in):
    from lms.quizzes.operations import start_attempt, submit_attempt

    quiz = quiz_for_unit(story.setting.unit)
    attempt = start_attempt(db.session, story.setting.enrolment, quiz)
    submit_attempt(db.session, attempt)
    db.session.commit()

    response, zipped = _download(signed_in, story.trainee)
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=my-information-2026-03-02.zip"
    )
    assert response.headers["Cache-Control"] == "no-store"
    names = set(zipped.namelist())
    for table in (
        "account/profile",
        "account/memberships",
        "account/sign-ins",
        "learning/enrolments",
        "learning/lessons",
        "learning/invitations",
        "quizzes/attempts",
        "quizzes/answers",
        "portfolio/evidence",
        "portfolio/evidence-files",
        "portfolio/submissions",
        "portfolio/submitted-evidence",
        "assessment/decisions",
        "assessment/criterion-feedback",
        "achievements/units",
        "achievements/qualifications",
        "achievements/certificates",
        "achievements/credentials",
        "messages/notifications",
    ):
        assert {f"{table}.json", f"{table}.csv"} <= names, table

    profile = _json(zipped, "account/profile.json")
    assert profile[0]["email"] == story.trainee.email
    assert "password_hash" not in profile[0]
    assert all("token_hash" not in row for row in _json(zipped, "account/sign-ins.json"))
    assert [a["quiz_slug"] for a in _json(zipped, "quizzes/attempts.json")] == [quiz.slug]
    assert "paper_key" not in _json(zipped, "quizzes/attempts.json")[0]

    evidence = _json(zipped, "portfolio/evidence.json")
    assert [e["title"] for e in evidence] == ["Notes from my first session"]
    decisions = _json(zipped, "assessment/decisions.json")
    assert decisions[0]["feedback"] == "A thoughtful start."
    assert decisions[0]["actions"] == "Add an example from a session."
    assert decisions[0]["assessor"] == story.assessor.display_name
    feedback = [row["feedback"] for row in _json(zipped, "assessment/criterion-feedback.json")]
    assert feedback
    assert all(text.startswith("More on") for text in feedback)

    # The CSV holds the same rows as the JSON.
    rows = list(csv.DictReader(io.StringIO(zipped.read("portfolio/evidence.csv").decode())))
    assert [row["title"] for row in rows] == ["Notes from my first session"]

    # Her evidence file itself, as uploaded, under evidence/.
    files = [name for name in names if name.startswith("evidence/")]
    assert len(files) == 1
    assert files[0].endswith("first-session.txt")
    assert zipped.read(files[0]) == b"HER-OWN-WORDS\n" * 10

    # Her certificate, as a PDF, and her credentials as Open Badges documents.
    pdfs = [name for name in names if name.startswith("achievements/") and name.endswith(".pdf")]
    assert len(pdfs) == 1
    assert zipped.read(pdfs[0]).startswith(b"%PDF")
    credentials = [n for n in names if n.startswith("achievements/credential-")]
    assert credentials
    assert all("EnvelopedVerifiableCredential" in zipped.read(n).decode() for n in credentials)

    readme = zipped.read("README.txt").decode()
    assert "This archive holds the information Alongside keeps about you" in readme
    assert story.trainee.display_name in readme
    assert "evidence/" in readme
    assert "spreadsheet" in readme
    assert files[0] in readme


def test_nothing_about_anyone_else_is_in_her_archive(story, signed_in):
    _, zipped = _download(signed_in, story.trainee)
    everything = b"".join(zipped.read(name) for name in zipped.namelist())
    assert b"NOT-HERS-AT-ALL" not in everything
    assert story.other.email.encode() not in everything
    assert story.other.display_name.encode() not in everything
    assert story.other_evidence.title.encode() not in everything
    # The assessor is named on the decisions about her work, but her own sign-ins are not there.
    sign_ins = _json(zipped, "account/sign-ins.json")
    assert all(row["id"] for row in sign_ins)


def test_staff_download_only_their_own_information(story, signed_in):
    """The page reads only the person signed in: an assessor's archive holds her own account,
    not the work she assessed."""
    _, zipped = _download(signed_in, story.assessor)
    profile = _json(zipped, "account/profile.json")
    assert [p["email"] for p in profile] == [story.assessor.email]
    everything = b"".join(zipped.read(name) for name in zipped.namelist())
    assert b"HER-OWN-WORDS" not in everything
    assert story.evidence.title.encode() not in everything
    assert _json(zipped, "portfolio/evidence.json") == []


def test_the_download_is_audited(story, signed_in):
    _download(signed_in, story.trainee)
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "privacy.information_downloaded")
    )
    assert event.actor_id == story.trainee.id
    assert event.object_id == str(story.trainee.id)
    assert event.detail["files"] > 30


def test_the_page_explains_the_download(story, signed_in):
    page = signed_in(story.trainee).get("/my/information").get_data(as_text=True)
    assert "Download my information" in page
    assert "/my/information/download" in page
    assert "/my/information/looks" in page


class _Counted(io.BytesIO):
    """A large file that says how much of it was read at once, and whether it was closed."""

    largest_read = 0
    closed_after = False

    def read(self, size=-1):
        _Counted.largest_read = max(_Counted.largest_read, size)
        return super().read(size)

    def close(self):
        _Counted.closed_after = True
        super().close()


def test_large_files_are_copied_in_pieces_and_names_cannot_leave_the_archive(story, app):
    big = b"x" * (3 * archive.CHUNK + 5)

    def extra(session, user):
        yield "../../outside/big file.bin", _Counted(big)
        yield "notes/same.txt", "first"
        yield "notes/same.txt", "second"

    with (
        extended(Capability("extra", hooks={"subject_access": (extra,)})),
        app.test_request_context(),
    ):
        handle, name = archive.build_archive(db.session, story.trainee, today=DAY.date())
    with zipfile.ZipFile(handle) as zipped:
        assert zipped.read("outside/big-file.bin") == big
        assert zipped.read("notes/same.txt") == b"first"
        assert zipped.read("notes/same-2.txt") == b"second"
        assert all(not n.startswith(("/", "..")) for n in zipped.namelist())
    handle.close()
    assert 0 < _Counted.largest_read <= archive.CHUNK
    assert _Counted.closed_after
    assert name == "my-information-2026-03-02.zip"


def test_invitations_to_her_address_are_in_her_archive_and_no_one_elses(story, signed_in):
    for email, name in ((story.trainee.email, "Her invitation"), (story.other.email, "Not hers")):
        db.session.add(
            EnrolmentInvitation(
                organisation_id=story.setting.organisation.id,
                course_id=story.setting.course.id,
                cohort_id=story.setting.cohort.id,
                email=email,
                name=name,
                expires_at=utcnow() + timedelta(days=7),
            )
        )
    db.session.commit()
    _, zipped = _download(signed_in, story.trainee)
    assert [row["name"] for row in _json(zipped, "learning/invitations.json")] == ["Her invitation"]
