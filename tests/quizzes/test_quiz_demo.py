"""The demo gives two demo trainees a handed-in quiz: one not yet passed, one passed."""

from sqlalchemy import select

from lms.core.demo import load_demo
from lms.quizzes.models import Quiz, QuizAttempt
from tests.factories import CourseFactory, CourseUnitFactory, UnitFactory


def test_demo_attempts(app, session):
    course = CourseFactory(code="ALRM3")
    CourseUnitFactory(
        course=course, unit=UnitFactory(code="RM301", quiz_ref="rm301-knowledge-check")
    )
    load_demo(session)
    session.commit()
    attempts = session.scalars(select(QuizAttempt).order_by(QuizAttempt.started_at)).all()
    assert [a.passed for a in attempts] == [False, True]
    assert all(a.submitted_at is not None for a in attempts)
    assert session.scalar(select(Quiz.id).where(Quiz.slug == "rm301-knowledge-check"))

    load_demo(session)  # safe to run again
    session.commit()
    assert len(session.scalars(select(QuizAttempt)).all()) == 2


def test_demo_without_a_curriculum_adds_no_attempts(app, session):
    load_demo(session)
    session.commit()
    assert session.scalars(select(QuizAttempt)).all() == []
