"""Quiz results appear in the coordinators' cohort progress table."""

from sqlalchemy import select

from lms.curriculum.models import CourseUnit, Unit
from lms.db import utcnow
from lms.franchise import progress
from lms.franchise.progress import ProgressFilters
from lms.quizzes.models import QuizAttempt
from tests.factories import enrol_new_trainee, licensed_partner, quiz_for_unit


def attempt(session, quiz, enrolment, number, *, passed, score):
    session.add(
        QuizAttempt(
            quiz_id=quiz.id,
            quiz_slug=quiz.slug,
            user_id=enrolment.user_id,
            enrolment_id=enrolment.id,
            number=number,
            seed=number,
            paper={},
            paper_key={},
            submitted_at=utcnow(),
            graded_at=utcnow(),
            passed=passed,
            score_percent=score,
        )
    )


def test_cohort_progress_shows_each_trainees_quiz_result(session):
    world = licensed_partner(session, seats=10)
    unit = session.scalars(
        select(Unit)
        .join(CourseUnit)
        .where(CourseUnit.course_id == world.course.id)
        .order_by(CourseUnit.position)
    ).first()
    quiz = quiz_for_unit(unit)
    passing = enrol_new_trainee(session, world.cohort, "ana@example.org", "Ana")
    trying = enrol_new_trainee(session, world.cohort, "bea@example.org", "Bea")
    enrol_new_trainee(session, world.cohort, "cat@example.org", "Cat")
    attempt(session, quiz, passing, 1, passed=False, score=50)
    attempt(session, quiz, passing, 2, passed=True, score=85)
    attempt(session, quiz, trying, 1, passed=False, score=40)
    session.commit()

    result = progress.cohort_progress(session, world.cohort, ProgressFilters())
    by_name = {row.name: row.extras.get(("quiz", unit.id)) for row in result.rows}
    assert by_name == {
        "Ana": "Passed, best 85%",
        "Bea": "Not passed yet (1 try, best 40%)",
        "Cat": None,
    }
    assert "Quiz results" not in result.pending
