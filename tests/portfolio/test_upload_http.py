"""Uploading as people do: a refused file is explained beside the field with what she typed
kept, hostile files and unscanned ones stay in the audit trail, the size limit is the
largest file, and the assessor is told about a file that may still name someone."""

from __future__ import annotations

import io

import pytest
from markupsafe import escape
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.portfolio import antivirus, inspection
from lms.portfolio.models import Evidence, EvidenceFile
from tests.factories import add_evidence, assessment_setting
from tests.portfolio import hostile
from tests.portfolio.fake_clamd import SIGNATURE, FakeClamd

TITLE = "Listening in the first session"
DESCRIPTION = "What I noticed, and what I would do again."


@pytest.fixture
def setting(app):
    return assessment_setting()


def form(setting, name: str, content: bytes) -> dict:
    return {
        "title": TITLE,
        "evidence_type": "reflective_account",
        "description": DESCRIPTION,
        "criteria": [str(setting.criteria()[0].id)],
        "file": (io.BytesIO(content), name),
    }


def post_new(client, setting, name: str, content: bytes):
    return client.post(
        f"/portfolio/{setting.enrolment.id}/evidence/new",
        data=form(setting, name, content),
        content_type="multipart/form-data",
    )


def refusals() -> list[dict]:
    db.session.expire_all()
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "evidence.file_refused")
    )
    return [event.detail for event in events]


def assert_kept_what_she_typed(response) -> None:
    page = response.get_data(as_text=True)
    assert f'value="{TITLE}"' in page
    assert DESCRIPTION in page


@pytest.mark.parametrize(
    "sample",
    [s for s in hostile.HOSTILE if s.name in ("template.docx", "python.odt", "launch.pdf")],
    ids=lambda s: s.name,
)
def test_a_hostile_document_is_refused_on_the_form_and_audited(setting, signed_in, sample):
    response = post_new(signed_in(setting.trainee), setting, sample.name, sample.make())
    assert response.status_code == 400
    assert escape(inspection.MESSAGES[sample.reason]) in response.get_data(as_text=True)
    assert_kept_what_she_typed(response)
    assert db.session.scalar(select(Evidence)) is None
    assert refusals() == [
        {"enrolment_id": setting.enrolment.id, "reason": sample.reason, "found": None}
    ]


