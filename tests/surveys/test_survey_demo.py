"""The demo's surveys, answered through the ordinary operations: the report shows figures for
Northside's trainees and Harbour's mentees, and "fewer than five people" for the rest."""

from sqlalchemy import func, select

from lms.accounts.models import Organisation
from lms.core.demo import load_demo
from lms.db import utcnow
from lms.practice import impact
from lms.practice.surveys.format import Moment
from lms.practice.surveys.models import SurveyResponse
from tests.factories import course_with_content


def _report(session, slug):
    organisation = session.scalar(select(Organisation).where(Organisation.slug == slug))
    result = impact.impact_report(session, impact.scope_of(organisation), utcnow().date())
    return {part.survey.id: part for part in result.surveys}


def test_demo_answers_show_some_figures_and_suppress_others(app, session):
    course_with_content(units=2, lessons=2, code="ALRM3", title="Level 3 Certificate")
    load_demo(session)
    session.commit()
    northside, harbour = _report(session, "northside"), _report(session, "harbour")

    confidence = northside["mentor-confidence"]
    shown = [row for row in confidence.changes if row.shown]
    assert shown
    assert all(row.people.value == 5 and row.change.value > 0 for row in shown)
    assert confidence.charts
    start = next(r for r in confidence.rates if r.moment is Moment.START)
    assert (start.invited, start.answered.value) == (5, 5)
    harbour_start = next(r for r in harbour["mentor-confidence"].rates)
    assert not harbour_start.answered.shown  # none of Harbour's four trainees answered

    assert harbour["mentee-feedback"].rates[0].answered.value == 6
    assert harbour["mentee-feedback"].scores[0].mean.shown
    assert not northside["mentee-feedback"].rates[0].answered.shown

    count = session.scalar(select(func.count()).select_from(SurveyResponse))
    load_demo(session)  # safe to run again
    session.commit()
    assert session.scalar(select(func.count()).select_from(SurveyResponse)) == count
