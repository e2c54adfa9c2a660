"""A unit edited after assessment does not strand a trainee's work: `courses sync` moves her
evidence links to the new version's criteria of the same number, tells her on the unit's page
exactly which evidence needs its criteria chosen again, and she never has two open
submissions of one unit."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.accounts.roles import Role
from lms.assessment import operations as assessment
from lms.assessment.models import Outcome
from lms.assessment.operations import Verdict
from lms.curriculum import operations as curriculum
from lms.curriculum.format import load_catalogue
from lms.curriculum.models import AssessmentCriterion, Course, Unit
from lms.curriculum.sync import sync_catalogue
from lms.errors import DomainError
from lms.extensions import db
from lms.portfolio import operations
from lms.portfolio.models import Evidence, Submission, SubmissionStatus, SubmittedEvidence
from lms.portfolio.versions import remap_needed
from tests.factories import PartnerFactory, member
from tests.factories.course_files import T101, CourseFiles
from tests.factories.franchise import licence_whole_course

REMOVE_1_2 = '      - number: "1.2"\n        text: Explain its limits\n'


def sync(files):
    report = sync_catalogue(db.session, load_catalogue(files.courses, files.assessments))
    db.session.commit()
    return report


def current_unit(code="T101") -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code, Unit.is_current.is_(True)))


def criteria(unit: Unit) -> dict[str, int]:
    rows = db.session.execute(
        select(AssessmentCriterion.number, AssessmentCriterion.id).where(
            AssessmentCriterion.unit_id == unit.id
        )
    )
    return dict(rows.all())


def links(evidence_id: int) -> set[tuple[int, str]]:
    db.session.expire_all()
    evidence = db.session.scalar(
        select(Evidence).where(Evidence.id == evidence_id).options(selectinload(Evidence.criteria))
    )
    versions = {u.id: u.version for u in db.session.scalars(select(Unit))}
    return {(versions[c.unit_id], c.number) for c in evidence.criteria}


@pytest.fixture
def world(app, tmp_path):
    files = CourseFiles(tmp_path)
    sync(files)
    partner = PartnerFactory()
    trainee = member(partner, Role.TRAINEE)
    course = db.session.scalar(select(Course).where(Course.code == "TQ3"))
    licence_whole_course(partner, course)
    enrolment = curriculum.enrol(db.session, trainee, course, partner)
    unit = current_unit()
    numbers = criteria(unit)
    listening = operations.create_evidence(
        db.session,
        enrolment,
        title="Listening notes",
        evidence_type="reflective_account",
        description="What I noticed.",
        criterion_ids=[numbers["1.1"], numbers["2.1"]],
    )
    limits = operations.create_evidence(
        db.session,
        enrolment,
        title="Where my role stops",
        evidence_type="reflective_account",
        description="A reflection on the limits of the role.",
        criterion_ids=[numbers["1.2"]],
    )
    submission = operations.submit_unit(db.session, enrolment, unit, declaration_confirmed=True)
    db.session.commit()
    return {
        "files": files,
        "partner": partner,
        "trainee": trainee,
        "enrolment": enrolment,
        "old": unit,
        "listening": listening.id,
        "limits": limits.id,
        "submission": submission,
    }


def edit_and_sync(world):
    files = world["files"]
    files.replace(f"{T101}/unit.md", REMOVE_1_2, "")
    files.replace(f"{T101}/unit.md", "Describe the role", "Describe the peer mentor's role")
    return sync(files)


def test_sync_carries_links_to_criteria_that_remain_and_reports_the_rest(world):
    report = edit_and_sync(world)
    new = current_unit()
    assert new.version == 2
    assert "1.2" not in criteria(new)
    assert links(world["listening"]) == {(2, "1.1"), (2, "2.1")}
    assert links(world["limits"]) == {(1, "1.2")}  # nothing to move it to
    lines = report.lines()
    assert "Unit T101: 2 evidence link(s) moved to version 2." in lines
    assert (
        "Unit T101: 1 piece(s) of evidence were linked to criteria version 2 no longer has; "
        "their trainees are asked to choose criteria again." in lines
    )
    [remap] = remap_needed(db.session, world["enrolment"], new)
    assert (remap.evidence.title, remap.numbers) == ("Where my role stops", ["1.2"])
    # The frozen submission still shows exactly what was submitted against version 1.
    db.session.expire_all()
    submission = db.session.get(Submission, world["submission"].id)
    assert submission.unit_id == world["old"].id


def test_the_unit_page_says_which_evidence_to_remap_until_it_is_done(world, signed_in):
    edit_and_sync(world)
    new = current_unit()
    client = signed_in(world["trainee"])
    enrolment_id = world["enrolment"].id
    page = client.get(f"/portfolio/{enrolment_id}/units/{new.id}").text
    assert "This unit has changed" in page
    assert "Where my role stops</a> (was linked to 1.2)" in page
    assert f"/portfolio/{enrolment_id}/evidence/{world['limits']}/edit" in page
    assert "Listening notes</a> (was linked" not in page
    # The submission made against version 1 is listed on the new version's page, and still
    # stands for the unit: there is nothing to submit while it is with an assessor.
    assert "Submission 1" in page
    assert "Waiting for an assessor" in page
    assert "Submit for assessment" not in page

    # She chooses criteria again for it; the notice goes.
    response = client.post(
        f"/portfolio/{enrolment_id}/evidence/{world['limits']}/edit",
        data={
            "title": "Where my role stops",
            "evidence_type": "reflective_account",
            "description": "A reflection on the limits of the role.",
            "criteria": [str(criteria(new)["1.1"])],
        },
    )
    assert response.status_code == 302, response.text
    page = client.get(f"/portfolio/{enrolment_id}/units/{new.id}").text
    assert "This unit has changed" not in page
    assert links(world["limits"]) == {(2, "1.1")}


def test_no_second_open_submission_across_versions(world, signed_in):
    edit_and_sync(world)
    new = current_unit()
    enrolment = world["enrolment"]
    # Version 1's submission is still with an assessor: version 2 cannot be submitted too.
    with pytest.raises(DomainError, match="already with an assessor"):
        operations.submit_unit(db.session, enrolment, new, declaration_confirmed=True)
    db.session.rollback()
    client = signed_in(world["trainee"])
    response = client.post(
        f"/portfolio/{enrolment.id}/units/{new.id}/submit",
        data={"declaration": "y"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "This unit is already with an assessor." in response.text

    # Once version 1 is referred back, she submits again, against version 2, with her
    # evidence carried over.
    submission = db.session.get(Submission, world["submission"].id)
    assessor = member(world["partner"], Role.ASSESSOR)
    assessment.judge(
        db.session,
        submission,
        assessor,
        expected_version=submission.state_version,
        outcome=Outcome.REFERRED,
        verdicts={c: Verdict(False, "More, please.") for c in criteria(world["old"]).values()},
        actions="Please say more.",
    )
    db.session.commit()
    response = client.post(
        f"/portfolio/{enrolment.id}/units/{new.id}/submit", data={"declaration": "y"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    second = db.session.scalar(select(Submission).where(Submission.unit_id == new.id))
    assert (second.number, second.status) == (2, SubmissionStatus.SUBMITTED)
    items = db.session.scalars(
        select(SubmittedEvidence.evidence_id).where(SubmittedEvidence.submission_id == second.id)
    )
    assert set(items) == {world["listening"]}
