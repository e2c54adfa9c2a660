"""Reading quizzes and attempts. Lists are filtered in SQL with the scopes in
`lms.quizzes.rules`, so nobody is shown a row they may not see."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import Session, joinedload

from lms.accounts.models import User
from lms.curriculum.models import CourseUnit, Enrolment, EnrolmentStatus, Unit, UnitTranslation
from lms.errors import NotFound
from lms.quizzes.analysis import AttemptRecord
from lms.quizzes.grading import Grade, grade_attempt
from lms.quizzes.limits import Availability, PastAttempt, availability
from lms.quizzes.models import Quiz, QuizAnswer, QuizAttempt
from lms.quizzes.review import ReviewQuestion, Visibility, build_review, visibility
from lms.quizzes.review import to_look_at_again as not_fully_right
from lms.quizzes.rules import quiz_analysis_organisation_ids, scope_quiz_results

PAGE_SIZE = 50


def current_quiz(session: Session, slug: str) -> Quiz:
    quiz = session.scalar(select(Quiz).where(Quiz.slug == slug, Quiz.is_current.is_(True)))
    if quiz is None:
        raise NotFound()
    return quiz


def current_quizzes(session: Session) -> list[Quiz]:
    return list(session.scalars(select(Quiz).where(Quiz.is_current.is_(True)).order_by(Quiz.slug)))


def current_quiz_for_unit(session: Session, unit_code: str) -> Quiz | None:
    return session.scalar(
        select(Quiz).where(Quiz.unit_code == unit_code, Quiz.is_current.is_(True)).limit(1)
    )


def unit_title(session: Session, unit_code: str, language: str) -> tuple[str, str] | None:
    """The unit's title in `language` where it is translated, else in its own, with the
    language it is written in: (title, language)."""
    translated = UnitTranslation.title.label("translated")
    row = session.execute(
        select(Unit.title, Unit.language, translated)
        .outerjoin(
            UnitTranslation,
            (UnitTranslation.unit_id == Unit.id) & (UnitTranslation.language == language),
        )
        .where(Unit.code == unit_code)
        .order_by(Unit.is_current.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return (row.translated, language) if row.translated else (row.title, row.language)


def enrolment_for_quiz(session: Session, user: User, quiz: Quiz) -> Enrolment | None:
    """The trainee's active enrolment on a course that includes the quiz's unit (the most
    recent, should there be several)."""
    return session.scalar(
        select(Enrolment)
        .join(CourseUnit, CourseUnit.course_id == Enrolment.course_id)
        .join(Unit, Unit.id == CourseUnit.unit_id)
        .where(
            Enrolment.user_id == user.id,
            Enrolment.status != EnrolmentStatus.WITHDRAWN,
            Unit.code == quiz.unit_code,
        )
        .order_by(Enrolment.enrolled_at.desc(), Enrolment.id.desc())
        .limit(1)
    )


def attempts_in(session: Session, enrolment_id: int, slug: str) -> list[QuizAttempt]:
    """Every attempt of a quiz (any version) within an enrolment, oldest first."""
    return list(
        session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.enrolment_id == enrolment_id, QuizAttempt.quiz_slug == slug)
            .order_by(QuizAttempt.number)
        )
    )


def open_attempt(session: Session, enrolment_id: int, slug: str) -> QuizAttempt | None:
    return session.scalar(
        select(QuizAttempt).where(
            QuizAttempt.enrolment_id == enrolment_id,
            QuizAttempt.quiz_slug == slug,
            QuizAttempt.submitted_at.is_(None),
        )
    )


def availability_for(
    session: Session, quiz: Quiz, enrolment_id: int, now: datetime
) -> Availability:
    rows = session.execute(
        select(QuizAttempt.submitted_at, QuizAttempt.passed).where(
            QuizAttempt.enrolment_id == enrolment_id,
            QuizAttempt.quiz_slug == quiz.slug,
            QuizAttempt.submitted_at.is_not(None),
        )
    )
    past = [PastAttempt(submitted_at, bool(passed)) for submitted_at, passed in rows]
    return availability(quiz.parsed, past, now)


# An attempt with its quiz version, trainee and enrolment (for rules and pages).
ATTEMPT_WITH_QUIZ = (
    joinedload(QuizAttempt.quiz),
    joinedload(QuizAttempt.user),
    joinedload(QuizAttempt.enrolment),
)


def get_attempt(session: Session, attempt_id: int) -> QuizAttempt:
    """An attempt with its quiz version, trainee and enrolment (for rules and pages)."""
    attempt = session.scalar(
        select(QuizAttempt).where(QuizAttempt.id == attempt_id).options(*ATTEMPT_WITH_QUIZ)
    )
    if attempt is None:
        raise NotFound()
    return attempt


def saved_answers(session: Session, attempt: QuizAttempt) -> dict[str, Any]:
    return dict(
        session.execute(
            select(QuizAnswer.question_id, QuizAnswer.value).where(
                QuizAnswer.attempt_id == attempt.id
            )
        ).all()
    )


def history(session: Session, user: User) -> list[QuizAttempt]:
    """A trainee's own attempts, newest first."""
    return list(
        session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == user.id)
            .options(joinedload(QuizAttempt.quiz))
            .order_by(QuizAttempt.started_at.desc(), QuizAttempt.id.desc())
        )
    )


