"""Demo data: two Northside trainees have handed in the RM301 knowledge check, one passed
(Danuta, whose RM301 is then signed off in the portfolio demo) and one not yet (Bethany), so
that results, review, staff results and item analysis have something to show.
`hand_in_quiz` is how other demo steps have a trainee pass a unit's quiz on her way to its
sign-off.

Runs after the curriculum's demo step (which enrols the demo trainees). Safe to run again."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.curriculum.models import Cohort, Course, CourseUnit, Unit
from lms.curriculum.operations import active_enrolment, enrol
from lms.db import utcnow
from lms.quizzes.answers import form_for_answers
from lms.quizzes.format import Scenario, load_quiz_directory
from lms.quizzes.grading import model_answer
from lms.quizzes.models import Quiz, QuizAttempt
from lms.quizzes.operations import save_answers, start_attempt, submit_attempt, sync_quizzes

DEMO_QUIZ = "rm301-knowledge-check"


def _wrong_answer(question):
    """A plausible wrong answer: a wrong option, the other value, a muddled order."""
    right = model_answer(question)
    kind = question.type
    if kind == "single_choice":
        return next(o.id for o in question.options if not o.correct)
    if kind == "multiple_response":
        return [o.id for o in question.options if not o.correct][:1]
    if kind == "true_false":
        return not right
    if kind == "short_answer":
        return "I am not sure"
    if kind == "matching":
        keys = [key for key, _ in question.choices]
        return {left: keys[(keys.index(choice) + 1) % len(keys)] for left, choice in right.items()}
    return {key: len(right) + 1 - position for key, position in right.items()}


def _answers(definition, question_ids, *, passing: bool) -> dict:
    """Every answer right for the passing attempt; only the first two questions right for the
    other."""
    answers = {}
    for position, question_id in enumerate(question_ids):
        question = definition.find(question_id)
        leaves = question.questions if isinstance(question, Scenario) else (question,)
        for leaf in leaves:
            right = passing or position < 2
            answers[leaf.id] = model_answer(leaf) if right else _wrong_answer(leaf)
    return answers


def _quiz(session: Session) -> Quiz | None:
    if session.scalar(select(Quiz.id).limit(1)) is None:
        found = load_quiz_directory(Path(current_app.config["ASSESSMENTS_PATH"]))
        if found.problems:
            return None  # `courses check` says what is wrong; the demo goes on without quizzes
        sync_quizzes(session, found.quizzes.values())
    return session.scalar(select(Quiz).where(Quiz.slug == DEMO_QUIZ, Quiz.is_current.is_(True)))


# (index of the Northside trainee, passes?)
DEMO_ATTEMPTS = ((1, False), (3, True))


def demo_quiz_attempts(session: Session, world) -> None:
    quiz = _quiz(session)
    if quiz is None:
        return
    course_unit = session.scalar(
        select(CourseUnit)
        .join(Unit, Unit.id == CourseUnit.unit_id)
        .where(Unit.code == quiz.unit_code)
        .limit(1)
    )
    if course_unit is None:
        return  # the curriculum is not loaded, so nobody can be enrolled on this unit
    partner = world.partners[0]
    cohort = session.scalar(
        select(Cohort).where(
            Cohort.organisation_id == partner.id, Cohort.course_id == course_unit.course_id
        )
    )
    course = session.get(Course, course_unit.course_id)
    started = utcnow() - timedelta(days=3)
    for order, (index, passing) in enumerate(DEMO_ATTEMPTS):
        trainee = world.trainees[partner.slug][index]
        enrolment = active_enrolment(session, trainee, course) or enrol(
            session, trainee, course, partner, cohort
        )
        already = session.scalar(
            select(QuizAttempt.id).where(
                QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.quiz_slug == quiz.slug
            )
        )
        if already is None:
            hand_in_quiz(
                session,
                enrolment,
                quiz,
                passing=passing,
                now=started + timedelta(hours=order),
                seed=1000 + index,
            )


def hand_in_quiz(
    session: Session, enrolment, quiz: Quiz, *, passing: bool, now: datetime, seed: int
) -> QuizAttempt:
    """An attempt started at `now`, answered (every answer right when `passing`), and handed
    in twelve minutes later."""
    attempt = start_attempt(session, enrolment, quiz, now=now, seed=seed)
    answers = _answers(quiz.parsed, attempt.question_ids, passing=passing)
    for question_id in attempt.question_ids:
        form = form_for_answers(quiz.parsed, attempt.paper_key, question_id, answers)
        save_answers(session, attempt, question_id, dict(_grouped(form)), now=now)
    submit_attempt(session, attempt, now=now + timedelta(minutes=12))
    return attempt


def _grouped(fields):
    grouped: dict[str, list[str]] = {}
    for name, value in fields:
        grouped.setdefault(name, []).append(value)
    return grouped.items()
