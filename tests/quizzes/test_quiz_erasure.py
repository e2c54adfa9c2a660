"""Erasing a person takes her quiz answers and keeps her attempts' results."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.accounts.roles import Role
from lms.ledger.checks import verify_all
from lms.ledger.erasure import erase_person
from lms.quizzes.models import QuizAnswer, QuizAttempt
from lms.quizzes.operations import start_attempt, submit_attempt
from tests.factories import member
from tests.quizzes.samples import ALL_RIGHT
from tests.quizzes.test_quiz_attempts import T0, answer_all, minutes

SECRET = "test-secret-key-that-is-long-enough-for-tests"


def test_her_answers_go_and_her_result_stays(session, quiz_world):
    world = quiz_world()
    attempt = start_attempt(session, world.enrolment, world.quiz, now=T0)
    answer_all(session, attempt, ALL_RIGHT, minutes(1))
    submit_attempt(session, attempt, now=minutes(2))
    admin = member(world.franchisor, Role.ADMIN)
    session.commit()
    assert session.scalar(select(func.count(QuizAnswer.id))) > 0

    erase_person(session, world.trainee, admin, "request", secret_key=SECRET)
    session.commit()

    assert session.scalar(select(func.count(QuizAnswer.id))) == 0
    kept = session.scalar(select(QuizAttempt).where(QuizAttempt.id == attempt.id))
    assert kept.passed is True
    assert kept.score_percent == 100
    assert verify_all(session, SECRET) == []