@dataclass
class ResultsPage:
    attempts: Sequence[QuizAttempt]
    page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def results_for_staff(
    session: Session,
    viewer: User,
    *,
    slug: str | None = None,
    trainee_id: int | None = None,
    page: int = 1,
) -> ResultsPage:
    """Attempts of the trainees `viewer` may see (their own excluded), newest first."""
    conditions = [scope_quiz_results(viewer), QuizAttempt.user_id != viewer.id]
    if slug:
        conditions.append(QuizAttempt.quiz_slug == slug)
    if trainee_id:
        conditions.append(QuizAttempt.user_id == trainee_id)
    base = select(QuizAttempt).join(Enrolment, Enrolment.id == QuizAttempt.enrolment_id)
    total = session.scalar(select(func.count()).select_from(base.where(*conditions).subquery()))
    page = max(1, page)
    attempts = session.scalars(
        base.where(*conditions)
        .options(joinedload(QuizAttempt.quiz), joinedload(QuizAttempt.user))
        .order_by(QuizAttempt.started_at.desc(), QuizAttempt.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return ResultsPage(attempts, page, total or 0)


def analysis_records(session: Session, viewer: User, slug: str) -> list[AttemptRecord]:
    """Submitted attempts of a quiz (every version) by trainees of the organisations whose
    results `viewer` may analyse."""
    attempts = session.scalars(
        select(QuizAttempt)
        .join(Enrolment, Enrolment.id == QuizAttempt.enrolment_id)
        .where(
            QuizAttempt.quiz_slug == slug,
            QuizAttempt.submitted_at.is_not(None),
            Enrolment.organisation_id.in_(quiz_analysis_organisation_ids(viewer)),
        )
        .options(joinedload(QuizAttempt.quiz))
    ).all()
    answers: dict[int, dict[str, Any]] = {attempt.id: {} for attempt in attempts}
    if attempts:
        rows = session.execute(
            select(QuizAnswer.attempt_id, QuizAnswer.question_id, QuizAnswer.value)
            .join(QuizAttempt, QuizAttempt.id == QuizAnswer.attempt_id)
            .join(Enrolment, Enrolment.id == QuizAttempt.enrolment_id)
            .where(
                QuizAttempt.quiz_slug == slug,
                QuizAttempt.submitted_at.is_not(None),
                QuizAnswer.saved_at <= QuizAttempt.submitted_at,
                Enrolment.organisation_id.in_(quiz_analysis_organisation_ids(viewer)),
            )
        )
        for attempt_id, question_id, value in rows:
            answers[attempt_id][question_id] = value
    return [
        AttemptRecord(attempt.definition, attempt.question_ids, answers[attempt.id])
        for attempt in attempts
    ]


def quiz_passed(session: Session, enrolment: Enrolment, unit: Unit) -> bool:
    """Whether the trainee has passed the quiz of `unit` within `enrolment`: a passed attempt
    of any version of the quiz the unit names (`unit.quiz_ref`) or of a quiz written for the
    unit's code. False when the unit has no quiz."""
    matches_unit = Quiz.unit_code == unit.code
    if unit.quiz_ref:
        matches_unit = or_(matches_unit, QuizAttempt.quiz_slug == unit.quiz_ref)
    return bool(
        session.scalar(
            select(
                exists().where(
                    QuizAttempt.enrolment_id == enrolment.id,
                    QuizAttempt.passed.is_(True),
                    Quiz.id == QuizAttempt.quiz_id,
                    matches_unit,
                )
            )
        )
    )


def answers_at_submission(session: Session, attempt: QuizAttempt) -> dict[str, Any]:
    """The answers a submitted attempt was graded on: those saved before it was handed in."""
    return dict(
        session.execute(
            select(QuizAnswer.question_id, QuizAnswer.value).where(
                QuizAnswer.attempt_id == attempt.id, QuizAnswer.saved_at <= attempt.submitted_at
            )
        ).all()
    )


@dataclass
class AttemptResult:
    attempt: QuizAttempt
    grade: Grade
    questions: list[ReviewQuestion]
    shown: Visibility
    availability: Availability

    @property
    def to_look_at_again(self) -> list[tuple[int, ReviewQuestion]]:
        return not_fully_right(self.questions)


def attempt_result(
    session: Session, attempt: QuizAttempt, *, for_trainee: bool, now: datetime
) -> AttemptResult:
    """Score and review of a submitted attempt. The trainee sees what the quiz's review
    settings allow; staff who may see the attempt see everything."""
    version = session.get(Quiz, attempt.quiz_id)
    definition = version.parsed.in_language(attempt.paper_language)  # the words she was given
    answers = answers_at_submission(session, attempt)
    grade = grade_attempt(definition, attempt.question_ids, answers)
    current = session.scalar(
        select(Quiz).where(Quiz.slug == attempt.quiz_slug, Quiz.is_current.is_(True))
    )
    status = availability_for(session, current or version, attempt.enrolment_id, now)
    if for_trainee:
        shown = visibility(definition.review, passed=grade.passed, final=status.final)
    else:
        shown = Visibility(correctness=True, feedback=True, correct_answers=True)
    questions = build_review(definition, attempt.paper, attempt.paper_key, answers, grade, shown)
    return AttemptResult(attempt, grade, questions, shown, status)


@dataclass
class TraineeQuiz:
    quiz: Quiz
    unit_title: str | None
    submitted: int
    passed: bool
    in_progress: bool


def trainee_quizzes(session: Session, user: User) -> list[TraineeQuiz]:
    """The current quizzes of the units on the trainee's active enrolments, with how she has
    done on each (three queries, however many quizzes)."""
    her_units = (
        select(Unit.code)
        .join(CourseUnit, CourseUnit.unit_id == Unit.id)
        .join(Enrolment, Enrolment.course_id == CourseUnit.course_id)
        .where(Enrolment.user_id == user.id, Enrolment.status != EnrolmentStatus.WITHDRAWN)
    )
    quizzes = session.scalars(
        select(Quiz)
        .where(Quiz.is_current.is_(True), Quiz.unit_code.in_(her_units))
        .order_by(Quiz.unit_code, Quiz.slug)
    ).all()
    if not quizzes:
        return []
    titles = dict(
        session.execute(
            select(Unit.code, Unit.title).where(
                Unit.is_current.is_(True), Unit.code.in_([q.unit_code for q in quizzes])
            )
        ).all()
    )
    stats = {
        slug: (submitted, bool(passed), bool(open_count))
        for slug, submitted, passed, open_count in session.execute(
            select(
                QuizAttempt.quiz_slug,
                func.count(QuizAttempt.submitted_at),
                func.max(case((QuizAttempt.passed.is_(True), 1), else_=0)),
                func.sum(case((QuizAttempt.submitted_at.is_(None), 1), else_=0)),
            )
            .where(QuizAttempt.user_id == user.id)
            .group_by(QuizAttempt.quiz_slug)
        )
    }
    return [
        TraineeQuiz(q, titles.get(q.unit_code), *stats.get(q.slug, (0, False, False)))
        for q in quizzes
    ]


@dataclass(frozen=True)
class UnitQuizResult:
    """A trainee's handed-in attempts at a unit's quiz, as an assessor sees them."""

    tries: int
    passed: bool
    best_percent: int | None
    latest_percent: int | None
    latest_passed: bool | None
    latest_at: datetime | None


def unit_quiz_result(session: Session, enrolment_id: int, unit: Unit) -> UnitQuizResult:
    """Her handed-in attempts at the quiz of `unit` (any version, as `quiz_passed` counts
    them) within the enrolment: how many, the best, the latest (one query)."""
    matches_unit = Quiz.unit_code == unit.code
    if unit.quiz_ref:
        matches_unit = or_(matches_unit, QuizAttempt.quiz_slug == unit.quiz_ref)
    attempts = session.execute(
        select(QuizAttempt.submitted_at, QuizAttempt.score_percent, QuizAttempt.passed)
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .where(
            QuizAttempt.enrolment_id == enrolment_id,
            QuizAttempt.submitted_at.is_not(None),
            matches_unit,
        )
        .order_by(QuizAttempt.submitted_at, QuizAttempt.id)
    ).all()
    scores = [int(score) for _, score, _ in attempts if score is not None]
    latest = attempts[-1] if attempts else None
    return UnitQuizResult(
        tries=len(attempts),
        passed=any(passed for _, _, passed in attempts),
        best_percent=max(scores) if scores else None,
        latest_percent=int(latest[1]) if latest and latest[1] is not None else None,
        latest_passed=latest[2] if latest else None,
        latest_at=latest[0] if latest else None,
    )
