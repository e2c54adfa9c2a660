"""Reads for the curriculum pages. Each page makes a fixed, small number of queries whatever
the size of the course or the number of trainees: lists are loaded in one go and progress is
counted in SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import Select, and_, bindparam, exists, func, literal, select
from sqlalchemy.orm import Session, joinedload, load_only, selectinload

from lms.accounts.models import User
from lms.accreditation import award_status
from lms.curriculum.access_rules import scope_enrolments
from lms.curriculum.models import (
    ContentNoteAcknowledgement,
    Course,
    CourseAsset,
    CourseUnit,
    Enrolment,
    EnrolmentStatus,
    LearningOutcome,
    Lesson,
    LessonProgress,
    LessonTranslation,
    Unit,
    UnitTranslation,
)
from lms.errors import NotFound
from lms.i18n import language as language_named


@dataclass
class Progress:
    done: int = 0
    total: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done >= self.total


@dataclass
class EnrolmentSummary:
    enrolment: Enrolment
    progress: Progress
    status_label: str  # as every reader shows it: "Award revoked" once it was revoked


@dataclass
class UnitRow:
    course_unit: CourseUnit
    unit: Unit
    progress: Progress


@dataclass
class CourseOutline:
    course: Course
    units: list[UnitRow]
    progress: Progress = field(default_factory=Progress)


@dataclass
class Shown:
    """Course content as one reader is shown it: the translation into her language when there
    is one, else the original. `language` is the language of the words shown (the page marks
    them with it), `wanted` hers; `untranslated` says she reads the original instead."""

    title: str
    content_note: str | None
    html: str
    language: str
    wanted: str

    @property
    def untranslated(self) -> bool:
        return self.language != self.wanted

    @property
    def language_name(self) -> str:
        """The name of the language shown, in that language ("English", "Català")."""
        return language_named(self.language).name

    @property
    def wanted_name(self) -> str:
        return language_named(self.wanted).name

    @classmethod
    def of(cls, original, translation, original_language: str, wanted: str | None) -> Shown:
        """`original` and `translation` are a Unit and UnitTranslation or a Lesson and
        LessonTranslation (or None)."""
        wanted = wanted or original_language
        source, language = (
            (translation, translation.language)
            if translation is not None
            else (original, original_language)
        )
        html = source.overview_html if hasattr(source, "overview_html") else source.html
        return cls(source.title, source.content_note, html, language, wanted)


@dataclass
class LessonRow:
    id: int
    slug: str
    title: str
    minutes: int | None
    position: int
    completed_at: datetime | None = None
    viewed: bool = False
    # The language of `title`: her own when the lesson is translated into it.
    language: str | None = None


@dataclass
class LessonPage:
    lesson: Lesson
    lessons: list[LessonRow]
    index: int
    progress: LessonProgress | None
    acknowledged: bool
    shown: Shown | None = None

    @property
    def previous(self) -> LessonRow | None:
        return self.lessons[self.index - 1] if self.index > 0 else None

    @property
    def next(self) -> LessonRow | None:
        return self.lessons[self.index + 1] if self.index + 1 < len(self.lessons) else None


# --- enrolments -------------------------------------------------------------------------------


def _with_enrolment_details(statement):
    return statement.options(
        joinedload(Enrolment.course),
        joinedload(Enrolment.organisation),
        joinedload(Enrolment.user).lazyload(User.memberships),
        joinedload(Enrolment.last_lesson)
        .load_only(Lesson.id, Lesson.slug, Lesson.title, Lesson.unit_id)
        .joinedload(Lesson.unit)
        .load_only(Unit.id, Unit.code),
    )


def enrolment_for(session: Session, user: User, enrolment_id: int) -> Enrolment:
    """An enrolment the person may look at; any other id is not found."""
    enrolment = session.scalar(
        scope_enrolments(
            user,
            _with_enrolment_details(select(Enrolment)).where(Enrolment.id == enrolment_id),
        )
    )
    if enrolment is None:
        raise NotFound()
    return enrolment


def _lesson_counts(session: Session, course_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(CourseUnit.course_id, func.count(Lesson.id))
        .join(Lesson, Lesson.unit_id == CourseUnit.unit_id)
        .where(CourseUnit.course_id.in_(course_ids))
        .group_by(CourseUnit.course_id)
    )
    return dict(rows.all())


def _completed_counts(session: Session, enrolments: list[Enrolment]) -> dict[int, int]:
    rows = session.execute(
        select(LessonProgress.enrolment_id, func.count(LessonProgress.id))
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .join(Enrolment, Enrolment.id == LessonProgress.enrolment_id)
        .join(
            CourseUnit,
            and_(CourseUnit.unit_id == Lesson.unit_id, CourseUnit.course_id == Enrolment.course_id),
        )
        .where(
            LessonProgress.enrolment_id.in_([e.id for e in enrolments]),
            LessonProgress.completed_at.is_not(None),
        )
        .group_by(LessonProgress.enrolment_id)
    )
    return dict(rows.all())


def dashboard(session: Session, user: User) -> list[EnrolmentSummary]:
    """The person's own enrolments (withdrawn ones last), with lesson progress."""
    enrolments = list(
        session.scalars(
            _with_enrolment_details(select(Enrolment))
            .where(Enrolment.user_id == user.id)
            .order_by(
                (Enrolment.status == EnrolmentStatus.WITHDRAWN).asc(),
                Enrolment.enrolled_at.desc(),
                Enrolment.id.desc(),
            )
        ).unique()
    )
    if not enrolments:
        return []
    totals = _lesson_counts(session, list({e.course_id for e in enrolments}))
    done = _completed_counts(session, enrolments)
    revoked = award_status.revocations(session, [e.id for e in enrolments])
    return [
        EnrolmentSummary(
            e,
            Progress(done.get(e.id, 0), totals.get(e.course_id, 0)),
            award_status.status_label(e.status, revoked.get(e.id)),
        )
        for e in enrolments
    ]


