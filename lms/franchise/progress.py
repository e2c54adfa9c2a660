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
from functools import cached_property
from urllib.parse import urlencode

from markupsafe import Markup, escape
from sqlalchemy import Engine, Select, and_, case, extract, func, or_, select
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
from lms.i18n import _, _l, format_date, format_decimal
from lms.paging import beyond, decode_cursor, encode_cursor, ordered
from lms.reporting.charts import Chart, achievements_chart, progress_distribution_chart

PAGE_SIZE = 100

# --- measures other capabilities add -------------------------------------------------------------

MeasureLoader = Callable[[Session, Sequence[int], Sequence[int]], Mapping[tuple[int, int], str]]


@dataclass(frozen=True)
class UnitMeasure:
    """`load(session, enrolment_ids, unit_ids)`: `enrolment_ids` are a page's (or an export
    chunk's) enrolments, a list of ids, so each measure's statement can be built once and
    bound to them. Returns {(enrolment id, unit id): short status}."""

    key: str
    label: str
    load: MeasureLoader


TraineeLoader = Callable[[Session, Sequence[int]], Mapping[int, str]]


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
    sort_key: tuple = ()  # the values it is sorted by, for a page link's cursor

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


@dataclass(frozen=True)
class ProgressSummary:
    """What the totals and charts need about everyone the filters show, counted in SQL: how
    many trainees have completed each number of lessons (overall and per unit), how many show
    each status, and how many achieved in each month."""

    count: int = 0
    done: Mapping[int, int] = field(default_factory=dict)  # lessons done -> trainees
    unit_done: Mapping[tuple[int, int], int] = field(default_factory=dict)  # (unit, done) -> n
    statuses: Mapping[str, int] = field(default_factory=dict)  # status shown -> trainees
    achieved: Mapping[tuple[int, int], int] = field(default_factory=dict)  # (year, month) -> n


