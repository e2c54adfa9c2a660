"""The demo franchise: both partners licensed, cohorts staffed, warnings to show."""

from sqlalchemy import func, select

from lms.accounts.models import Organisation
from lms.core.demo import load_demo
from lms.curriculum.models import Cohort, CohortStaff, Enrolment
from lms.db import utcnow
from lms.franchise.licences import usages_for
from tests.factories import course_with_content


def test_demo_licenses_every_partner_and_shows_the_warnings(session):
    course = course_with_content(units=2, lessons=3, code="ALRM3", title="Level 3 Certificate")
    for _ in range(2):  # safe to run again
        load_demo(session)
        session.commit()
    partners = {
        o.slug: o
        for o in session.scalars(
            select(Organisation).where(Organisation.franchisor_id.is_not(None))
        )
    }
    usages = {
        u.licence.organisation_id: u
        for u in usages_for(session, [o.id for o in partners.values()], utcnow().date())
    }
    northside, harbour = usages[partners["northside"].id], usages[partners["harbour"].id]
    assert (northside.seats_used, northside.licence.seats) == (5, 6)
    assert northside.warnings() == [
        f"5 of 6 seats on the licence for {course.title} are taken: 1 left."
    ]
    assert harbour.seats_used == 4
    assert "(in 25 days)" in harbour.warnings()[0]
    assert session.scalar(select(func.count()).select_from(Cohort)) == 4
    assert session.scalar(select(func.count()).select_from(CohortStaff)) == 8
    assert session.scalar(select(func.count()).select_from(Enrolment)) == 15


def test_demo_without_a_qualification_adds_no_licences(session):
    load_demo(session)
    session.commit()
    assert session.scalar(select(func.count()).select_from(Cohort)) == 0
