"""A small organisation's signed history: a referred decision and a sign-off reviewed by the
IQA, two qualifications awarded (one since revoked), and the audit trail of all of it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select, text

from lms.accounts.roles import Role
from lms.accreditation.models import QualificationAward, Revocation
from lms.accreditation.operations import revoke_award
from lms.assessment import operations
from lms.assessment.models import Countersignature, Decision, IqaSample, Outcome
from lms.assessment.operations import Verdict
from lms.extensions import db
from lms.ledger.triggers import create_triggers, drop_triggers
from lms.portfolio import operations as portfolio
from tests.factories import CohortFactory, PartnerFactory, add_evidence, assessment_setting, member
from tests.factories.accreditation import complete, enrol_trainee, make_qualification, staff_for


@dataclass
class History:
    setting: object
    referred: Decision
    signed_off: Decision
    review: Countersignature
    awards: list[QualificationAward]
    revocation: Revocation


def _judge(setting, outcome, met_all: bool):
    submission = portfolio.submit_unit(
        db.session, setting.enrolment, setting.unit, declaration_confirmed=True
    )
    db.session.commit()
    criteria = setting.criteria()
    verdicts = {c.id: Verdict(True, f"Criterion {c.number} is clearly met.") for c in criteria}
    if not met_all:
        verdicts[criteria[-1].id] = Verdict(False, "Tell me how you ended the session.")
    decision = operations.judge(
        db.session,
        submission,
        setting.assessor,
        expected_version=submission.state_version,
        outcome=outcome,
        verdicts=verdicts,
        feedback="Thoughtful and honest writing.",
        actions="" if met_all else "Add how you closed the session.",
    )
    db.session.commit()
    return decision


@pytest.fixture
def history(app, session) -> History:
    partner = PartnerFactory(name="Northside Women's Centre", slug="northside")
    setting = assessment_setting(partner)
    add_evidence(setting, setting.criteria())
    referred = _judge(setting, Outcome.REFERRED, met_all=False)
    signed_off = _judge(setting, Outcome.SIGNED_OFF, met_all=True)
    sample = session.scalar(select(IqaSample).where(IqaSample.decision_id == signed_off.id))
    review = operations.review_sample(
        session, sample, setting.iqa, agrees=True, comments="Agreed, well judged."
    )
    session.commit()

    qualification = make_qualification()
    staff = staff_for(partner)
    cohort = CohortFactory(organisation=partner, course=qualification.course, name="Spring")
    amira = enrol_trainee(qualification, partner, cohort=cohort, display_name="Amira Hassan")
    bethany = enrol_trainee(qualification, partner, cohort=cohort, display_name="Bethany Cole")
    complete(session, qualification, amira, staff)
    complete(session, qualification, bethany, staff)
    awards = list(session.scalars(select(QualificationAward).order_by(QualificationAward.id)))
    admin = member(partner.franchisor, Role.ADMIN)
    revocation = revoke_award(
        session, awards[0], revoked_by=admin, reason="Evidence was not her own work."
    )
    session.commit()
    return History(setting, referred, signed_off, review, awards, revocation)


@pytest.fixture
def superuser(app):
    """`superuser(sql, ...)`: run SQL as someone with the database's own tools would, the
    append-only triggers dropped first (a superuser can), then put back."""

    def run(*statements: str, **params):
        db.session.rollback()
        with db.engine.begin() as connection:
            drop_triggers(connection)
            for statement in statements:
                connection.execute(text(statement), params)
            create_triggers(connection)
        db.session.expire_all()

    return run
