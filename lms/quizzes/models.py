"""Quizzes in the database: each version of a quiz file, the attempts trainees make, and the
answers they save as they go.

A quiz's rows are versions: `(slug, version)` is unique and one version is current. When a
file's content changes, `courses sync` adds a new version; attempts keep pointing at the
version they took, so their paper, grading and review never shift under them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from lms.accounts.models import User
from lms.curriculum.models import Enrolment
from lms.db import Base, utcnow
from lms.quizzes.format import Quiz as QuizDefinition


class Quiz(Base):
    """One version of a quiz file: its parsed definition (with its schema version) as JSON."""

    __tablename__ = "quiz"
    __table_args__ = (UniqueConstraint("slug", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), index=True)  # the id in the file
    version: Mapped[int] = mapped_column(default=1)
    is_current: Mapped[bool] = mapped_column(default=True)
    unit_code: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(300))
    schema_version: Mapped[int]
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)

    attempts: WriteOnlyMapped[QuizAttempt] = relationship(back_populates="quiz")

    @cached_property
    def parsed(self) -> QuizDefinition:
        """The definition as typed objects (read once per loaded row)."""
        return QuizDefinition.from_dict(self.definition)

    def __repr__(self) -> str:
        return f"<Quiz {self.slug} v{self.version}>"


class QuizAttempt(Base):
    """One trainee's attempt at one version of a quiz, within one enrolment.

    `paper` is what the page shows (no answers); `paper_key` stays on the server. The attempt
    is open until `submitted_at` is set — once, by an atomic update — and then graded."""

    __tablename__ = "quiz_attempt"
    __table_args__ = (
        # One number per attempt of a quiz within an enrolment: two starts at once cannot
        # both create attempt n.
        UniqueConstraint("enrolment_id", "quiz_slug", "number"),
        Index("ix_quiz_attempt_user_id_started_at", "user_id", "started_at"),
        Index("ix_quiz_attempt_quiz_slug_submitted_at", "quiz_slug", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id"), index=True)
    quiz_slug: Mapped[str] = mapped_column(String(80))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"), index=True)
    number: Mapped[int]
    seed: Mapped[int] = mapped_column(BigInteger)
    paper: Mapped[dict[str, Any]] = mapped_column(JSON)
    paper_key: Mapped[dict[str, Any]] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline: Mapped[datetime | None]
    last_saved_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    # True when the time limit ran out before she handed it in (graded as at the deadline).
    timed_out: Mapped[bool] = mapped_column(default=False)
    graded_at: Mapped[datetime | None]
    score_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))  # rounded down
    passed: Mapped[bool | None]

    quiz: Mapped[Quiz] = relationship(back_populates="attempts", lazy="raise")
    user: Mapped[User] = relationship(lazy="raise")
    enrolment: Mapped[Enrolment] = relationship(lazy="raise")
    answers: Mapped[list[QuizAnswer]] = relationship(
        back_populates="attempt", lazy="raise", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.submitted_at is None

    def time_left(self, now: datetime) -> float | None:
        """Seconds until the deadline (never below 0), or None without a time limit."""
        if self.deadline is None:
            return None
        return max(0.0, (self.deadline - now).total_seconds())

    @property
    def question_ids(self) -> list[str]:
        return list(self.paper_key["questions"])

    @property
    def paper_language(self) -> str | None:
        """The language her paper was drawn in (None for papers drawn before quizzes were
        translated: they are in the quiz's own language)."""
        return self.paper.get("language")

    @property
    def definition(self) -> QuizDefinition:
        """The quiz as her paper was drawn: in the language she took it in, so its review
        and marking read the same words (needs `quiz` loaded)."""
        return self.quiz.parsed.in_language(self.paper_language)

    def __repr__(self) -> str:
        return f"<QuizAttempt {self.id} {self.quiz_slug} #{self.number}>"


class QuizAnswer(Base):
    """The saved answer to one answerable question of an attempt, in the quiz's own terms
    (see `lms.quizzes.grading`). Saved again and again while the attempt is open."""

    __tablename__ = "quiz_answer"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(80))
    value: Mapped[Any] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)

    attempt: Mapped[QuizAttempt] = relationship(back_populates="answers", lazy="raise")
