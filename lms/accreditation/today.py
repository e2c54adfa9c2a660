"""A trainee's day on one screen: where she left off, what is waiting on her, and how far she
is towards each qualification she is on.

Where each unit stands is read only from `lms.assessment.unit_status.unit_standings`; what is
still needed comes from the qualification's rules of combination and the `award_requirements`
hook. The number of queries does not grow with her lessons, evidence, attempts or submissions;
it grows with her active enrolments, of which at most `MAX_ENROLMENTS` are shown.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import BindParameter, Row, Select, bindparam, select
from sqlalchemy.orm import Session, joinedload

from lms.accounts.models import User
from lms.accreditation.models import UnitAchievement
from lms.accreditation.operations import with_other_requirements
from lms.assessment.unit_status import NOT_SUBMITTED, UnitStatus, unit_standings
from lms.curriculum.models import CourseUnit, Enrolment, Lesson, Unit
from lms.curriculum.rules import AchievedUnit, RulesResult, evaluate
from lms.i18n import _l, ngettext
from lms.portfolio.models import Evidence
from lms.quizzes.limits import PastAttempt, availability
from lms.quizzes.models import Quiz, QuizAttempt

MAX_ENROLMENTS = 3
RECENT = 3  # how many things she touched lately are offered to go back to

# The parts of the progress picture, in the order they are drawn.
PICTURE_PARTS = (
    (UnitStatus.ACHIEVED, "achieved"),
    (UnitStatus.BEING_CHECKED, "checked"),
    (UnitStatus.WITH_ASSESSOR, "assessor"),
    (UnitStatus.REFERRED, "referred"),
    (UnitStatus.NOT_SUBMITTED, "todo"),
)
PICTURE_LABELS = {
    UnitStatus.ACHIEVED: _l("achieved"),
    UnitStatus.BEING_CHECKED: _l("signed off and being checked"),
    UnitStatus.WITH_ASSESSOR: _l("with your assessor"),
    UnitStatus.REFERRED: _l("referred back for more work"),
    UnitStatus.NOT_SUBMITTED: _l("still to submit"),
}
# Statuses counted together in the picture.
_PICTURE_STATUS = {
    UnitStatus.LOOKED_AT_AGAIN: UnitStatus.WITH_ASSESSOR,
    UnitStatus.REVOKED: UnitStatus.NOT_SUBMITTED,
}


@dataclass(frozen=True)
class Touched:
    """Something she worked on lately: a lesson, a quiz or a piece of evidence."""

    kind: str  # "lesson", "quiz", "evidence"
    title: str
    at: datetime
    enrolment_id: int
    unit_code: str = ""
    slug: str = ""  # the lesson's or the quiz's
    evidence_id: int | None = None
    attempt_id: int | None = None
    in_progress: bool = False  # an open quiz attempt


@dataclass(frozen=True)
class PicturePart:
    key: str  # a CSS modifier
    label: str
    count: int
    start: float  # per cent of the bar
    width: float


@dataclass
class QualificationDay:
    enrolment: Enrolment
    total_units: int
    counts: Counter
    result: RulesResult
    required_credits: int
    referred: list[tuple[Unit, datetime | None]] = field(default_factory=list)

    @property
    def achieved_units(self) -> int:
        return self.counts[UnitStatus.ACHIEVED]

    @property
    def picture(self) -> list[PicturePart]:
        parts, start = [], 0.0
        for status, key in PICTURE_PARTS:
            count = self.counts[status]
            width = 100 * count / self.total_units if self.total_units else 0
            parts.append(PicturePart(key, str(PICTURE_LABELS[status]), count, start, width))
            start += width
        return parts

    @property
    def summary(self) -> str:
        """The picture in words."""
        return ngettext(
            "%(achieved)s of %(num)d unit achieved",
            "%(achieved)s of %(num)d units achieved",
            self.total_units,
            achieved=self.achieved_units,
        )


@dataclass(frozen=True)
class RetakeQuiz:
    quiz: Quiz
    unit_title: str
    used: int
    allowed: int | None


@dataclass
class TraineeDay:
    recent: list[Touched]
    qualifications: list[QualificationDay]
    retakes: list[RetakeQuiz]
    more_enrolments: bool = False

    @property
    def waiting_count(self) -> int:
        return sum(len(q.referred) for q in self.qualifications) + len(self.retakes)


# The statements below are built once and bound at each use: asked on every home page, and
# building a statement costs about as much as running it. They share this parameter.
def _enrolments() -> BindParameter:
    return bindparam("enrolment_ids", expanding=True)


@cache
def _quiz_attempts_statement() -> Select:
    return (
        select(
            QuizAttempt.id,
            QuizAttempt.enrolment_id,
            QuizAttempt.quiz_slug,
            QuizAttempt.started_at,
            QuizAttempt.last_saved_at,
            QuizAttempt.submitted_at,
            QuizAttempt.passed,
            Quiz.title,
        )
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .where(QuizAttempt.enrolment_id.in_(_enrolments()))
    )


@cache
def _recent_statements() -> tuple[Select, Select]:
    lessons = (
        select(Enrolment.id, Enrolment.last_viewed_at, Lesson.slug, Lesson.title, Unit.code)
        .join(Lesson, Lesson.id == Enrolment.last_lesson_id)
        .join(Unit, Unit.id == Lesson.unit_id)
        .where(Enrolment.id.in_(_enrolments()), Enrolment.last_viewed_at.is_not(None))
        .order_by(Enrolment.last_viewed_at.desc())
        .limit(RECENT)
    )
    evidence = (
        select(Evidence.id, Evidence.title, Evidence.updated_at, Evidence.enrolment_id)
        .where(Evidence.enrolment_id.in_(_enrolments()), Evidence.owner_id == bindparam("owner"))
        .order_by(Evidence.updated_at.desc(), Evidence.id.desc())
        .limit(RECENT)
    )
    return lessons, evidence


@cache
def _course_units_statement() -> Select:
    return (
        select(CourseUnit)
        .options(joinedload(CourseUnit.unit))
        .where(CourseUnit.course_id.in_(bindparam("course_ids", expanding=True)))
        .order_by(CourseUnit.course_id, CourseUnit.position)
    )


@cache
def _achievements_statement() -> Select:
    return select(UnitAchievement).where(UnitAchievement.enrolment_id.in_(_enrolments()))


def quiz_attempts(session: Session, enrolment_ids: list[int]) -> list[Row]:
    """Her quiz attempts on these enrolments, for what she did lately and what she may try
    again: only the columns shown (an attempt's paper and key are large JSON)."""
    return list(session.execute(_quiz_attempts_statement(), {"enrolment_ids": list(enrolment_ids)}))


def recent_work(
    session: Session, user: User, enrolment_ids: list[int], attempts: list[Row]
) -> list[Touched]:
    """The lessons, quiz attempts (from `quiz_attempts`) and evidence she touched last,
    newest first (two queries, each limited)."""
    found: list[Touched] = []
    lessons, evidence = _recent_statements()
    params = {"enrolment_ids": list(enrolment_ids), "owner": user.id}
    for enrolment_id, viewed_at, lesson_slug, lesson_title, unit_code in session.execute(
        lessons, params
    ):
        found.append(
            Touched("lesson", lesson_title, viewed_at, enrolment_id, unit_code, lesson_slug)
        )
    newest_attempts = sorted(attempts, key=lambda a: (a.started_at, a.id), reverse=True)
    for attempt in newest_attempts[:RECENT]:
        found.append(
            Touched(
                "quiz",
                attempt.title,
                attempt.submitted_at or attempt.last_saved_at or attempt.started_at,
                attempt.enrolment_id,
                slug=attempt.quiz_slug,
                attempt_id=attempt.id,
                in_progress=attempt.submitted_at is None,
            )
        )
    for evidence_id, title, updated_at, enrolment_id in session.execute(evidence, params):
        found.append(Touched("evidence", title, updated_at, enrolment_id, evidence_id=evidence_id))
    found.sort(key=lambda touched: touched.at, reverse=True)
    return found[:RECENT]


def _course_units(session: Session, course_ids: set[int]) -> dict[int, list[CourseUnit]]:
    by_course: dict[int, list[CourseUnit]] = defaultdict(list)
    for course_unit in session.scalars(
        _course_units_statement(), {"course_ids": sorted(course_ids)}
    ):
        by_course[course_unit.course_id].append(course_unit)
    return by_course


def _achievements(session: Session, enrolment_ids: list[int]) -> dict[int, list[AchievedUnit]]:
    achieved: dict[int, list[AchievedUnit]] = defaultdict(list)
    for row in session.scalars(_achievements_statement(), {"enrolment_ids": list(enrolment_ids)}):
        achieved[row.enrolment_id].append(AchievedUnit(row.unit_code, row.credits, row.level))
    return achieved


def qualification_days(session: Session, enrolments: list[Enrolment]) -> list[QualificationDay]:
    """Each enrolment's units by where they stand, its referred units, and what its
    qualification still needs (rules of combination and other requirements)."""
    if not enrolments:
        return []
    ids = [e.id for e in enrolments]
    course_units = _course_units(session, {e.course_id for e in enrolments})
    standings = unit_standings(
        session, ids, [cu.unit_id for units in course_units.values() for cu in units]
    )
    achieved = _achievements(session, ids)
    days = []
    for enrolment in enrolments:
        units = course_units.get(enrolment.course_id, [])
        counts: Counter = Counter()
        referred = []
        for course_unit in units:
            standing = standings.get((enrolment.id, course_unit.unit_id), NOT_SUBMITTED)
            counts[_PICTURE_STATUS.get(standing.status, standing.status)] += 1
            if standing.status == UnitStatus.REFERRED:
                referred.append((course_unit.unit, standing.submitted_at))
        # A course without rules of combination asks for every one of its units.
        rules = enrolment.course.rules_of_combination or {
            "mandatory": [course_unit.unit.code for course_unit in units]
        }
        result = evaluate(rules, achieved.get(enrolment.id, []))
        days.append(
            QualificationDay(
                enrolment,
                len(units),
                counts,
                with_other_requirements(session, enrolment, result),
                int(rules.get("minimum_credits") or 0),
                referred,
            )
        )
    return days


def quizzes_to_retake(
    session: Session, enrolments: list[Enrolment], attempts: list[Row], now: datetime
):
    """Quizzes she has tried (`attempts`, from `quiz_attempts`), not passed yet, and may
    start again now (one query)."""
    ids = [e.id for e in enrolments]
    past: dict[tuple[int, str], list[PastAttempt]] = defaultdict(list)
    open_slugs = set()
    for attempt in attempts:
        if attempt.submitted_at is None:
            open_slugs.add(attempt.quiz_slug)
        else:
            past[(attempt.enrolment_id, attempt.quiz_slug)].append(
                PastAttempt(attempt.submitted_at, bool(attempt.passed))
            )
    slugs = {slug for _, slug in past} - open_slugs
    if not slugs:
        return []
    rows = session.execute(
        select(Quiz, Unit.title)
        .join(Unit, (Unit.code == Quiz.unit_code) & Unit.is_current.is_(True))
        .where(Quiz.is_current.is_(True), Quiz.slug.in_(slugs))
        .order_by(Quiz.unit_code, Quiz.slug)
    )
    retakes = []
    for quiz, unit_title in rows:
        for enrolment_id in ids:
            attempts = past.get((enrolment_id, quiz.slug))
            if not attempts:
                continue
            status = availability(quiz.parsed, attempts, now)
            if status.can_start:
                retakes.append(RetakeQuiz(quiz, unit_title, status.used, status.allowed))
    return retakes


def trainee_day(
    session: Session, user: User, enrolments: list[Enrolment], now: datetime
) -> TraineeDay | None:
    """Her day, given her active enrolments newest first (`curriculum.queries.
    active_enrolments`, with their courses), or None when she is on no course."""
    if not enrolments:
        return None
    more = len(enrolments) > MAX_ENROLMENTS
    enrolments = enrolments[:MAX_ENROLMENTS]
    ids = [e.id for e in enrolments]
    attempts = quiz_attempts(session, ids)
    return TraineeDay(
        recent=recent_work(session, user, ids, attempts),
        qualifications=qualification_days(session, enrolments),
        retakes=quizzes_to_retake(session, enrolments, attempts, now),
        more_enrolments=more,
    )
