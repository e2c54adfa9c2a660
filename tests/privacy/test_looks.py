"""A trainee sees who has looked at her work: each time someone else opened, downloaded or
judged her evidence, from the audit trail."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.accounts.roles import Role
from lms.assessment import operations as assessment
from lms.assessment import quality
from lms.assessment.models import IqaSample, Outcome, StandardisationExercise
from lms.assessment.operations import Verdict
from lms.audit.context import acting_as
from lms.extensions import db
from lms.portfolio import operations as portfolio
from lms.portfolio.models import EvidenceFile
from lms.privacy.queries import LOOKS, WHY, looks_at_work_of
from tests.factories import CohortStaffFactory, add_evidence, assessment_setting, member


def _waiting(setting, title="My first session"):
    evidence = add_evidence(setting, setting.criteria(), title=title)
    submission = portfolio.submit_unit(
        db.session, setting.enrolment, setting.unit, declaration_confirmed=True
    )
    db.session.commit()
    stored = db.session.scalar(select(EvidenceFile).where(EvidenceFile.evidence_id == evidence.id))
    return evidence, submission, stored


def _open_everything(client, setting, evidence, submission, stored) -> None:
    enrolment = setting.enrolment.id
    for url in (
        f"/portfolio/{enrolment}/evidence/{evidence.id}",
        f"/portfolio/{enrolment}/submissions/{submission.id}",
        f"/portfolio/{enrolment}/files/{stored.id}",
        f"/assessment/submissions/{submission.id}",
    ):
        response = client.get(url)
        response.close()
        assert response.status_code == 200, url


def test_every_look_by_someone_else_is_listed_and_her_own_are_not(app, signed_in):
    setting = assessment_setting()
    setting.assessor.display_name = "Asha Assessor"
    evidence, submission, stored = _waiting(setting)
    _open_everything(signed_in(setting.assessor), setting, evidence, submission, stored)
    with acting_as(setting.assessor.id):
        assessment.judge(
            db.session,
            submission,
            setting.assessor,
            expected_version=1,
            outcome=Outcome.REFERRED,
            verdicts={c.id: Verdict(False, "More, please") for c in setting.criteria()},
            actions="Add an example.",
        )
    db.session.commit()
    # Her own looks at her own work are hers, and not listed.
    trainee = signed_in(setting.trainee)
    trainee.get(f"/portfolio/{setting.enrolment.id}/evidence/{evidence.id}").close()
    trainee.get(f"/portfolio/{setting.enrolment.id}/files/{stored.id}").close()

    looks = looks_at_work_of(db.session, setting.trainee)
    assert [look.what for look in looks] == [
        LOOKS["assessment.decided"],
        LOOKS["assessment.opened"],
        LOOKS["evidence.downloaded"],
        LOOKS["submission.viewed"],
        LOOKS["evidence.viewed"],
    ]
    assert {look.who for look in looks} == {"Asha Assessor"}
    assert {look.role for look in looks} == {"Assessor"}
    assert looks[2].detail == "“reflection.txt”"

    page = trainee.get("/my/information/looks").get_data(as_text=True)
    assert "Asha Assessor" in page
    assert "Opened your work to assess it" in page
    assert "Downloaded a file from your evidence" in page
    assert "To assess your work" in page


def test_standardisation_and_quality_assurance_looks_are_listed(app, signed_in):
    setting = assessment_setting()
    second = member(setting.organisation, Role.ASSESSOR, display_name="Bea Second")
    CohortStaffFactory(cohort=setting.cohort, user=second)
    _, submission, _ = _waiting(setting)
    exercise = quality.start_standardisation(
        db.session,
        setting.organisation,
        setting.iqa,
        title="Reflective accounts",
        submission=submission,
        assessor_ids=[setting.assessor.id, second.id],
    )
    db.session.commit()
    response = signed_in(second).get(f"/standardisation/{exercise.id}")
    response.close()
    assert response.status_code == 200
    exercise = db.session.scalar(
        select(StandardisationExercise)
        .where(StandardisationExercise.id == exercise.id)
        .options(selectinload(StandardisationExercise.participants))
    )
    with acting_as(second.id):
        quality.record_standardisation_judgement(
            db.session,
            exercise,
            second,
            outcome=Outcome.REFERRED,
            verdicts={c.id: False for c in setting.criteria()},
        )
    db.session.commit()
    looks = looks_at_work_of(db.session, setting.trainee)
    assert [(look.who, look.what) for look in looks] == [
        ("Bea Second", LOOKS["standardisation.judged"]),
        ("Bea Second", LOOKS["standardisation.opened"]),
    ]


def test_another_trainees_looks_are_not_hers(app, signed_in):
    setting = assessment_setting()
    neighbour = assessment_setting(setting.organisation)
    evidence, submission, stored = _waiting(neighbour, title="Not hers")
    _open_everything(signed_in(neighbour.assessor), neighbour, evidence, submission, stored)
    assert looks_at_work_of(db.session, setting.trainee) == []
    assert len(looks_at_work_of(db.session, neighbour.trainee)) == 4
    page = signed_in(setting.trainee).get("/my/information/looks").get_data(as_text=True)
    assert "Nobody else has looked at your work yet." in page


def test_the_page_takes_the_same_queries_however_many_looks(app, signed_in, count_queries):
    setting = assessment_setting()
    evidence, submission, stored = _waiting(setting)
    trainee = signed_in(setting.trainee)

    def queries_for_page() -> int:
        with count_queries() as counter:
            response = trainee.get("/my/information/looks")
        response.close()
        assert response.status_code == 200
        return len(counter.statements)

    _open_everything(signed_in(setting.assessor), setting, evidence, submission, stored)
    few = queries_for_page()
    second = member(setting.organisation, Role.ASSESSOR)
    CohortStaffFactory(cohort=setting.cohort, user=second)
    for person in (setting.iqa, second):
        client = signed_in(person)
        for url in (
            f"/portfolio/{setting.enrolment.id}/evidence/{evidence.id}",
            f"/portfolio/{setting.enrolment.id}/files/{stored.id}",
        ):
            response = client.get(url)
            response.close()
            assert response.status_code == 200
    assert len(looks_at_work_of(db.session, setting.trainee)) == 8
    assert queries_for_page() == few


def test_opening_her_learner_record_is_a_look_too(story, signed_in):
    coordinator = member(story.setting.organisation, Role.COORDINATOR, display_name="Cora")
    client = signed_in(coordinator)
    enrolment = story.qualification_enrolment.id
    for url in (f"/records/{enrolment}", f"/records/{enrolment}/record.pdf"):
        response = client.get(url)
        response.close()
        assert response.status_code == 200, url
    signed_in(story.trainee).get(f"/records/{enrolment}").close()  # her own: not listed
    looks = [
        (look.who, look.role, look.what) for look in looks_at_work_of(db.session, story.trainee)
    ]
    assert looks[:2] == [
        ("Cora", "Coordinator", LOOKS["record.downloaded"]),
        ("Cora", "Coordinator", LOOKS["record.viewed"]),
    ]


def test_every_kind_of_look_says_why_in_plain_words():
    assert set(WHY) == set(LOOKS)
    assert all(text[0].isupper() and not text.endswith(".") for text in WHY.values())


def test_quality_assurance_of_a_decision_on_her_work_is_listed(app, signed_in):
    setting = assessment_setting()
    _, submission, _ = _waiting(setting)
    with acting_as(setting.assessor.id):
        decision = assessment.judge(
            db.session,
            submission,
            setting.assessor,
            expected_version=1,
            outcome=Outcome.SIGNED_OFF,
            verdicts={c.id: Verdict(True) for c in setting.criteria()},
        )
    db.session.commit()
    sample = db.session.scalar(select(IqaSample).where(IqaSample.decision_id == decision.id))
    assert sample is not None  # a new assessor's first decisions are sampled
    response = signed_in(setting.iqa).get(f"/iqa/samples/{sample.id}")
    response.close()
    assert response.status_code == 200
    with acting_as(setting.iqa.id):
        assessment.review_sample(db.session, sample, setting.iqa, agrees=True)
    db.session.commit()
    looks = [(look.role, look.what) for look in looks_at_work_of(db.session, setting.trainee)]
    assert looks == [
        ("Internal quality assurer", LOOKS["iqa.agreed"]),
        ("Internal quality assurer", LOOKS["iqa.opened"]),
        ("Assessor", LOOKS["assessment.decided"]),
    ]
