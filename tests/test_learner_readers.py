"""One answer to "may this person see this learner", the same for her record, its PDF, her
portfolio, her course pages and her quiz results: an EQA reads a learner only through a grant
that is current today, wherever the EQA's own role is held (tests/assessment/test_eqa.py
follows her through every page, and grants ended early)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import select, update

from lms.accounts.operations import revoke_role
from lms.accounts.roles import Role
from lms.assessment import quality, queries
from lms.assessment.models import EqaGrant
from lms.curriculum.models import CohortRole, CohortStaff
from lms.db import utcnow
from lms.extensions import db
from lms.permissions import Reader, assesses_cohort, can, learner_enrolment_ids, reads_learner
from lms.portfolio import operations as portfolio
from tests.factories import (
    FranchisorFactory,
    PartnerFactory,
    add_evidence,
    assessment_setting,
    member,
)

LEARNER_ACTIONS = ("accreditation.view_record", "portfolio.view", "curriculum.enrolment.view")


@pytest.fixture
def setting(app):
    partner = PartnerFactory(franchisor=FranchisorFactory(name="Franchisor F"), name="Partner A")
    setting = assessment_setting(partner)
    add_evidence(setting, setting.criteria())
    db.session.commit()
    return setting


def _given(setting, eqa, *, starts: int, ends: int) -> None:
    """Give `eqa` the setting's learner from `starts` to `ends` days from today."""
    today = utcnow().date()
    quality.grant_eqa_access(
        db.session,
        setting.organisation,
        setting.iqa,
        email=eqa.email,
        enrolment_ids=[setting.enrolment.id],
        starts_on=today + timedelta(days=starts),
        ends_on=today + timedelta(days=ends),
    )
    db.session.commit()


def _sees(user, enrolment_id: int) -> bool:
    return enrolment_id in db.session.scalars(learner_enrolment_ids(user)).all()