@cache
def _active_enrolments_statement() -> Select:
    # Built once and bound at each use: asked on every trainee's home page.
    return (
        select(Enrolment)
        .where(
            Enrolment.user_id == bindparam("user_id"),
            Enrolment.status != EnrolmentStatus.WITHDRAWN,
        )
        .options(joinedload(Enrolment.course), joinedload(Enrolment.organisation))
        .order_by(Enrolment.enrolled_at.desc(), Enrolment.id.desc())
    )


def active_enrolments(session: Session, user: User) -> list[Enrolment]:
    """The courses she is on (not withdrawn from), newest first, each with its course and
    organisation."""
    return list(session.scalars(_active_enrolments_statement(), {"user_id": user.id}))


# --- courses and units ------------------------------------------------------------------------


def all_courses(session: Session) -> list[Course]:
    """Every course with its units, for the staff catalogue."""
    return list(
        session.scalars(
            select(Course)
            .options(selectinload(Course.course_units).selectinload(CourseUnit.unit))
            .order_by(Course.kind, Course.title)
        )
    )


def course_by_code(session: Session, code: str) -> Course:
    course = session.scalar(select(Course).where(Course.code == code))
    if course is None:
        raise NotFound()
    return course


def course_outline(
    session: Session, course: Course, enrolment: Enrolment | None = None, *, criteria=False
) -> CourseOutline:
    """The course's units in order, with lesson progress for `enrolment` (if any); with
    `criteria`, each unit's outcomes and criteria too."""
    unit_loader = selectinload(CourseUnit.unit)
    if criteria:
        unit_loader = unit_loader.selectinload(Unit.outcomes).selectinload(LearningOutcome.criteria)
    course_units = list(
        session.scalars(
            select(CourseUnit)
            .where(CourseUnit.course_id == course.id)
            .options(unit_loader)
            .order_by(CourseUnit.position)
        )
    )
    unit_ids = [cu.unit_id for cu in course_units]
    if enrolment is None:
        statement = select(Lesson.unit_id, func.count(Lesson.id), literal(0))
    else:
        statement = select(
            Lesson.unit_id, func.count(Lesson.id), func.count(LessonProgress.completed_at)
        ).outerjoin(
            LessonProgress,
            and_(
                LessonProgress.lesson_id == Lesson.id,
                LessonProgress.enrolment_id == enrolment.id,
            ),
        )
    statement = statement.where(Lesson.unit_id.in_(unit_ids)).group_by(Lesson.unit_id)
    counts = {unit_id: (total, done) for unit_id, total, done in session.execute(statement)}
    rows = []
    overall = Progress()
    for course_unit in course_units:
        total, done = counts.get(course_unit.unit_id, (0, 0))
        rows.append(UnitRow(course_unit, course_unit.unit, Progress(done, total)))
        overall.done += done
        overall.total += total
    return CourseOutline(course, rows, overall)


def _unit_statement(course: Course, code: str, with_criteria: bool):
    statement = (
        select(Unit)
        .join(CourseUnit, CourseUnit.unit_id == Unit.id)
        .where(CourseUnit.course_id == course.id, Unit.code == code)
    )
    if with_criteria:
        statement = statement.options(
            selectinload(Unit.outcomes).selectinload(LearningOutcome.criteria)
        )
    return statement


def unit_in_course(
    session: Session, course: Course, code: str, *, with_criteria: bool = True
) -> Unit:
    """The current version of a unit of `course` (with its outcomes and criteria)."""
    unit = session.scalar(_unit_statement(course, code, with_criteria))
    if unit is None:
        raise NotFound()
    return unit


