"""A unit is achieved in one place only (the learner record), and every reader says so: the
portfolio, the learner record, the cohort progress report and the API."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.accreditation.models import QualificationAward
from lms.accreditation.operations import record_unit_achievement, revoke_award
from lms.accreditation.queries import ENROLMENT_WITH_PEOPLE, learner_record
from lms.assessment import operations
from lms.assessment.models import Outcome
from lms.assessment.operations import Verdict
from lms.assessment.progress import assessment_status
from lms.assessment.standing import portfolio_progress
from lms.assessment.unit_status import UnitStatus, unit_standing
from lms.curriculum.models import Enrolment
from lms.db import utcnow
from lms.errors import DomainError
from lms.extensions import db
from lms.notifications.models import Notification
from lms.portfolio import operations as portfolio
from tests.factories import PartnerFactory, add_evidence, api_token, assessment_setting, member
from tests.factories.accreditation import complete, enrol_trainee, make_qualification, staff_for


@pytest.fixture
def setting(app):
    return assessment_setting()


def what_everyone_says(setting, client) -> dict[str, str]:
    """The unit's status as each reader tells it."""
    enrolment, unit = setting.enrolment, setting.unit
    coordinator = member(setting.organisation, Role.COORDINATOR)
    token = api_token(db.session, coordinator, setting.organisation, Role.COORDINATOR)
    api = client.get(
        f"/api/v1/trainees/{enrolment.user_id}", headers={"Authorization": f"Bearer {token}"}
    ).json["data"]
    (api_unit,) = [u for u in api["enrolments"][0]["units"] if u["code"] == unit.code]
    loaded = db.session.scalar(
        select(Enrolment).options(*ENROLMENT_WITH_PEOPLE).where(Enrolment.id == enrolment.id)
    )
    record = learner_record(db.session, loaded)
    (record_unit,) = [u for u in record.units if u.unit.id == unit.id]
    matrix = assessment_status(db.session, [enrolment.id], [unit.id])
    return {
        "portfolio": portfolio_progress(db.session, enrolment, [unit.id])[0].status.value,
        "record": record_unit.status.value,
        "record text": record_unit.status_text,
        "matrix": matrix.get((enrolment.id, unit.id), ""),
        "api": api_unit["status"],
    }


def test_a_unit_on_the_record_is_achieved_everywhere_and_is_not_submitted_again(setting, client):
    # The unit is on her learner record (as an older demo put it there, with no submission).
    record_unit_achievement(
        db.session,
        setting.enrolment,
        setting.unit,
        signed_off_by=setting.assessor,
        signed_off_at=utcnow(),
    )
    add_evidence(setting, setting.criteria())
    db.session.commit()

    assert what_everyone_says(setting, client) == {
        "portfolio": "achieved",
        "record": "achieved",
        "record text": "Achieved",
        "matrix": "Achieved",
        "api": "achieved",
    }
    with pytest.raises(DomainError, match="already achieved this unit"):
        portfolio.submit_unit(
            db.session, setting.enrolment, setting.unit, declaration_confirmed=True
        )


def test_a_sign_off_being_checked_is_not_achieved_anywhere_and_waits(setting, client):
    add_evidence(setting, setting.criteria())
    submission = portfolio.submit_unit(
        db.session, setting.enrolment, setting.unit, declaration_confirmed=True
    )
    db.session.commit()
    with pytest.raises(DomainError, match="already with an assessor"):
        portfolio.submit_unit(
            db.session, setting.enrolment, setting.unit, declaration_confirmed=True
        )
    # A new assessor's first decisions are sampled: the sign-off waits for the IQA.
    operations.judge(
        db.session,
        submission,
        setting.assessor,
        expected_version=submission.state_version,
        outcome=Outcome.SIGNED_OFF,
        verdicts={c.id: Verdict(True) for c in setting.criteria()},
    )
    db.session.commit()

    assert what_everyone_says(setting, client) == {
        "portfolio": "being_checked",
        "record": "being_checked",
        "record text": "Not yet achieved: signed off, being checked",
        "matrix": "Signed off, being checked",
        "api": "being_checked",
    }
    with pytest.raises(DomainError, match="it is being checked, so there is nothing to submit"):
        portfolio.submit_unit(
            db.session, setting.enrolment, setting.unit, declaration_confirmed=True
        )
    assert UnitStatus.BEING_CHECKED.label == "Signed off, being checked"


def _latest_text(user) -> str:
    """What the person's latest notification says (her e-mail only asks her to sign in)."""
    return db.session.scalar(
        select(Notification.message)
        .where(Notification.user_id == user.id)
        .order_by(Notification.id.desc())
    )


def test_an_iqa_disagreeing_with_a_final_sign_off_leaves_her_unit_achieved(
    setting, outbox, deliver
):
    operations.save_sampling_plan(
        db.session, setting.organisation.id, setting.iqa, percentage=0, first_decisions=0
    )
    add_evidence(setting, setting.criteria())
    submission = portfolio.submit_unit(
        db.session, setting.enrolment, setting.unit, declaration_confirmed=True
    )
    decision = operations.judge(
        db.session,
        submission,
        setting.assessor,
        expected_version=submission.state_version,
        outcome=Outcome.SIGNED_OFF,
        verdicts={c.id: Verdict(True) for c in setting.criteria()},
    )
    db.session.commit()
    deliver()
    assert outbox[-1].to == [setting.trainee.email]
    assert "the unit is achieved" in _latest_text(setting.trainee)
    told_before = len(outbox)

    # An IQA samples the final decision afterwards, and disagrees.
    sample = operations.pick_for_sampling(db.session, decision, setting.iqa)
    operations.review_sample(db.session, sample, setting.iqa, agrees=False, comments="2.1 is thin.")
    db.session.commit()
    deliver()
    (assessor_told,) = outbox[told_before:]
    assert assessor_told.to == [setting.assessor.email]
    assert "The decision stands, so nothing changes for the trainee" in _latest_text(
        setting.assessor
    )
    standing = unit_standing(db.session, setting.enrolment.id, setting.unit.id)
    assert standing.status == UnitStatus.ACHIEVED


def test_a_unit_revoked_with_its_award_says_so_on_its_learning_page(app, signed_in):
    partner = PartnerFactory()
    qualification = make_qualification()
    staff = staff_for(partner)
    enrolment = enrol_trainee(qualification, partner)
    complete(db.session, qualification, enrolment, staff)
    award = db.session.scalar(select(QualificationAward))
    revoke_award(
        db.session,
        award,
        revoked_by=member(partner.franchisor, Role.ADMIN),
        reason="The evidence was found not to be her own work.",
    )
    db.session.commit()
    trainee = db.session.get(User, enrolment.user_id)
    page = signed_in(trainee).get(f"/learning/{enrolment.id}/units/A1").text
    assert "Revoked with the award" in page
    assert ">Achieved<" not in page
    progress = portfolio_progress(db.session, enrolment, [qualification.units["A1"].id])[0]
    assert progress.status == UnitStatus.REVOKED
