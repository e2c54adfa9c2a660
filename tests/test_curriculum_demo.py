"""The demo enrols the demo trainees on the shipped qualification, once."""

from sqlalchemy import func, select

from lms.core.demo import load_demo
from lms.curriculum.models import Cohort, CohortStaff, Enrolment, LessonProgress


def _counts(session):
    return tuple(
        session.scalar(select(func.count(model.id)))
        for model in (Cohort, CohortStaff, Enrolment, LessonProgress)
    )


def test_demo_without_the_curriculum_says_so(session, capsys):
    load_demo(session)
    session.commit()
    assert "courses sync" in capsys.readouterr().out
    assert _counts(session) == (0, 0, 0, 0)


def test_demo_enrols_everyone_once(app, session):
    assert app.test_cli_runner().invoke(args=["courses", "sync"]).exit_code == 0
    load_demo(session)
    session.commit()
    first = _counts(session)
    cohorts, staff, enrolments, progress = first
    assert cohorts == 4
    assert staff == 8  # an assessor and an IQA per cohort
    assert enrolments == 15 + 4  # every trainee on ALRM3, the first of each also on INTRO-PS
    assert progress > 0
    load_demo(session)
    session.commit()
    assert _counts(session) == first
