"""A unit signed off and countersigned in assessment becomes an achievement on the record."""

from __future__ import annotations

from sqlalchemy import select

from lms.accounts.roles import Role
from lms.accreditation.models import IssuedCredential, UnitAchievement
from lms.assessment import operations as assessment
from lms.assessment.models import IqaSample
from lms.assessment.operations import Verdict
from lms.curriculum.models import AssessmentCriterion, CohortRole
from lms.portfolio import operations as portfolio
from tests.factories import CohortFactory, PartnerFactory, add_evidence, member
from tests.factories.accreditation import Staff, enrol_trainee, make_qualification
from tests.factories.portfolio import CohortStaffFactory


def _criteria(session, unit):
    return list(
        session.scalars(
            select(AssessmentCriterion)
            .where(AssessmentCriterion.unit_id == unit.id)
            .order_by(AssessmentCriterion.id)
        )
    )


def test_sign_off_and_countersignature_reach_the_learner_record(session, signed_in):
    partner = PartnerFactory()
    qualification = make_qualification()
    cohort = CohortFactory(organisation=partner, course=qualification.course)
    staff = Staff(
        assessor=member(partner, Role.ASSESSOR, display_name="Asha Assessor"),
        iqa=member(partner, Role.IQA, display_name="Iris Quality"),
    )
    CohortStaffFactory(cohort=cohort, user=staff.assessor, role=CohortRole.ASSESSOR)
    CohortStaffFactory(cohort=cohort, user=staff.iqa, role=CohortRole.IQA)
    enrolment = enrol_trainee(qualification, partner, cohort=cohort)
    unit = qualification.units["A1"]
    criteria = _criteria(session, unit)
    add_evidence(enrolment, criteria, title="Reflecting on my first session")
    submission = portfolio.submit_unit(session, enrolment, unit, declaration_confirmed=True)
    decision = assessment.judge(
        session,
        submission,
        staff.assessor,
        expected_version=submission.state_version,
        outcome="signed_off",
        verdicts={c.id: Verdict(met=True) for c in criteria},
    )
    session.commit()
    # A new assessor's first decisions are sampled: not achieved until the IQA agrees.
    assert session.scalar(select(UnitAchievement)) is None

    sample = session.scalar(select(IqaSample).where(IqaSample.decision_id == decision.id))
    assessment.review_sample(session, sample, staff.iqa, agrees=True)
    session.commit()

    achievement = session.scalar(select(UnitAchievement))
    assert achievement.unit_code == "A1"
    assert achievement.signed_off_by_id == staff.assessor.id
    assert achievement.countersigned_by_id == staff.iqa.id
    assert achievement.countersigned_at >= achievement.signed_off_at
    assert "Reflecting on my first session" in achievement.evidence_summary
    badge = session.scalar(select(IssuedCredential))
    assert badge.unit_achievement_id == achievement.id

    page = signed_in(member(partner, Role.COORDINATOR)).get(f"/records/{enrolment.id}")
    html = page.get_data(as_text=True)
    assert "Reflecting on my first session (reflective account): met, Asha Assessor" in html
    assert "countersigned by Iris Quality" in html