@dataclass
class CohortProgress:
    """The report: `rows` is one page of trainees; the totals and charts are for everyone the
    filters show (`summary`). `next_cursor` / `previous_cursor` lead to the pages either side."""

    cohort: Cohort
    units: list[UnitColumn]
    rows: list[TraineeRow]
    filters: ProgressFilters
    measures: list[UnitMeasure]
    pending: list[str]
    summary: ProgressSummary = field(default_factory=ProgressSummary)
    next_cursor: str | None = None
    previous_cursor: str | None = None
    # How many trainees come before this page (for "Page 2 of 5"), and how many a page holds.
    before: int = 0
    size: int = PAGE_SIZE

    @property
    def count(self) -> int:
        return self.summary.count

    @property
    def lessons_total(self) -> int:
        return sum(unit.lessons for unit in self.units)

    def _percent(self, done: int) -> int:
        total = self.lessons_total
        return round(100 * done / total) if total else 0

    @cached_property
    def trainee_measures(self) -> list[TraineeMeasure]:
        return trainee_measures()

    def leading_cells(self, row: TraineeRow) -> Markup:
        """The row's heading and its cells before the units' (status, all lessons, each
        trainee measure), written here like `unit_cells`: a page holds a hundred rows."""
        status_heading, lessons_heading, invited, measure_headings = self._leading_parts
        name, percent = escape(row.name), row.percent
        invited_note = f'<br><span class="muted">{invited}</span>' if row.invited else ""
        measures = "".join(
            f'<td data-label="{heading}">{escape(row.extras.get((key, None), "—"))}</td>'
            for key, heading in measure_headings
        )
        lessons = escape(_("%(name)s: all lessons", name=row.name))
        shown_percent = escape(_("%(percent)s%%", percent=format_decimal(percent)))
        # Every value above is escaped; the rest is this function's own markup.
        return Markup(  # noqa: S704
            f'<th scope="row">{name}<br><span class="muted">{escape(row.email)}</span></th>\n'
            f'      <td data-label="{status_heading}">{escape(row.status_label)}{invited_note}'
            "</td>\n"
            f'      <td data-label="{lessons_heading}"><progress max="100" value="{percent}" '
            f'aria-label="{lessons}"></progress> {shown_percent}</td>\n'
            f"      {measures}"
        )

    @cached_property
    def _leading_parts(self) -> tuple[str, str, str, list[tuple[str, str]]]:
        # Translated and escaped once a page, not once a row.
        return (
            str(escape(_("Status"))),
            str(escape(_("All lessons"))),
            str(escape(_("Invited"))),
            [(m.key, str(escape(_(m.label)))) for m in self.trainee_measures],
        )

    def unit_cells(self, row: TraineeRow) -> Markup:
        """The row's cell for each unit (lessons done, then each measure), written here
        rather than in the template: a page holds hundreds of them."""
        cells = []
        escaped = self._escaped
        for unit, opening, labels in self._unit_cell_parts:
            spans = []
            for key, label in labels:
                text = row.extras.get((key, unit.unit_id), "—")
                if (safe := escaped.get(text)) is None:
                    safe = escaped[text] = str(escape(text))
                spans.append(f'<br><span class="muted">{label}: {safe}</span>')
            measures = "".join(spans)
            cells.append(
                f"{opening}\n        {row.done.get(unit.unit_id, 0)}/{unit.lessons}\n"
                f"        {measures}\n      </td>"
            )
        # Every value above is escaped (the unit's and measures' texts once, in
        # `_unit_cell_parts`); the rest is this function's own markup.
        return Markup("\n      ".join(cells))  # noqa: S704

    @cached_property
    def _escaped(self) -> dict[str, str]:
        # A page's hundreds of cells hold a few dozen different texts: each escaped once.
        return {}

    @cached_property
    def _unit_cell_parts(self) -> list[tuple[UnitColumn, str, list[tuple[str, str]]]]:
        labels = [(m.key, str(escape(_(m.label)))) for m in self.measures]
        return [
            (unit, f'<td data-label="{escape(unit.code)} {escape(unit.title)}">', labels)
            for unit in self.units
        ]

    @property
    def totals(self) -> list[UnitTotal]:
        count = self.count or 1
        totals = []
        for unit in self.units:
            spread = [(d, n) for (u, d), n in self.summary.unit_done.items() if u == unit.unit_id]
            finished = sum(n for d, n in spread if unit.lessons and d >= unit.lessons)
            percents = sum(
                n * (round(100 * d / unit.lessons) if unit.lessons else 0) for d, n in spread
            )
            totals.append(UnitTotal(unit, finished, round(percents / count)))
        return totals

    @property
    def mean_percent(self) -> int:
        if not self.count:
            return 0
        return round(sum(n * self._percent(d) for d, n in self.summary.done.items()) / self.count)

    @property
    def status_counts(self) -> dict[str, int]:
        """Trainees by the status shown (`award_status.STATUS_VALUES`)."""
        counts = dict.fromkeys(award_status.STATUS_VALUES, 0)
        counts.update(self.summary.statuses)
        return counts

    @property
    def shown_counts(self) -> list[tuple[str, int]]:
        """(label, trainees) for each status that has any."""
        return [
            (award_status.STATUS_LABELS[value], count)
            for value, count in self.status_counts.items()
            if count
        ]

    @property
    def page(self) -> int:
        return self.before // self.size + 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.size))

    def charts(self) -> list[Chart]:
        percents = [p for d, n in self.summary.done.items() for p in [self._percent(d)] * n]
        return [
            progress_distribution_chart(f"cohort-{self.cohort.id}-progress", percents),
            achievements_chart(
                f"cohort-{self.cohort.id}-achieved", months_series(self.summary.achieved)
            ),
        ]


def achievements_per_month(moments: Sequence[datetime | None]) -> list[tuple[str, int]]:
    """(month label, count) for every month from the first achievement to the last."""
    counts: dict[tuple[int, int], int] = {}
    for moment in moments:
        if moment is not None:
            counts[(moment.year, moment.month)] = counts.get((moment.year, moment.month), 0) + 1
    return months_series(counts)


def months_series(counts: Mapping[tuple[int, int], int]) -> list[tuple[str, int]]:
    """(month label, count) for every month from the first of `counts` to the last."""
    if not counts:
        return []
    (year, month), last = min(counts), max(counts)
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