def test_a_granted_franchisor_eqa_reads_the_record_its_pdf_and_the_portfolio(setting, signed_in):
    eqa = member(setting.organisation.franchisor, Role.EQA, display_name="Eve External")
    _given(setting, eqa, starts=-1, ends=30)
    enrolment_id = setting.enrolment.id

    client = signed_in(eqa)
    assert client.get(f"/records/{enrolment_id}").status_code == 200
    pdf = client.get(f"/records/{enrolment_id}/record.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert client.get(f"/portfolio/{enrolment_id}").status_code == 200
    assert str(escape(setting.trainee.display_name)) in client.get("/eqa/").get_data(as_text=True)
    for action in LEARNER_ACTIONS:
        assert can(eqa, action, setting.enrolment), action
    assert _sees(eqa, enrolment_id)
    # Reading is all a grant gives.
    assert not can(eqa, "accreditation.award", setting.enrolment)
    assert not can(eqa, "portfolio.contribute", setting.enrolment)


def test_an_eqa_member_without_a_grant_sees_nothing(setting, signed_in):
    eqa = member(setting.organisation, Role.EQA, display_name="Una Ungranted")
    other_eqa = member(setting.organisation.franchisor, Role.EQA)
    _given(setting, other_eqa, starts=0, ends=30)  # a grant to someone else opens nothing
    enrolment_id = setting.enrolment.id

    client = signed_in(eqa)
    # Not found, exactly like a learner who does not exist: nothing confirms she is there.
    assert client.get(f"/records/{enrolment_id}").status_code == 404
    assert client.get(f"/records/{enrolment_id}/record.pdf").status_code == 404
    assert client.get(f"/portfolio/{enrolment_id}").status_code == 404
    assert client.get(f"/organisations/{setting.organisation.slug}/records").status_code == 404
    assert str(escape(setting.trainee.display_name)) not in client.get("/eqa/").get_data(
        as_text=True
    )
    for action in LEARNER_ACTIONS:
        assert not can(eqa, action, setting.enrolment), action
    assert not _sees(eqa, enrolment_id)


@pytest.mark.parametrize(
    ("starts", "ends"),
    [pytest.param(-30, -1, id="ended-yesterday"), pytest.param(1, 30, id="begins-tomorrow")],
)
def test_a_grant_outside_its_period_sees_nothing(setting, signed_in, starts, ends):
    eqa = member(setting.organisation.franchisor, Role.EQA)
    _given(setting, eqa, starts=starts, ends=ends)
    assert db.session.scalar(select(EqaGrant.id).where(EqaGrant.user_id == eqa.id))
    enrolment_id = setting.enrolment.id

    client = signed_in(eqa)
    # Not found, exactly like a learner who does not exist: nothing confirms she is there.
    assert client.get(f"/records/{enrolment_id}").status_code == 404
    assert client.get(f"/records/{enrolment_id}/record.pdf").status_code == 404
    assert client.get(f"/portfolio/{enrolment_id}").status_code == 404
    assert str(escape(setting.trainee.display_name)) not in client.get("/eqa/").get_data(
        as_text=True
    )
    for action in LEARNER_ACTIONS:
        assert not can(eqa, action, setting.enrolment), action
    assert not _sees(eqa, enrolment_id)


def test_a_grant_opens_nothing_once_the_eqa_role_is_taken_away(setting):
    eqa = member(setting.organisation.franchisor, Role.EQA)
    _given(setting, eqa, starts=0, ends=30)
    revoke_role(db.session, eqa, setting.organisation.franchisor, Role.EQA)
    db.session.commit()
    for action in LEARNER_ACTIONS:
        assert not can(eqa, action, setting.enrolment), action
    assert not _sees(eqa, setting.enrolment.id)


def test_an_assessor_whose_role_is_taken_away_no_longer_reads_her_cohort(setting):
    submission = portfolio.submit_unit(
        db.session, setting.enrolment, setting.unit, declaration_confirmed=True
    )
    db.session.commit()
    assessor = setting.assessor
    assert can(assessor, "portfolio.view", setting.enrolment)
    assert can(assessor, "assessment.judge", submission)
    assert queries.assessor_queue(db.session, assessor)

    revoke_role(db.session, assessor, setting.organisation, Role.ASSESSOR)
    db.session.commit()
    # Her assignment to the cohort remains on record; it no longer opens anything.
    assert not can(assessor, "portfolio.view", setting.enrolment)
    assert not can(assessor, "assessment.judge", submission)
    assert not can(assessor, "portfolio.record", setting.enrolment)
    assert queries.assessor_queue(db.session, assessor) == []
    assert not reads_learner(assessor, setting.enrolment)


def test_the_franchisors_iqa_reads_the_partners_learners(setting):
    iqa = member(setting.organisation.franchisor, Role.IQA)
    for action in LEARNER_ACTIONS:
        assert can(iqa, action, setting.enrolment), action
    foreign_iqa = member(PartnerFactory(), Role.IQA)
    assert not reads_learner(foreign_iqa, setting.enrolment)


def test_coordinators_and_administrators_read_the_record_but_not_the_evidence(setting):
    for person in (
        member(setting.organisation, Role.COORDINATOR),
        member(setting.organisation.franchisor, Role.ADMIN),
    ):
        assert can(person, "accreditation.view_record", setting.enrolment)
        assert not can(person, "portfolio.view", setting.enrolment)
        assert reads_learner(person, setting.enrolment)
        assert not reads_learner(person, setting.enrolment, Reader.EQA | Reader.COHORT_ASSESSOR)


def test_whether_she_assesses_a_cohort_is_asked_again_once_what_it_rests_on_changes(
    setting, count_queries
):
    """A page asks several times whether she assesses the learner's cohort: the database is
    asked once, and again as soon as her assignment, the cohort or her roles change."""
    session = db.session
    assessor, cohort_id = setting.assessor, setting.enrolment.cohort_id
    assignment = session.scalars(
        select(CohortStaff).where(
            CohortStaff.user_id == assessor.id, CohortStaff.cohort_id == cohort_id
        )
    ).one()
    assert assesses_cohort(assessor, cohort_id, session)
    with count_queries() as counter:
        assert assesses_cohort(assessor, cohort_id, session)
    assert counter.count == 0

    # Her assignment taken off, not yet flushed; then put back by a bulk statement.
    assignment.role = CohortRole.IQA
    assert not assesses_cohort(assessor, cohort_id, session)
    assert not assesses_cohort(assessor, cohort_id, session)  # kept, now the change is flushed
    session.execute(
        update(CohortStaff)
        .where(CohortStaff.id == assignment.id)
        .values(role=CohortRole.ASSESSOR)
        .execution_options(synchronize_session=False)
    )
    assert assesses_cohort(assessor, cohort_id, session)

    # Her role taken away: her assignment no longer counts.
    revoke_role(session, assessor, setting.organisation, Role.ASSESSOR)
    assert not assesses_cohort(assessor, cohort_id, session)
    session.rollback()
    assert assesses_cohort(assessor, cohort_id, session)
