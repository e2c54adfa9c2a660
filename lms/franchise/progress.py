"""Cohort progress: trainees x units, read in a fixed number of queries whatever the cohort's
size, sorted and filtered in SQL, and streamed in chunks for exports.

Lesson progress comes from the curriculum. Other capabilities add what they know per trainee
and unit (quiz results, portfolio, assessment) as `UnitMeasure`s listed under
`progress_columns` in `lms.capabilities`: one query for the whole set of trainees, returning a
short text per (enrolment, unit). Until a measure is listed, its column is listed as waiting
(see `PENDING_MEASURES`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from urllib.parse import urlencode

from sqlalchemy import Engine, Select, func, or_, select
from sqlalchemy.orm import Session

from lms import capabilities
from lms.accounts.models import Organisation, User
from lms.accreditation import award_status
from lms.curriculum.models import (
    Cohort,
    Course,
    CourseUnit,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    LessonProgress,
    Unit,
)
from lms.franchise.licences import needs_licence
from lms.franchise.models import Licence, LicenceUnit
from lms.i18n import _, _l, format_date
from lms.reporting.charts import Chart, achievements_chart, progress_distribution_chart

# --- measures other capabilities add -------------------------------------------------------------

MeasureLoader = Callable[[Session, Select, Sequence[int]], Mapping[tuple[int, int], str]]


@dataclass(frozen=True)
class UnitMeasure:
    """`load(session, enrolment_ids, unit_ids)`: `enrolment_ids` is a SELECT of the ids of the
    trainees' enrolments (use it in `IN`); returns {(enrolment id, unit id): short status}."""

    key: str
    label: str
    load: MeasureLoader


TraineeLoader = Callable[[Session, Select], Mapping[int, str]]


@dataclass(frozen=True)
class TraineeMeasure:
    """A column about the trainee as a whole rather than per unit (practice hours, say):
    `load(session, enrolment_ids)` returns {enrolment id: short text}, in one query or a few.
    Listed under `progress_columns` like a `UnitMeasure`; kept in `row.extras[(key, None)]`."""

    key: str
    label: str
    load: TraineeLoader


PENDING_MEASURES = {
    "quiz": _l("Quiz results"),
    "portfolio": _l("Portfolio"),
    "assessment": _l("Assessment status"),
}


def measures() -> list[UnitMeasure]:
    return [
        m
        for m in capabilities.contributions("progress_columns")
        if not isinstance(m, TraineeMeasure)
    ]


def trainee_measures() -> list[TraineeMeasure]:
    return [
        m for m in capabilities.contributions("progress_columns") if isinstance(m, TraineeMeasure)
    ]


def pending_measures() -> list[str]:
    listed = {measure.key for measure in measures()}
    return [label for key, label in PENDING_MEASURES.items() if key not in listed]


# --- filters and sorting from the query string ---------------------------------------------------

STATUS_FILTERS = {
    "active": _l("Everyone not withdrawn"),
    "all": _l("Everyone"),
    **award_status.STATUS_LABELS,
}
SORTS = {
    "name": _l("Name"),
    "progress": _l("Lessons completed"),
    "status": _l("Status"),
    "enrolled": _l("Date enrolled"),
}


@dataclass(frozen=True)
class ProgressFilters:
    status: str = "active"
    q: str = ""
    sort: str = "name"
    direction: str = "asc"

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ProgressFilters:
        status = args.get("status", "active")
        sort = args.get("sort", "name")
        return cls(
            status=status if status in STATUS_FILTERS else "active",
            q=" ".join(args.get("q", "").split())[:100],
            sort=sort if sort in SORTS else "name",
            direction="desc" if args.get("dir") == "desc" else "asc",
        )

    def query(self, **changes: str) -> str:
        current = replace(self, **changes)
        values = {
            "status": current.status,
            "q": current.q,
            "sort": current.sort,
            "dir": current.direction,
        }
        return urlencode({key: value for key, value in values.items() if value})

    def sort_link(self, key: str) -> str:
        flip = "desc" if self.sort == key and self.direction == "asc" else "asc"
        return self.query(sort=key, direction=flip)

    def aria_sort(self, key: str) -> str | None:
        if self.sort != key:
            return None
        return "ascending" if self.direction == "asc" else "descending"


