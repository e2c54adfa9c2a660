"""What the quizzes hold about a person: her attempts and answers (`subject_access`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.privacy.records import Files, columns, table
from lms.quizzes.models import Quiz, QuizAnswer, QuizAttempt

# The answer key and the shuffle's seed are the quiz's, not information about her.
_NOT_HERS = ("paper_key", "seed", "user_id")


def quiz_information(session: Session, user: User) -> Files:
    attempts = session.execute(
        select(QuizAttempt, Quiz.title)
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .where(QuizAttempt.user_id == user.id)
        .order_by(QuizAttempt.id)
    ).all()
    answers = session.scalars(
        select(QuizAnswer)
        .join(QuizAttempt, QuizAttempt.id == QuizAnswer.attempt_id)
        .where(QuizAttempt.user_id == user.id)
        .order_by(QuizAnswer.attempt_id, QuizAnswer.id)
    )
    return [
        *table(
            "quizzes/attempts",
            [{**columns(a, leave_out=_NOT_HERS), "quiz": title} for a, title in attempts],
        ),
        *table("quizzes/answers", [columns(a) for a in answers]),
    ]