def unit_to_read(
    session: Session, course: Course, code: str, language: str, *, with_criteria: bool = True
) -> tuple[Unit, Shown]:
    """`unit_in_course`, with its title, content note and overview in `language` when it is
    translated into it, in the same one query."""
    statement = (
        _unit_statement(course, code, with_criteria)
        .add_columns(UnitTranslation)
        .outerjoin(
            UnitTranslation,
            and_(UnitTranslation.unit_id == Unit.id, UnitTranslation.language == language),
        )
    )
    row = session.execute(statement).first()
    if row is None:
        raise NotFound()
    unit, translation = row
    return unit, Shown.of(unit, translation, unit.language, language)


def unit_lessons(
    session: Session, unit: Unit, enrolment: Enrolment | None, language: str | None = None
) -> list[LessonRow]:
    """The unit's lessons in order (without their text), with the enrolment's progress; with
    `language`, each one's title in it where the lesson is translated."""
    params = {"unit_id": unit.id, "language": language or ""}
    if enrolment is not None:
        params["enrolment_id"] = enrolment.id
    return [
        LessonRow(*row[:7], language=language if row[7] else unit.language)
        for row in session.execute(_unit_lessons_statement(enrolment is not None), params)
    ]


@cache
def _unit_lessons_statement(with_progress: bool) -> Select:
    # Built once (for a reader with an enrolment and for one without) and bound at each use:
    # asked on every unit and lesson page.
    translated = LessonTranslation.title.is_not(None)
    columns = [
        Lesson.id,
        Lesson.slug,
        func.coalesce(LessonTranslation.title, Lesson.title),
        Lesson.minutes,
        Lesson.position,
    ]
    if not with_progress:
        statement = select(*columns, literal(None), literal(False), translated)
    else:
        statement = select(
            *columns, LessonProgress.completed_at, LessonProgress.id.is_not(None), translated
        ).outerjoin(
            LessonProgress,
            and_(
                LessonProgress.lesson_id == Lesson.id,
                LessonProgress.enrolment_id == bindparam("enrolment_id"),
            ),
        )
    return (
        statement.outerjoin(
            LessonTranslation,
            and_(
                LessonTranslation.lesson_id == Lesson.id,
                LessonTranslation.language == bindparam("language"),
            ),
        )
        .where(Lesson.unit_id == bindparam("unit_id"))
        .order_by(Lesson.position)
    )


def lesson_page(
    session: Session,
    unit: Unit,
    slug: str,
    enrolment: Enrolment | None,
    user: User,
    language: str | None = None,
) -> LessonPage:
    """The lesson of `slug`, in `language` where it is translated into it (read in the same
    query as the lesson, so the page costs the same whatever the translations)."""
    lessons = unit_lessons(session, unit, enrolment, language)
    index = next((i for i, row in enumerate(lessons) if row.slug == slug), None)
    if index is None:
        raise NotFound()
    # Not session.get: the identity map may hold this lesson partly loaded (as someone's
    # "last lesson"), and its text would then be fetched column by column. Her progress on it
    # and whether she has read its content note come in the same statement.
    params = {"lesson_id": lessons[index].id, "language": language or ""}
    progress = None
    acknowledged = False
    if enrolment is None:
        lesson, translation = session.execute(_lesson_statement(False), params).one()
    else:
        params |= {"enrolment_id": enrolment.id, "user_id": user.id}
        found = session.execute(_lesson_statement(True), params).one()
        lesson, translation, progress, acknowledged = found
        acknowledged = bool(acknowledged)
    shown = Shown.of(lesson, translation, unit.language, language)
    return LessonPage(lesson, lessons, index, progress, acknowledged, shown)


@cache
def _lesson_statement(with_progress: bool) -> Select:
    # Built once (with her progress and without) and bound at each use: every lesson page.
    statement = (
        select(Lesson, LessonTranslation)
        .outerjoin(
            LessonTranslation,
            and_(
                LessonTranslation.lesson_id == Lesson.id,
                LessonTranslation.language == bindparam("language"),
            ),
        )
        .where(Lesson.id == bindparam("lesson_id"))
        .execution_options(populate_existing=True)
    )
    if not with_progress:
        return statement
    return statement.outerjoin(
        LessonProgress,
        and_(
            LessonProgress.enrolment_id == bindparam("enrolment_id"),
            LessonProgress.lesson_id == Lesson.id,
        ),
    ).add_columns(
        LessonProgress,
        exists().where(
            ContentNoteAcknowledgement.user_id == bindparam("user_id"),
            ContentNoteAcknowledgement.lesson_id == Lesson.id,
        ),
    )


def lesson_in_unit(session: Session, unit: Unit, slug: str) -> Lesson:
    lesson = session.scalar(
        select(Lesson)
        .where(Lesson.unit_id == unit.id, Lesson.slug == slug)
        .options(load_only(Lesson.id, Lesson.slug, Lesson.title, Lesson.unit_id))
    )
    if lesson is None:
        raise NotFound()
    return lesson


def course_asset(session: Session, sha256: str) -> CourseAsset:
    asset = session.scalar(select(CourseAsset).where(CourseAsset.sha256 == sha256))
    if asset is None:
        raise NotFound()
    return asset