# --- the shape of the report -------------------------------------------------------------------


@dataclass(frozen=True)
class UnitColumn:
    unit_id: int
    code: str
    title: str
    lessons: int
    licensed: bool


@dataclass
class TraineeRow:
    enrolment_id: int
    user_id: int
    name: str
    email: str
    status: EnrolmentStatus
    enrolled_at: datetime
    achieved_at: datetime | None
    withdrawal_reason: str | None
    invited: bool  # has an account but has not set a password yet
    revoked_at: datetime | None = None  # when her award was revoked, if it was
    done: dict[int, int] = field(default_factory=dict)
    extras: dict[tuple[str, int | None], str] = field(default_factory=dict)
    lessons_total: int = 0

    @property
    def status_value(self) -> str:
        """Her status as every reader shows it: `revoked` once her award was revoked."""
        return award_status.status_value(self.status, self.revoked_at)

    @property
    def status_label(self) -> str:
        return award_status.STATUS_LABELS[self.status_value]

    @property
    def lessons_done(self) -> int:
        return sum(self.done.values())

    @property
    def percent(self) -> int:
        return round(100 * self.lessons_done / self.lessons_total) if self.lessons_total else 0

    def unit_percent(self, unit: UnitColumn) -> int:
        return round(100 * self.done.get(unit.unit_id, 0) / unit.lessons) if unit.lessons else 0


@dataclass(frozen=True)
class UnitTotal:
    unit: UnitColumn
    finished: int  # trainees who completed every lesson of the unit
    mean_percent: int


@dataclass
class CohortProgress:
    cohort: Cohort
    units: list[UnitColumn]
    rows: list[TraineeRow]
    filters: ProgressFilters
    measures: list[UnitMeasure]
    pending: list[str]

    @property
    def trainee_measures(self) -> list[TraineeMeasure]:
        return trainee_measures()

    @property
    def totals(self) -> list[UnitTotal]:
        count = len(self.rows) or 1
        return [
            UnitTotal(
                unit,
                sum(
                    1
                    for r in self.rows
                    if unit.lessons and r.done.get(unit.unit_id, 0) >= unit.lessons
                ),
                round(sum(r.unit_percent(unit) for r in self.rows) / count),
            )
            for unit in self.units
        ]

    @property
    def mean_percent(self) -> int:
        return round(sum(r.percent for r in self.rows) / len(self.rows)) if self.rows else 0

    @property
    def status_counts(self) -> dict[str, int]:
        """Trainees by the status shown (`award_status.STATUS_VALUES`)."""
        counts = dict.fromkeys(award_status.STATUS_VALUES, 0)
        for row in self.rows:
            counts[row.status_value] += 1
        return counts

    @property
    def shown_counts(self) -> list[tuple[str, int]]:
        """(label, trainees) for each status that has any."""
        return [
            (award_status.STATUS_LABELS[value], count)
            for value, count in self.status_counts.items()
            if count
        ]

    def charts(self) -> list[Chart]:
        return [
            progress_distribution_chart(
                f"cohort-{self.cohort.id}-progress", [row.percent for row in self.rows]
            ),
            achievements_chart(
                f"cohort-{self.cohort.id}-achieved",
                achievements_per_month([row.achieved_at for row in self.rows]),
            ),
        ]


