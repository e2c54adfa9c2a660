"""A unit the partner's licence does not cover (that day) cannot be opened, submitted or
assessed by the partner's trainees: through HTTP, as people use it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.accounts.roles import Role
from lms.assessment.models import Decision
from lms.curriculum.models import CohortRole, CourseKind, CourseUnit, LessonProgress, Unit
from lms.db import utcnow
from lms.extensions import db
from lms.franchise import licences
from lms.franchise.enrolment import enrol_person
from lms.franchise.models import LicenceStatus
from lms.portfolio import operations as portfolio
from lms.portfolio.models import Submission
from tests.factories import CohortStaffFactory, add_evidence, licensed_partner, member

TODAY = utcnow().date()
NOT_OFFERED = "This unit is not part of your programme here \u2014 please ask your coordinator."


class Programme:
    """A partner licensed for both units of a qualification, a trainee enrolled on it, and
    the cohort's assessor."""

    def __init__(self, session):
        self.world = licensed_partner(session, units=2, lessons=2)
        self.trainee = member(self.world.partner, Role.TRAINEE, display_name="Tamsin Trainee")
        self.enrolment = enrol_person(
            session, self.world.cohort, self.trainee.email, today=TODAY
        ).enrolment
        self.assessor = member(self.world.partner, Role.ASSESSOR)
        CohortStaffFactory(cohort=self.world.cohort, user=self.assessor, role=CohortRole.ASSESSOR)
        self.kept, self.dropped = session.scalars(
            select(Unit)
            .join(CourseUnit, CourseUnit.unit_id == Unit.id)
            .where(CourseUnit.course_id == self.world.course.id)
            .order_by(CourseUnit.position)
        ).all()
        session.commit()

    def licence_only_the_first_unit(self, session):
        licence = self.world.licence
        licences.change_licence(
            session,
            licence,
            seats=licence.seats,
            starts_on=licence.starts_on,
            expires_on=licence.expires_on,
            units=[self.kept.code],
            status=licence.status,
        )
        session.commit()

    def unit_url(self, unit) -> str:
        return f"/learning/{self.enrolment.id}/units/{unit.code}"


@pytest.fixture
def programme(session):
    return Programme(session)


def progress_rows(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(LessonProgress))


def test_a_unit_taken_off_the_licence_cannot_be_opened(session, login, programme):
    programme.licence_only_the_first_unit(session)
    browser = login(programme.trainee)
    assert browser.get(programme.unit_url(programme.kept)).status_code == 200
    assert browser.get(programme.unit_url(programme.kept) + "/lessons/lesson-1").status_code == 200
    before = progress_rows(session)
    dropped = programme.unit_url(programme.dropped)
    for response in (
        browser.get(dropped),
        browser.get(dropped + "/lessons/lesson-1"),
        browser.post(dropped + "/lessons/lesson-1/complete", data={"complete": "1"}),
        browser.post(dropped + "/lessons/lesson-1/continue"),
    ):
        assert response.status_code == 403
        assert NOT_OFFERED in response.get_data(as_text=True)
    assert progress_rows(session) == before


@pytest.mark.parametrize(
    "change",
    [
        {"status": LicenceStatus.SUSPENDED},
        {"expires_on": TODAY - timedelta(days=1), "starts_on": TODAY - timedelta(days=90)},
        {"starts_on": TODAY + timedelta(days=1), "expires_on": TODAY + timedelta(days=90)},
    ],
)
def test_no_unit_opens_while_the_licence_is_not_in_force(session, login, programme, change):
    for key, value in change.items():
        setattr(programme.world.licence, key, value)
    session.commit()
    response = login(programme.trainee).get(programme.unit_url(programme.kept))
    assert response.status_code == 403
    assert NOT_OFFERED in response.get_data(as_text=True)


def test_short_courses_need_no_licence(session, login, programme):
    from lms.curriculum import operations as curriculum
    from tests.factories import course_with_content

    taster = course_with_content(units=1, lessons=1, kind=CourseKind.SHORT_COURSE)
    cohort = curriculum.create_cohort(session, programme.world.partner, taster, "Taster")
    enrolment = enrol_person(session, cohort, programme.trainee.email, today=TODAY).enrolment
    code = session.scalar(
        select(Unit.code)
        .join(CourseUnit, CourseUnit.unit_id == Unit.id)
        .where(CourseUnit.course_id == taster.id)
    )
    session.commit()
    assert login(programme.trainee).get(f"/learning/{enrolment.id}/units/{code}").status_code == 200


def test_a_unit_taken_off_the_licence_cannot_be_submitted(session, login, programme):
    criteria = db.session.scalars(
        select(portfolio.AssessmentCriterion).where(
            portfolio.AssessmentCriterion.unit_id == programme.dropped.id
        )
    ).all()
    add_evidence(programme.enrolment, criteria)
    programme.licence_only_the_first_unit(session)
    browser = login(programme.trainee)
    url = f"/portfolio/{programme.enrolment.id}/units/{programme.dropped.id}"
    response = browser.post(url + "/submit", data={"declaration": "y"})
    assert response.status_code == 302
    assert NOT_OFFERED in browser.get(response.location).get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Submission)) == 0


def test_a_unit_taken_off_the_licence_cannot_be_assessed(session, login, programme):
    criteria = db.session.scalars(
        select(portfolio.AssessmentCriterion).where(
            portfolio.AssessmentCriterion.unit_id == programme.dropped.id
        )
    ).all()
    add_evidence(programme.enrolment, criteria)
    submission = portfolio.submit_unit(
        session, programme.enrolment, programme.dropped, declaration_confirmed=True
    )
    session.commit()
    programme.licence_only_the_first_unit(session)
    data = {
        "state_version": str(submission.state_version),
        "outcome": "signed_off",
        "feedback": "Thank you.",
        "actions": "",
    }
    for criterion in criteria:
        data[f"met-{criterion.id}"] = "yes"
        data[f"feedback-{criterion.id}"] = "Met."
    response = login(programme.assessor).post(f"/assessment/submissions/{submission.id}", data=data)
    assert response.status_code == 400
    assert "cannot be assessed" in response.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Decision)) == 0
