"""Erasing a person: her answers to quiz questions go; each attempt's score and pass stay, as
a unit's sign-off may rest on them."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.quizzes.models import QuizAnswer, QuizAttempt


def erase_person(session: Session, user: User) -> None:
    session.execute(
        delete(QuizAnswer).where(
            QuizAnswer.attempt_id.in_(select(QuizAttempt.id).where(QuizAttempt.user_id == user.id))
        )
    )
