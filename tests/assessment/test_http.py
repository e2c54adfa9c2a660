"""The portfolio and assessment as people use them, through HTTP."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from lms.accounts.roles import Role
from lms.assessment import achievements
from lms.assessment.models import Decision, IqaSample
from lms.audit.models import AuditEvent
from lms.curriculum.models import CohortRole
from lms.extensions import db
from lms.notifications.models import Notification
from lms.portfolio.models import Evidence, EvidenceFile, Submission, SubmissionStatus
from tests.factories import CohortStaffFactory, add_evidence, assessment_setting, member
from tests.portfolio import samples


@pytest.fixture
def setting(app):
    return assessment_setting()


def evidence_form(criteria, *, title="My reflection", file=None):
    data = {
        "title": title,
        "evidence_type": "reflective_account",
        "description": "What I noticed about listening.",
        "criteria": [str(c.id) for c in criteria],
    }
    if file is not None:
        name, content = file
        data["file"] = (io.BytesIO(content), name)
    return data


def judge_form(setting, submission, *, outcome, unmet=(), actions=""):
    data = {
        "state_version": str(submission.state_version),
        "outcome": outcome,
        "feedback": "Thank you for this careful work.",
        "actions": actions,
    }
    for criterion in setting.criteria():
        data[f"met-{criterion.id}"] = "no" if criterion.number in unmet else "yes"
        data[f"feedback-{criterion.id}"] = f"Feedback on {criterion.number}"
    return data


def latest_submission(setting) -> Submission:
    db.session.expire_all()
    return db.session.scalar(
        select(Submission)
        .where(Submission.enrolment_id == setting.enrolment.id)
        .order_by(Submission.id.desc())
    )


def test_the_whole_journey_through_http(setting, signed_in, outbox):
    trainee, assessor, iqa = (
        signed_in(p) for p in (setting.trainee, setting.assessor, setting.iqa)
    )
    criteria = setting.criteria()
    enrolment_id = setting.enrolment.id
    unit_id = setting.unit.id

    # The trainee adds evidence with a photo (its GPS position is dropped) and submits.
    response = trainee.post(
        f"/portfolio/{enrolment_id}/evidence/new",
        data=evidence_form(criteria[:3], file=("IMG_0001.jpg", samples.photo_with_gps())),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.data
    page = trainee.get(f"/portfolio/{enrolment_id}/units/{unit_id}")
    assert b"Evidence added, not submitted" in page.data
    assert b"<progress" in page.data
    # 2.2 has no evidence yet: she is warned first, and chooses to submit anyway.
    response = trainee.post(
        f"/portfolio/{enrolment_id}/units/{unit_id}/submit", data={"declaration": "y"}
    )
    assert response.status_code == 200
    assert b"Submit anyway" in response.data
    assert latest_submission(setting) is None
    response = trainee.post(
        f"/portfolio/{enrolment_id}/units/{unit_id}/submit",
        data={"declaration": "y", "anyway": "yes"},
    )
    assert response.status_code == 302
    first = latest_submission(setting)
    assert first.status == SubmissionStatus.SUBMITTED

    # It arrives in the assessor's queue, who refers it back with actions.
    queue = assessor.get("/assessment/queue")
    assert setting.trainee.display_name.encode() in queue.data
    assert b"0 days" in queue.data
    page = assessor.get(f"/assessment/submissions/{first.id}")
    assert b"IMG_0001.jpg" in page.data
    response = assessor.post(
        f"/assessment/submissions/{first.id}",
        data=judge_form(setting, first, outcome="referred", unmet=("2.2",), actions="Add 2.2."),
    )
    assert response.status_code == 302, response.data
    assert latest_submission(setting).status == SubmissionStatus.REFERRED
    feedback = trainee.get(f"/portfolio/{enrolment_id}/submissions/{first.id}")
    assert b"Add 2.2." in feedback.data
    assert b"Feedback on 2.2" in feedback.data
    assert b"Your " in trainee.get("/notifications").data

    # The trainee adds what was missing and resubmits; the assessor signs off.
    trainee.post(
        f"/portfolio/{enrolment_id}/evidence/new",
        data=evidence_form(criteria[3:], title="Ending a session", file=("ending.txt", b"Notes")),
        content_type="multipart/form-data",
    )
    trainee.post(f"/portfolio/{enrolment_id}/units/{unit_id}/submit", data={"declaration": "y"})
    second = latest_submission(setting)
    assert second.number == 2
    response = assessor.post(
        f"/assessment/submissions/{second.id}",
        data=judge_form(setting, second, outcome="signed_off"),
    )
    assert response.status_code == 302, response.data
    assert latest_submission(setting).status == SubmissionStatus.AWAITING_IQA
    # Until the IQA has checked it, she is told it is signed off and being checked: not yet
    # achieved, on her unit page, her portfolio, and in her notifications; her e-mail says
    # only that there is news.
    page = trainee.get(f"/portfolio/{enrolment_id}/units/{unit_id}").get_data(as_text=True)
    assert "Signed off, being checked" in page
    assert "Your assessor has signed this unit off; it is being checked." in page
    assert "Achieved" not in page
    assert "Submit for assessment" not in page
    assert "Signed off, being checked" in trainee.get(f"/portfolio/{enrolment_id}").text
    learning = trainee.get(f"/learning/{enrolment_id}/units/{setting.unit.code}").text
    assert "Signed off, being checked" in learning
    assert "it is being checked before it is final" in trainee.get("/notifications").text
    [to_her] = [m for m in outbox if m.to == [setting.trainee.email]][-1:]
    assert "There is news about your work waiting for you." in to_her.body
    assert "achieved" not in to_her.body

    # The IQA countersigns the sampled sign-off, and the unit is achieved.
    sample = db.session.scalar(select(IqaSample).order_by(IqaSample.id.desc()))
    assert b"Sampled decisions" in iqa.get("/iqa/").data
    response = iqa.post(f"/iqa/samples/{sample.id}", data={"agrees": "yes", "comments": ""})
    assert response.status_code == 302, response.data
    assert latest_submission(setting).status == SubmissionStatus.ACHIEVED
    facts = achievements.unit_achieved(db.session, setting.enrolment, setting.unit)
    assert facts is not None
    assert facts.countersigned_by == (setting.iqa.id,)
    assert b"Achieved" in trainee.get(f"/portfolio/{enrolment_id}").data
    assert "the unit is achieved and on your record" in trainee.get("/notifications").text
    recipients = [m.to[0] for m in outbox]
    # The assessor: a submission, a resubmission. The trainee: each arrived, referred back,
    # signed off and being checked, achieved.
    assert recipients.count(setting.assessor.email) == 2
    assert recipients.count(setting.trainee.email) == 5


def test_two_assessors_judging_at_once_get_one_decision_and_a_clear_message(setting, signed_in):
    other = member(setting.organisation, Role.ASSESSOR)
    CohortStaffFactory(cohort=setting.cohort, user=other, role=CohortRole.ASSESSOR)
    add_evidence(setting, setting.criteria())
    trainee = signed_in(setting.trainee)
    trainee.post(
        f"/portfolio/{setting.enrolment.id}/units/{setting.unit.id}/submit",
        data={"declaration": "y"},
    )
    submission = latest_submission(setting)
    first, second = signed_in(setting.assessor), signed_in(other)
    # Both open the page while the submission waits (state version 1).
    assert first.get(f"/assessment/submissions/{submission.id}").status_code == 200
    assert second.get(f"/assessment/submissions/{submission.id}").status_code == 200
    signed = first.post(
        f"/assessment/submissions/{submission.id}",
        data=judge_form(setting, submission, outcome="signed_off"),
    )
    late = second.post(
        f"/assessment/submissions/{submission.id}",
        data=judge_form(setting, submission, outcome="referred", actions="More please."),
    )
    assert signed.status_code == 302
    assert late.status_code == 409
    assert b"Someone else has just acted on this submission" in late.data
    assert db.session.scalar(select(func.count()).select_from(Decision)) == 1


def test_a_sign_off_with_an_unmet_criterion_is_refused_plainly(setting, signed_in):
    add_evidence(setting, setting.criteria())
    signed_in(setting.trainee).post(
        f"/portfolio/{setting.enrolment.id}/units/{setting.unit.id}/submit",
        data={"declaration": "y"},
    )
    submission = latest_submission(setting)
    response = signed_in(setting.assessor).post(
        f"/assessment/submissions/{submission.id}",
        data=judge_form(setting, submission, outcome="signed_off", unmet=("1.2",)),
    )
    assert response.status_code == 400
    assert b"not yet met: 1.2" in response.data
    assert db.session.scalar(select(func.count()).select_from(Decision)) == 0


def test_submitting_without_the_declaration_is_refused(setting, signed_in):
    add_evidence(setting, setting.criteria())
    client = signed_in(setting.trainee)
    response = client.post(
        f"/portfolio/{setting.enrolment.id}/units/{setting.unit.id}/submit",
        data={},
        follow_redirects=True,
    )
    assert b"confirm that this work is your own" in response.data
    assert latest_submission(setting) is None


# --- uploads ----------------------------------------------------------------------------------


def stored_objects(app):
    from pathlib import Path

    root = Path(app.config["EVIDENCE_STORAGE_PATH"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


ATTACKS = [
    ("empty.pdf", b"", "This file is empty"),
    ("report.pdf", samples.office("docx"), "its contents are of another kind"),
    ("setup.exe", samples.WINDOWS_PROGRAM, "Files ending in .exe cannot be evidence"),
    ("notes.pdf", samples.WINDOWS_PROGRAM, "Programs and scripts"),
    ("page.txt", samples.WEB_PAGE, "Web pages and SVG"),
    ("bomb.docx", samples.zip_bomb(megabytes=16), "unpack to far more"),
]


@pytest.mark.parametrize(("name", "content", "message"), ATTACKS, ids=[a[0] for a in ATTACKS])
def test_bad_uploads_are_refused_and_nothing_is_kept(
    app, setting, signed_in, name, content, message
):
    response = signed_in(setting.trainee).post(
        f"/portfolio/{setting.enrolment.id}/evidence/new",
        data=evidence_form(setting.criteria()[:1], file=(name, content)),
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert message.encode() in response.data.replace(b"&#34;", b'"')
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0
    assert db.session.scalar(select(func.count()).select_from(EvidenceFile)) == 0
    assert stored_objects(app) == []


def test_a_name_meant_to_escape_the_folder_is_stored_harmlessly(app, setting, signed_in):
    client = signed_in(setting.trainee)
    response = client.post(
        f"/portfolio/{setting.enrolment.id}/evidence/new",
        data=evidence_form(setting.criteria()[:1], file=("../../etc/passwd", b"just text\n")),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    stored = db.session.scalar(select(EvidenceFile))
    assert stored.filename == "passwd.txt"
    assert all("evidence" in str(p) for p in stored_objects(app))


class TestLimits:
    @pytest.fixture
    def config_overrides(self):
        return {"MAX_CONTENT_LENGTH": 64 * 1024, "EVIDENCE_QUOTA_BYTES": 40 * 1024}

    def test_a_request_over_the_size_limit_is_refused(self, app, setting, signed_in):
        response = signed_in(setting.trainee).post(
            f"/portfolio/{setting.enrolment.id}/evidence/new",
            data=evidence_form(
                setting.criteria()[:1], file=("big.pdf", samples.pdf() + bytes(100_000))
            ),
            content_type="multipart/form-data",
        )
        assert response.status_code == 413
        assert b"That file is too large" in response.data
        assert stored_objects(app) == []

    def test_a_file_over_the_quota_is_refused(self, app, setting, signed_in):
        add_evidence(setting, setting.criteria()[:1], file=("a.txt", b"x" * 30_000))
        response = signed_in(setting.trainee).post(
            f"/portfolio/{setting.enrolment.id}/evidence/new",
            data=evidence_form(setting.criteria()[:1], file=("b.txt", b"y" * 20_000)),
            content_type="multipart/form-data",
        )
        assert response.status_code == 400
        assert b"over the space you have for evidence" in response.data
        assert len(stored_objects(app)) == 1


def test_files_are_downloaded_as_attachments_and_every_download_is_audited(setting, signed_in):
    evidence = add_evidence(setting, setting.criteria()[:1], file=("Réflexion\u202e.txt", b"hello"))
    stored = db.session.scalar(select(EvidenceFile).where(EvidenceFile.evidence_id == evidence.id))
    response = signed_in(setting.assessor).get(
        f"/portfolio/{setting.enrolment.id}/files/{stored.id}",
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    body = response.get_data()
    response.close()
    assert response.status_code == 200
    assert body == b"hello"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    # Saved under a neutral name: her own name for the file stays on the page.
    assert disposition == f"attachment; filename=document-{stored.id}.txt"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "evidence.downloaded"))
    assert event.actor_id == setting.assessor.id
    assert event.organisation_id == setting.organisation.id
    assert event.ip_address == "203.0.113.9"
    assert event.detail["owner_id"] == setting.trainee.id
    assert event.detail["sha256"] == stored.sha256


def test_an_assessor_records_an_observation_for_the_trainee(setting, signed_in):
    response = signed_in(setting.assessor).post(
        f"/portfolio/{setting.enrolment.id}/record",
        data={
            **evidence_form(setting.criteria()[:2], title="Observed session"),
            "evidence_type": "observation",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.data
    evidence = db.session.scalar(select(Evidence))
    assert evidence.owner_id == setting.trainee.id
    assert evidence.recorded_by_id == setting.assessor.id
    page = signed_in(setting.trainee).get(
        f"/portfolio/{setting.enrolment.id}/evidence/{evidence.id}"
    )
    assert b"recorded by" in page.data
    # The trainee cannot rewrite what the assessor recorded.
    edit = signed_in(setting.trainee).get(
        f"/portfolio/{setting.enrolment.id}/evidence/{evidence.id}/edit"
    )
    assert edit.status_code == 403


def test_notifications_are_listed_and_can_be_marked_read(setting, signed_in):
    add_evidence(setting, setting.criteria())
    signed_in(setting.trainee).post(
        f"/portfolio/{setting.enrolment.id}/units/{setting.unit.id}/submit",
        data={"declaration": "y"},
    )
    client = signed_in(setting.assessor)
    page = client.get("/notifications")
    assert b"waiting in your assessment queue" in page.data
    client.post("/notifications/read")
    unread = db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.read_at.is_(None), Notification.user_id == setting.assessor.id)
    )
    assert unread == 0


def test_an_iqa_records_that_an_assessor_is_still_qualifying(setting, signed_in):
    client = signed_in(setting.iqa)
    slug = setting.organisation.slug
    response = client.post(
        f"/iqa/{slug}/assessors/{setting.assessor.id}/standing",
        data={"trainee": "1"},
        follow_redirects=True,
    )
    assert b"now need a countersignature" in response.data
    assert b"still qualifying" in response.data
    from lms.assessment.operations import is_trainee_assessor

    assert is_trainee_assessor(db.session, setting.assessor.id, setting.organisation.id)


def test_the_unit_learning_page_shows_the_portfolio(setting, signed_in):
    add_evidence(setting, setting.criteria()[:1])
    page = signed_in(setting.trainee).get(
        f"/learning/{setting.enrolment.id}/units/{setting.unit.code}"
    )
    assert page.status_code == 200
    assert b"Your evidence for this unit" in page.data
    assert f"/portfolio/{setting.enrolment.id}/units/{setting.unit.id}".encode() in page.data


def test_the_unit_learning_page_counts_criteria_met(setting, signed_in):
    from lms.assessment import operations
    from lms.assessment.models import Outcome
    from lms.assessment.operations import Verdict
    from lms.portfolio import operations as portfolio

    add_evidence(setting, setting.criteria())
    submission = portfolio.submit_unit(
        db.session, setting.enrolment, setting.unit, declaration_confirmed=True
    )
    operations.judge(
        db.session,
        submission,
        setting.assessor,
        expected_version=1,
        outcome=Outcome.SIGNED_OFF,
        verdicts={c.id: Verdict(True) for c in setting.criteria()},
    )
    db.session.commit()
    page = signed_in(setting.assessor).get(
        f"/learning/{setting.enrolment.id}/units/{setting.unit.code}"
    )
    assert b"4 of 4 criteria met" in page.data
    assert b"Evidence for this unit" in page.data