def achievements_per_month(moments: Sequence[datetime | None]) -> list[tuple[str, int]]:
    """(month label, count) for every month from the first achievement to the last."""
    months = sorted((m.year, m.month) for m in moments if m is not None)
    if not months:
        return []
    counts: dict[tuple[int, int], int] = {}
    for month in months:
        counts[month] = counts.get(month, 0) + 1
    (year, month), last = months[0], months[-1]
    series = []
    while (year, month) <= last:
        label = format_date(date(year, month, 1), "MMM y")
        series.append((label, counts.get((year, month), 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return series


# --- queries ----------------------------------------------------------------------------------


def unit_columns(session: Session, cohort: Cohort) -> list[UnitColumn]:
    """The cohort's qualification's units in order, with lesson counts and whether the
    partner's licence covers them. Two queries."""
    lesson_count = select(func.count(Lesson.id)).where(Lesson.unit_id == Unit.id).scalar_subquery()
    rows = session.execute(
        select(Unit.id, Unit.code, Unit.title, lesson_count)
        .join(CourseUnit, CourseUnit.unit_id == Unit.id)
        .where(CourseUnit.course_id == cohort.course_id)
        .order_by(CourseUnit.position)
    ).all()
    licensed: set[str] | None = None
    organisation = session.get(Organisation, cohort.organisation_id)
    if needs_licence(organisation, session.get(Course, cohort.course_id)):
        licensed = set(
            session.scalars(
                select(LicenceUnit.unit_code)
                .join(Licence, Licence.id == LicenceUnit.licence_id)
                .where(
                    Licence.organisation_id == cohort.organisation_id,
                    Licence.course_id == cohort.course_id,
                )
            )
        )
    return [
        UnitColumn(unit_id, code, title, lessons, licensed is None or code in licensed)
        for unit_id, code, title, lessons in rows
    ]


def _done_subquery(unit_ids: Sequence[int]):
    return (
        select(LessonProgress.enrolment_id.label("enrolment_id"), func.count().label("done"))
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.completed_at.is_not(None), Lesson.unit_id.in_(unit_ids))
        .group_by(LessonProgress.enrolment_id)
        .subquery()
    )


def trainees_select(cohort: Cohort, filters: ProgressFilters, unit_ids: Sequence[int]) -> Select:
    """Enrolments of the cohort with their people, filtered and sorted as asked."""
    statement = (
        select(Enrolment, User, award_status.revoked_at())
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.cohort_id == cohort.id)
    )
    if filters.status == "active":
        statement = statement.where(Enrolment.status != EnrolmentStatus.WITHDRAWN)
    elif filters.status != "all":
        statement = statement.where(award_status.status_is(filters.status))
    if filters.q:
        pattern = f"%{filters.q.lower()}%"
        statement = statement.where(
            or_(func.lower(User.display_name).like(pattern), func.lower(User.email).like(pattern))
        )
    if filters.sort == "progress":
        done = _done_subquery(unit_ids)
        statement = statement.outerjoin(done, done.c.enrolment_id == Enrolment.id)
        key = func.coalesce(done.c.done, 0)
    elif filters.sort == "status":
        key = award_status.status_order()
    elif filters.sort == "enrolled":
        key = Enrolment.enrolled_at
    else:
        key = func.lower(User.display_name)
    key = key.desc() if filters.direction == "desc" else key.asc()
    return statement.order_by(key, func.lower(User.display_name), Enrolment.id)


def _fill_trainee_measures(session: Session, ids: Select, rows: dict[int, TraineeRow]) -> None:
    for measure in trainee_measures():
        for enrolment_id, text in measure.load(session, ids).items():
            if enrolment_id in rows:
                rows[enrolment_id].extras[(measure.key, None)] = text


def _fill(session: Session, statement: Select, units: Sequence[UnitColumn]) -> list[TraineeRow]:
    """Rows for `statement`'s enrolments, with lesson counts and every registered measure:
    1 + 1 + one query per measure."""
    unit_ids = [unit.unit_id for unit in units]
    total = sum(unit.lessons for unit in units)
    rows = {}
    for enrolment, person, revoked_at in session.execute(statement):
        rows[enrolment.id] = TraineeRow(
            enrolment_id=enrolment.id,
            user_id=person.id,
            name=person.display_name,
            email=person.email,
            status=enrolment.status,
            enrolled_at=enrolment.enrolled_at,
            # A revoked award is not an achievement: not in the export, not in the charts.
            achieved_at=None if revoked_at else enrolment.achieved_at,
            withdrawal_reason=enrolment.withdrawal_reason,
            invited=person.password_hash is None,
            revoked_at=revoked_at,
            lessons_total=total,
        )
    if not rows:
        return []
    # The same trainees, as a SELECT of ids (keeping the order, which a chunk's LIMIT needs).
    ids = statement.with_only_columns(Enrolment.id)
    _fill_trainee_measures(session, ids, rows)
    if not unit_ids:
        return list(rows.values())
    counts = session.execute(
        select(LessonProgress.enrolment_id, Lesson.unit_id, func.count())
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(
            LessonProgress.enrolment_id.in_(ids),
            LessonProgress.completed_at.is_not(None),
            Lesson.unit_id.in_(unit_ids),
        )
        .group_by(LessonProgress.enrolment_id, Lesson.unit_id)
    )
    for enrolment_id, unit_id, count in counts:
        if enrolment_id in rows:
            rows[enrolment_id].done[unit_id] = count
    for measure in measures():
        for (enrolment_id, unit_id), text in measure.load(session, ids, unit_ids).items():
            if enrolment_id in rows:
                rows[enrolment_id].extras[(measure.key, unit_id)] = text
    return list(rows.values())


def cohort_progress(session: Session, cohort: Cohort, filters: ProgressFilters) -> CohortProgress:
    """The whole report for one cohort."""
    units = unit_columns(session, cohort)
    statement = trainees_select(cohort, filters, [u.unit_id for u in units])
    return CohortProgress(
        cohort, units, _fill(session, statement, units), filters, measures(), pending_measures()
    )


def iter_progress_rows(
    session: Session,
    cohort: Cohort,
    filters: ProgressFilters,
    units: Sequence[UnitColumn],
    *,
    chunk: int = 500,
) -> Iterator[TraineeRow]:
    """The report's rows, `chunk` trainees at a time, for exports of any size."""
    statement = trainees_select(cohort, filters, [u.unit_id for u in units])
    offset = 0
    while True:
        rows = _fill(session, statement.limit(chunk).offset(offset), units)
        yield from rows
        if len(rows) < chunk:
            return
        offset += chunk


# --- exports ----------------------------------------------------------------------------------


EXPORT_HEADINGS = [
    _l("Name"),
    _l("Email"),
    _l("Status"),
    _l("Enrolled (UTC)"),
    _l("Achieved (UTC)"),
    _l("Withdrawal reason"),
    _l("Lessons completed"),
    _l("Lessons in total"),
    _l("Progress %"),
]


def export_header(units: Sequence[UnitColumn], unit_measures: Sequence[UnitMeasure]) -> list[str]:
    header = [str(heading) for heading in EXPORT_HEADINGS]
    header += [str(measure.label) for measure in trainee_measures()]
    for unit in units:
        header.append(
            _(
                "%(code)s lessons completed (of %(lessons)s)",
                code=unit.code,
                lessons=unit.lessons,
            )
        )
        header += [f"{unit.code} {measure.label}" for measure in unit_measures]
    return header


def export_row(
    row: TraineeRow, units: Sequence[UnitColumn], unit_measures: Sequence[UnitMeasure]
) -> list:
    values = [
        row.name,
        row.email,
        row.status_label,
        row.enrolled_at,
        row.achieved_at,
        row.withdrawal_reason,
        row.lessons_done,
        row.lessons_total,
        row.percent,
    ]
    values += [row.extras.get((measure.key, None), "") for measure in trainee_measures()]
    for unit in units:
        values.append(row.done.get(unit.unit_id, 0))
        values += [row.extras.get((measure.key, unit.unit_id), "") for measure in unit_measures]
    return values


def export_rows(
    engine: Engine, cohort_id: int, filters: ProgressFilters, units: Sequence[UnitColumn]
) -> Iterator[list]:
    """The export's rows, read through a session of their own: a download is streamed after
    its request has ended and the request's session has closed."""
    unit_measures = measures()
    with Session(engine) as session:
        cohort = session.get(Cohort, cohort_id)
        for row in iter_progress_rows(session, cohort, filters, units):
            yield export_row(row, units, unit_measures)


def export_filename(cohort: Cohort, today: date, kind: str) -> str:
    # The cohort's number, not its name: a name may say what the course is about.
    return f"cohort-{cohort.id}-progress-{today.isoformat()}.{kind}"
