"""The quiz on a unit page: for the trainee, whether she has taken it and a link to take it;
for staff looking at a trainee's learning, how she has done; in a preview, what it is.
A fixed number of queries (at most three), whatever the history."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.curriculum.models import Enrolment, Unit
from lms.curriculum.panels import Panel, unit_panel
from lms.db import utcnow
from lms.i18n import _, current_language
from lms.quizzes import queries
from lms.quizzes.models import Quiz, QuizAttempt

TEMPLATE = "quizzes/_unit_panel.html"


def quiz_of_unit(session: Session, unit: Unit) -> Quiz | None:
    """The current quiz a unit names, or else one written for its code."""
    names = Quiz.unit_code == unit.code
    if unit.quiz_ref:
        names = or_(Quiz.slug == unit.quiz_ref, names)
    return session.scalar(
        select(Quiz)
        .where(Quiz.is_current.is_(True), names)
        .order_by((Quiz.slug == (unit.quiz_ref or "")).desc(), Quiz.slug)
        .limit(1)
    )


@unit_panel("quiz", order=20)
def quiz_panel(session: Session, user: User, unit: Unit, enrolment: Enrolment | None):
    quiz = quiz_of_unit(session, unit)
    if quiz is None:
        if not unit.quiz_ref:
            return None
        return Panel(_("Knowledge check"), TEMPLATE, {"quiz": None, "quiz_ref": unit.quiz_ref})
    context = {
        "quiz": quiz,
        "definition": quiz.parsed.in_language(current_language().code),
        "enrolment": enrolment,
    }
    if enrolment is not None:
        attempts = session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.quiz_slug == quiz.slug)
            .order_by(QuizAttempt.number)
        ).all()
        context.update(
            attempts=attempts,
            open_attempt=next((a for a in attempts if a.is_open), None),
            best=max(
                (a.score_percent for a in attempts if a.score_percent is not None), default=None
            ),
            passed=any(a.passed for a in attempts),
            own=enrolment.user_id == user.id,
            status=queries.availability_for(session, quiz, enrolment.id, utcnow())
            if enrolment.user_id == user.id
            else None,
        )
    return Panel(_("Knowledge check"), TEMPLATE, context)
