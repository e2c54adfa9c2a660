"""Changing quizzes and attempts. Functions flush; the caller commits. Every function that
depends on the time takes `now`, so tests can freeze it.

An attempt's life: `start_attempt` draws its paper; `save_answers` keeps each question's
answer as she goes; `submit_attempt` hands it in once — an atomic
`UPDATE … WHERE submitted_at IS NULL`, so a double submit, even a concurrent one, is graded
once — and grades it on the server. After the time limit nothing more is saved, and the
attempt is graded as at its deadline with the answers saved before it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from lms.audit.operations import record
from lms.curriculum.models import Enrolment
from lms.db import utcnow
from lms.errors import DomainError
from lms.i18n import _, current_language
from lms.quizzes import queries
from lms.quizzes.answers import FormData, read_question_form
from lms.quizzes.drawing import draw_paper
from lms.quizzes.format import Quiz as QuizDefinition
from lms.quizzes.grading import TamperedAnswer, grade_attempt
from lms.quizzes.models import Quiz, QuizAnswer, QuizAttempt


class TamperedForm(DomainError):
    """The posted form could not have come from the page; nothing was saved."""

    def __init__(self, detail: str):
        super().__init__(
            _(
                "We could not save this answer because the form did not match your quiz. "
                "Please reload the page and try again."
            )
        )
        self.detail = detail


class AttemptClosed(DomainError):
    """The attempt was handed in (or its time ran out); answers can no longer change."""


# --- syncing from files ----------------------------------------------------------------------


@dataclass
class SyncReport:
    added: list[str]
    changed: list[str]
    unchanged: list[str]
    retired: list[str]


def sync_quizzes(
    session: Session, definitions: Iterable[QuizDefinition], *, now: datetime | None = None
) -> SyncReport:
    """Make the current quiz versions match the files: a new version for new or changed
    content, nothing for unchanged content, and quizzes whose file is gone stop being current
    (their rows stay for the attempts that used them)."""
    now = now or utcnow()
    report = SyncReport([], [], [], [])
    current = {q.slug: q for q in session.scalars(select(Quiz).where(Quiz.is_current.is_(True)))}
    for definition in definitions:
        content_hash = definition.content_hash
        row = current.pop(definition.id, None)
        if row is not None and row.content_hash == content_hash:
            row.synced_at = now
            report.unchanged.append(definition.id)
            continue
        latest = session.scalar(
            select(Quiz).where(Quiz.slug == definition.id).order_by(Quiz.version.desc()).limit(1)
        )
        if row is not None:
            row.is_current = False
        if latest is not None and latest.content_hash == content_hash:
            latest.is_current, latest.synced_at = True, now  # a retired quiz is back unchanged
        else:
            session.add(
                Quiz(
                    slug=definition.id,
                    version=(latest.version + 1) if latest else 1,
                    is_current=True,
                    unit_code=definition.unit,
                    title=definition.title,
                    schema_version=definition.schema_version,
                    definition=definition.to_dict(),
                    content_hash=content_hash,
                    created_at=now,
                    synced_at=now,
                )
            )
        (report.changed if latest is not None else report.added).append(definition.id)
    for slug, row in current.items():
        row.is_current = False
        report.retired.append(slug)
    session.flush()
    return report


# --- attempts --------------------------------------------------------------------------------


def start_attempt(
    session: Session,
    enrolment: Enrolment,
    quiz: Quiz,
    *,
    now: datetime | None = None,
    seed: int | None = None,
    language: str | None = None,
) -> QuizAttempt:
    """Start an attempt at the current version of `quiz` within `enrolment`, or return the
    attempt already open there. The paper is in `language` (by default the reader's) where
    the quiz is translated into it. Attempt limits and waits are enforced (see `limits`).

    Two starts at the same moment cannot both create an attempt: the second one's insert
    breaks the unique attempt number (`start_or_resume_attempt` then resumes the open one).
    """
    now = now or utcnow()
    if not quiz.is_current:
        raise DomainError(_("This quiz has been replaced by a newer version. Please start again."))
    if not enrolment.is_active:
        raise DomainError(_("This enrolment has been withdrawn, so quizzes cannot be started."))
    existing = queries.open_attempt(session, enrolment.id, quiz.slug)
    if existing is not None and not close_if_expired(session, existing, now=now):
        return existing
    status = queries.availability_for(session, quiz, enrolment.id, now)
    if not status.can_start:
        raise DomainError(status.reason or _("You cannot start this quiz just now."))
    number = (
        session.scalar(
            select(func.max(QuizAttempt.number)).where(
                QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.quiz_slug == quiz.slug
            )
        )
        or 0
    ) + 1
    seed = secrets.randbits(62) if seed is None else seed
    # In her language where the quiz is translated into it; the whole attempt keeps it.
    definition = quiz.parsed.in_language(language or current_language().code)
    drawn = draw_paper(definition, seed)
    drawn.paper["language"] = definition.language
    limit = quiz.parsed.time_limit_minutes
    attempt = QuizAttempt(
        quiz=quiz,
        quiz_slug=quiz.slug,
        user_id=enrolment.user_id,
        enrolment_id=enrolment.id,
        number=number,
        seed=seed,
        paper=drawn.paper,
        paper_key=drawn.key,
        started_at=now,
        deadline=now + timedelta(minutes=limit) if limit else None,
    )
    session.add(attempt)
    session.flush()
    return attempt


def start_or_resume_attempt(session: Session, enrolment: Enrolment, quiz: Quiz) -> QuizAttempt:
    """`start_attempt`, and when another start at the same moment (two tabs, a double click)
    has just created the attempt, that one, resumed: only this start is undone."""
    enrolment_id, slug = enrolment.id, quiz.slug
    try:
        with session.begin_nested():
            return start_attempt(session, enrolment, quiz)
    except IntegrityError:
        attempt = queries.open_attempt(session, enrolment_id, slug)
        if attempt is None:
            raise
        return attempt


def _quiz_of(session: Session, attempt: QuizAttempt) -> QuizDefinition:
    """The quiz as her paper was drawn: in the language she took it in."""
    return session.get(Quiz, attempt.quiz_id).parsed.in_language(attempt.paper_language)


def save_answers(
    session: Session,
    attempt: QuizAttempt,
    question_id: str,
    form: FormData | Mapping[str, Any],
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Save the answers posted for one question of the paper (a scenario: all its questions).
    An empty answer removes the saved one. Returns what was saved, per question."""
    now = now or utcnow()
    _refuse_if_closed(attempt, now)
    try:
        answers = read_question_form(
            _quiz_of(session, attempt), attempt.paper_key, question_id, form
        )
    except TamperedAnswer as error:
        raise TamperedForm(str(error)) from error
    # Only an attempt that is still open, and within its time, may take answers. The update
    # also orders a save and a submit of the same attempt, so a save never lands after grading.
    still_open = session.execute(
        update(QuizAttempt)
        .where(
            QuizAttempt.id == attempt.id,
            QuizAttempt.submitted_at.is_(None),
            or_(QuizAttempt.deadline.is_(None), QuizAttempt.deadline > now),
        )
        .values(last_saved_at=now)
        .execution_options(synchronize_session=False)
    )
    if still_open.rowcount != 1:
        session.refresh(attempt)
        _refuse_if_closed(attempt, now)
        raise AttemptClosed(_("This attempt can no longer take answers."))
    set_committed_value(attempt, "last_saved_at", now)
    saved = {
        row.question_id: row
        for row in session.scalars(
            select(QuizAnswer).where(
                QuizAnswer.attempt_id == attempt.id, QuizAnswer.question_id.in_(list(answers))
            )
        )
    }
    for answered_id, value in answers.items():
        row = saved.get(answered_id)
        if value is None:
            if row is not None:
                session.delete(row)
        elif row is not None:
            row.value, row.saved_at = value, now
        else:
            session.add(
                QuizAnswer(
                    attempt_id=attempt.id, question_id=answered_id, value=value, saved_at=now
                )
            )
    session.flush()
    return answers


def _refuse_if_closed(attempt: QuizAttempt, now: datetime) -> None:
    if attempt.submitted_at is not None:
        raise AttemptClosed(
            _("This attempt has already been handed in, so its answers can no longer change.")
        )
    if attempt.deadline is not None and now >= attempt.deadline:
        raise AttemptClosed(
            _(
                "The time for this attempt has run out, so answers can no longer be saved. "
                "The answers you saved in time will be marked."
            )
        )


def submit_attempt(session: Session, attempt: QuizAttempt, *, now: datetime | None = None) -> bool:
    """Hand the attempt in and grade it. Returns False, changing nothing, when it had already
    been handed in (a double submit). After the time limit it is handed in as at the
    deadline, with only the answers saved before it."""
    now = now or utcnow()
    submitted_at, timed_out = now, False
    if attempt.deadline is not None and now > attempt.deadline:
        submitted_at, timed_out = attempt.deadline, True
    handed_in = session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None))
        .values(submitted_at=submitted_at, timed_out=timed_out)
        .execution_options(synchronize_session=False)
    )
    if handed_in.rowcount != 1:
        session.refresh(attempt)
        return False
    set_committed_value(attempt, "submitted_at", submitted_at)
    set_committed_value(attempt, "timed_out", timed_out)
    answers = dict(
        session.execute(
            select(QuizAnswer.question_id, QuizAnswer.value).where(
                QuizAnswer.attempt_id == attempt.id, QuizAnswer.saved_at <= submitted_at
            )
        ).all()
    )
    grade = grade_attempt(_quiz_of(session, attempt), attempt.question_ids, answers)
    attempt.score_percent = grade.percent(2)
    attempt.passed = grade.passed
    attempt.graded_at = now
    session.flush()
    organisation_id = session.scalar(
        select(Enrolment.organisation_id).where(Enrolment.id == attempt.enrolment_id)
    )
    record(
        session,
        "quiz.attempt_submitted",
        obj=attempt,
        organisation_id=organisation_id,
        quiz=attempt.quiz_slug,
        number=attempt.number,
        score=str(attempt.score_percent),
        passed=grade.passed,
        timed_out=timed_out,
    )
    return True


def close_if_expired(
    session: Session, attempt: QuizAttempt, *, now: datetime | None = None
) -> bool:
    """Hand in an open attempt whose time has run out. True when this call did so."""
    now = now or utcnow()
    if attempt.submitted_at is None and attempt.deadline is not None and now >= attempt.deadline:
        return submit_attempt(session, attempt, now=now)
    return False