def test_a_hostile_file_added_to_evidence_is_refused_and_audited(setting, signed_in):
    evidence = add_evidence(setting, setting.criteria()[:1])
    response = signed_in(setting.trainee).post(
        f"/portfolio/{setting.enrolment.id}/evidence/{evidence.id}/files",
        data={"file": (io.BytesIO(hostile.pdf(hostile._xfa)), "form.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert escape(inspection.MESSAGES["pdf-xfa"]) in response.get_data(as_text=True)
    assert [f.filename for f in db.session.scalars(select(EvidenceFile))] == ["reflection.txt"]
    assert [r["reason"] for r in refusals()] == ["pdf-xfa"]


def test_an_ordinary_refusal_is_not_audited(setting, signed_in):
    response = post_new(signed_in(setting.trainee), setting, "page.txt", b"<html></html>")
    assert response.status_code == 400
    assert_kept_what_she_typed(response)
    assert refusals() == []


class TestSizeLimit:
    @pytest.fixture
    def config_overrides(self):
        return {"UPLOAD_MAX_BYTES": 4096, "MAX_CONTENT_LENGTH": 4096 + 64 * 1024}

    def test_the_file_fields_tell_the_browser_the_limit(self, setting, signed_in):
        trainee = signed_in(setting.trainee)
        page = trainee.get(f"/portfolio/{setting.enrolment.id}/evidence/new").get_data(as_text=True)
        assert 'data-max-bytes="4096"' in page
        assert 'data-too-large="This file is larger than 4 KB, the most we can accept.' in page
        evidence = add_evidence(setting, setting.criteria()[:1])
        page = trainee.get(f"/portfolio/{setting.enrolment.id}/evidence/{evidence.id}")
        assert 'data-max-bytes="4096"' in page.get_data(as_text=True)

    def test_a_file_of_exactly_the_limit_is_accepted(self, setting, signed_in):
        response = post_new(signed_in(setting.trainee), setting, "notes.txt", b"x" * 4096)
        assert response.status_code == 302
        assert db.session.scalar(select(EvidenceFile.size)) == 4096

    def test_one_byte_more_is_refused_plainly_with_what_she_typed_kept(self, setting, signed_in):
        response = post_new(signed_in(setting.trainee), setting, "notes.txt", b"x" * 4097)
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "This file is larger than 4 KB, the most we can accept." in page
        assert_kept_what_she_typed(response)
        assert db.session.scalar(select(Evidence)) is None


def test_the_request_limit_leaves_room_for_the_form_around_the_largest_file(monkeypatch, tmp_path):
    from lms.config import load_config

    monkeypatch.setenv("UPLOAD_MAX_BYTES", "1000000")
    config = load_config(tmp_path)
    assert config["UPLOAD_MAX_BYTES"] == 1_000_000
    assert config["MAX_CONTENT_LENGTH"] > 1_000_000 + 64 * 1024


class TestScanner:
    @pytest.fixture
    def clamd(self):
        server = FakeClamd()
        yield server
        server.close()

    @pytest.fixture
    def config_overrides(self, clamd):
        return {"CLAMD_SOCKET": clamd.address, "CLAMD_TIMEOUT": 1}

    def test_every_upload_is_scanned_and_a_clean_one_kept(self, setting, signed_in, clamd):
        response = post_new(signed_in(setting.trainee), setting, "notes.txt", b"My notes.")
        assert response.status_code == 302
        assert clamd.received == [b"My notes."]

    @pytest.mark.parametrize("answer", ["ERROR", "silent"])
    def test_when_the_scanner_cannot_answer_the_file_waits_for_later(
        self, setting, signed_in, clamd, answer
    ):
        clamd.answer = answer
        response = post_new(signed_in(setting.trainee), setting, "notes.txt", b"My notes.")
        assert response.status_code == 400
        assert escape(antivirus.UNAVAILABLE) in response.get_data(as_text=True)
        assert_kept_what_she_typed(response)
        assert db.session.scalar(select(Evidence)) is None
        assert [r["reason"] for r in refusals()] == ["scan-unavailable"]

    def test_a_file_the_scanner_finds_something_in_is_refused_and_audited(
        self, setting, signed_in, clamd
    ):
        clamd.answer = "FOUND"
        response = post_new(signed_in(setting.trainee), setting, "notes.txt", b"My notes.")
        assert response.status_code == 400
        assert escape(antivirus.FOUND) in response.get_data(as_text=True)
        assert refusals() == [
            {"enrolment_id": setting.enrolment.id, "reason": "virus", "found": SIGNATURE}
        ]


def test_a_name_with_look_alike_slashes_is_stored_and_sent_as_a_plain_name(setting, signed_in):
    trainee = signed_in(setting.trainee)
    name = "..\uff0f..\uff0f\uff52\uff45\uff50\uff4f\uff52\uff54\uff0e\uff54\uff58\uff54"
    response = post_new(trainee, setting, name, b"My notes.")
    assert response.status_code == 302
    stored = db.session.scalar(select(EvidenceFile))
    assert stored.filename == "report.txt"
    download = trainee.get(f"/portfolio/{setting.enrolment.id}/files/{stored.id}")
    download.close()
    # Downloads go by a neutral name (her file's own name stays on the page).
    assert (
        download.headers["Content-Disposition"] == f"attachment; filename=document-{stored.id}.txt"
    )


def test_the_assessor_is_warned_about_a_file_that_may_still_name_someone(setting, signed_in):
    add_evidence(setting, setting.criteria(), file=("signed.pdf", hostile.signed_pdf()))
    stored = db.session.scalar(select(EvidenceFile))
    assert "signed PDF" in stored.metadata_warning
    trainee = signed_in(setting.trainee)
    evidence_page = trainee.get(f"/portfolio/{setting.enrolment.id}/evidence/{stored.evidence_id}")
    assert escape(stored.metadata_warning) in evidence_page.get_data(as_text=True)
    response = trainee.post(
        f"/portfolio/{setting.enrolment.id}/units/{setting.unit.id}/submit",
        data={"declaration": "y"},
    )
    assert response.status_code == 302
    from lms.portfolio.models import Submission

    submission = db.session.scalar(select(Submission))
    judge = signed_in(setting.assessor).get(f"/assessment/submissions/{submission.id}")
    assert judge.status_code == 200
    assert escape(stored.metadata_warning) in judge.get_data(as_text=True)


def test_a_document_without_leftovers_carries_no_warning(setting, signed_in):
    add_evidence(setting, setting.criteria(), file=("reflection.docx", hostile.docx()))
    stored = db.session.scalar(select(EvidenceFile))
    assert stored.metadata_warning is None
    page = signed_in(setting.trainee).get(
        f"/portfolio/{setting.enrolment.id}/evidence/{stored.evidence_id}"
    )
    assert "may still name someone" not in page.get_data(as_text=True)