def _filtered(cohort: Cohort, filters: ProgressFilters, unit_ids: Sequence[int]):
    """The cohort's enrolments the filters show, with the columns a row needs, and the keys
    they are sorted by (unordered; `_ordered` adds the order)."""
    statement = (
        select(
            Enrolment.id,
            User.id,
            User.display_name,
            User.email,
            Enrolment.status,
            Enrolment.enrolled_at,
            Enrolment.achieved_at,
            Enrolment.withdrawal_reason,
            User.password_hash.is_(None),
            award_status.revoked_at(),
        )
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
    keys = [
        (key, filters.direction == "desc"),
        (func.lower(User.display_name), False),
        (Enrolment.id, False),
    ]
    return statement, keys


def trainees_select(cohort: Cohort, filters: ProgressFilters, unit_ids: Sequence[int]) -> Select:
    """Enrolments of the cohort with their people, filtered and sorted as asked."""
    statement, keys = _filtered(cohort, filters, unit_ids)
    return ordered(statement, keys)


def _fill_trainee_measures(
    session: Session, ids: Sequence[int], rows: dict[int, TraineeRow]
) -> None:
    for measure in trainee_measures():
        for enrolment_id, text in measure.load(session, ids).items():
            if enrolment_id in rows:
                rows[enrolment_id].extras[(measure.key, None)] = text


def _fill(session: Session, statement: Select, units: Sequence[UnitColumn]) -> list[TraineeRow]:
    """Rows for `statement`'s enrolments, with lesson counts and every registered measure:
    1 + 1 + one query per measure. Columns after `_filtered`'s are kept as `sort_key`."""
    unit_ids = [unit.unit_id for unit in units]
    total = sum(unit.lessons for unit in units)
    rows = {}
    for row in session.execute(statement):
        (enrolment_id, user_id, name, email, status, enrolled, achieved, reason, invited) = row[:9]
        revoked_at = row[9]
        rows[enrolment_id] = TraineeRow(
            enrolment_id=enrolment_id,
            user_id=user_id,
            name=name,
            email=email,
            status=status,
            enrolled_at=enrolled,
            # A revoked award is not an achievement: not in the export, not in the charts.
            achieved_at=None if revoked_at else achieved,
            withdrawal_reason=reason,
            invited=bool(invited),
            revoked_at=revoked_at,
            lessons_total=total,
            sort_key=tuple(row[10:]),
        )
    if not rows:
        return []
    # The same trainees by their ids: the measures below look up a page's hundred or so
    # directly instead of filtering, sorting and cutting the cohort again in each statement.
    ids = list(rows)
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


def _page(session, statement, keys, units, *, after=None, before=None, size=PAGE_SIZE):
    """One page of rows beyond the cursor `after` (or up to `before`), and whether there are
    more that way."""
    labelled = statement.add_columns(*(expr for expr, _ in keys))
    if before is not None:
        query = ordered(labelled.where(beyond(keys, before, backwards=True)), keys, backwards=True)
        rows = _fill(session, query.limit(size + 1), units)
        return list(reversed(rows[:size])), len(rows) > size
    if after is not None:
        labelled = labelled.where(beyond(keys, after))
    rows = _fill(session, ordered(labelled, keys).limit(size + 1), units)
    return rows[:size], len(rows) > size


def summary(session: Session, statement: Select, unit_ids: Sequence[int]) -> ProgressSummary:
    """The figures for the totals and charts of everyone `statement` shows: three queries,
    whatever their number."""
    ids = statement.with_only_columns(Enrolment.id)
    shown = (
        select(
            Enrolment.status.label("status"),
            award_status.revoked_at().is_not(None).label("revoked"),
            Enrolment.achieved_at.label("achieved_at"),
        )
        .where(Enrolment.id.in_(ids))
        .subquery()
    )
    # Statuses and achievements by month in one grouped query: a row per status and month.
    holds = and_(shown.c.achieved_at.is_not(None), shown.c.revoked.is_(False))
    year = case((holds, extract("year", shown.c.achieved_at)), else_=None).label("year")
    month = case((holds, extract("month", shown.c.achieved_at)), else_=None).label("month")
    grouped = select(shown.c.status, shown.c.revoked, year, month).subquery()
    statuses: dict[str, int] = {}
    achieved: dict[tuple[int, int], int] = {}
    for status, revoked, in_year, in_month, count in session.execute(
        select(grouped, func.count()).group_by(*grouped.c)
    ):
        value = award_status.status_value(EnrolmentStatus(status), revoked)
        statuses[value] = statuses.get(value, 0) + count
        if in_year is not None:
            key = (int(in_year), int(in_month))
            achieved[key] = achieved.get(key, 0) + count
    count = sum(statuses.values())
    done: dict[int, int] = {}
    unit_done: dict[tuple[int, int], int] = {}
    if unit_ids and count:
        per_unit = (
            select(
                LessonProgress.enrolment_id.label("enrolment_id"),
                Lesson.unit_id.label("unit_id"),
                func.count().label("done"),
            )
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .where(
                LessonProgress.enrolment_id.in_(ids),
                LessonProgress.completed_at.is_not(None),
                Lesson.unit_id.in_(unit_ids),
            )
            .group_by(LessonProgress.enrolment_id, Lesson.unit_id)
            .subquery()
        )
        for unit_id, lessons, trainees in session.execute(
            select(per_unit.c.unit_id, per_unit.c.done, func.count()).group_by(
                per_unit.c.unit_id, per_unit.c.done
            )
        ):
            unit_done[(unit_id, lessons)] = trainees
        overall = (
            select(func.sum(per_unit.c.done).label("done"))
            .group_by(per_unit.c.enrolment_id)
            .subquery()
        )
        done = {
            int(lessons): trainees  # a SUM, which PostgreSQL gives as a decimal
            for lessons, trainees in session.execute(
                select(overall.c.done, func.count()).group_by(overall.c.done)
            )
        }
    done[0] = done.get(0, 0) + count - sum(done.values())
    return ProgressSummary(count, done, unit_done, statuses, achieved)


def summary_of_rows(rows: Sequence[TraineeRow]) -> ProgressSummary:
    """The same figures as `summary`, from rows already read: when one page holds everyone
    the filters show (most cohorts are a group of ten or twenty), the totals need no query."""
    statuses: dict[str, int] = {}
    achieved: dict[tuple[int, int], int] = {}
    done: dict[int, int] = {}
    unit_done: dict[tuple[int, int], int] = {}
    for row in rows:
        statuses[row.status_value] = statuses.get(row.status_value, 0) + 1
        if row.achieved_at is not None:  # None already when her award was revoked
            month = (row.achieved_at.year, row.achieved_at.month)
            achieved[month] = achieved.get(month, 0) + 1
        for unit_id, lessons in row.done.items():
            if lessons:
                unit_done[(unit_id, lessons)] = unit_done.get((unit_id, lessons), 0) + 1
        done[row.lessons_done] = done.get(row.lessons_done, 0) + 1
    done.setdefault(0, 0)
    return ProgressSummary(len(rows), done, unit_done, statuses, achieved)


def cohort_progress(
    session: Session,
    cohort: Cohort,
    filters: ProgressFilters,
    *,
    after: str | None = None,
    before: str | None = None,
    size: int | None = None,
) -> CohortProgress:
    """The report for one cohort: one page of trainees (the first, or the one beyond the
    cursor `after`, or up to `before`) and the totals of everyone shown, in a fixed number
    of queries whatever the cohort's size (three fewer when one page holds everyone)."""
    size = size or PAGE_SIZE
    units = unit_columns(session, cohort)
    unit_ids = [u.unit_id for u in units]
    statement, keys = _filtered(cohort, filters, unit_ids)
    after_values, before_values = decode_cursor(after), decode_cursor(before)
    rows, more = _page(
        session, statement, keys, units, after=after_values, before=before_values, size=size
    )
    earlier = False
    if before_values is not None:
        earlier, later = more, True
    else:
        earlier, later = after_values is not None, more
    before_count = 0
    if rows and earlier:
        before_count = session.scalar(
            select(func.count()).select_from(
                statement.with_only_columns(Enrolment.id)
                .where(beyond(keys, rows[0].sort_key, backwards=True))
                .subquery()
            )
        )
    return CohortProgress(
        cohort,
        units,
        rows,
        filters,
        measures(),
        pending_measures(),
        summary=(
            summary(session, statement, unit_ids) if earlier or later else summary_of_rows(rows)
        ),
        next_cursor=encode_cursor(rows[-1].sort_key) if rows and later else None,
        previous_cursor=encode_cursor(rows[0].sort_key) if rows and earlier else None,
        before=before_count,
        size=size,
    )


def iter_progress_rows(
    session: Session,
    cohort: Cohort,
    filters: ProgressFilters,
    units: Sequence[UnitColumn],
    *,
    chunk: int = 500,
) -> Iterator[TraineeRow]:
    """The report's rows, `chunk` trainees at a time (each chunk starts beyond the last row of
    the one before), for exports of any size."""
    statement, keys = _filtered(cohort, filters, [u.unit_id for u in units])
    after = None
    while True:
        rows, more = _page(session, statement, keys, units, after=after, size=chunk)
        yield from rows
        if not more:
            return
        after = rows[-1].sort_key


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
