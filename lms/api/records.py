"""What the API reads, shaped as JSON-ready dictionaries. Each list is one page, found by a
keyset cursor, in a fixed number of queries."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import date, datetime
from functools import cache

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session, selectinload

from lms.accounts.models import User
from lms.accreditation import award_status
from lms.assessment.unit_status import NOT_SUBMITTED, UnitStanding, unit_standings
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
from lms.errors import DomainError, NotFound
from lms.franchise.rules import scope_cohorts

DEFAULT_LIMIT = 25
MAX_LIMIT = 100


class BadRequest(DomainError):
    """The request itself is wrong (a bad parameter or body): 422."""


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"after:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix != "after" or not number.isdigit():
            raise ValueError(text)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadRequest(
            "The cursor is not one we gave out. Use the `next` link of the previous page.",
            field="cursor",
        ) from None


def parse_limit(value: str | None) -> int:
    if value is None or value == "":
        return DEFAULT_LIMIT
    if not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise BadRequest(f"`limit` must be a whole number from 1 to {MAX_LIMIT}.", field="limit")
    return int(value)


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds").replace("+00:00", "Z")
    return value.isoformat()


def _page(session: Session, statement: Select, id_column, limit: int, after: int):
    rows = session.execute(
        statement.where(id_column > after).order_by(id_column).limit(limit + 1)
    ).all()
    return rows[:limit], len(rows) > limit


# --- cohorts ----------------------------------------------------------------------------------


def cohort_page(session: Session, principal, organisation_id: int, limit: int, after: int):
    active = (
        select(func.count())
        .where(Enrolment.cohort_id == Cohort.id, Enrolment.status != EnrolmentStatus.WITHDRAWN)
        .scalar_subquery()
    )
    statement = (
        select(Cohort, active)
        .where(Cohort.organisation_id == organisation_id, scope_cohorts(principal))
        .options(selectinload(Cohort.course))
    )
    rows, more = _page(session, statement, Cohort.id, limit, after)
    items = [
        {
            "id": cohort.id,
            "name": cohort.name,
            "course": {"code": cohort.course.code, "title": cohort.course.title},
            "starts_on": _iso(cohort.starts_on),
            "ends_on": _iso(cohort.ends_on),
            "status": cohort.status.value,
            "trainees": count,
        }
        for cohort, count in rows
    ]
    return items, (rows[-1][0].id if more else None)


# --- trainees ---------------------------------------------------------------------------------


def accreditation(enrolment: Enrolment, revoked_at: datetime | None = None) -> dict:
    """Her status as every reader shows it: `revoked`, not `achieved`, once the award was
    revoked (`lms.accreditation.award_status`)."""
    return _accreditation(enrolment.status, enrolment.achieved_at, revoked_at)


def _accreditation(
    status: EnrolmentStatus, achieved_at: datetime | None, revoked_at: datetime | None
) -> dict:
    status = award_status.status_value(status, revoked_at)
    return {
        "status": status,
        "achieved_at": None if status == award_status.REVOKED else _iso(achieved_at),
        "revoked_at": _iso(revoked_at),
    }


def _lesson_totals(session: Session, course_ids: Sequence[int]) -> dict[int, int]:
    rows = session.execute(
        select(CourseUnit.course_id, func.count(Lesson.id))
        .join(Lesson, Lesson.unit_id == CourseUnit.unit_id)
        .where(CourseUnit.course_id.in_(list(course_ids)))
        .group_by(CourseUnit.course_id)
    )
    return dict(rows.all())


def _lessons_done(session: Session, enrolment_ids: Sequence[int]) -> dict[int, int]:
    rows = session.execute(
        select(LessonProgress.enrolment_id, func.count())
        .join(Enrolment, Enrolment.id == LessonProgress.enrolment_id)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .join(
            CourseUnit,
            (CourseUnit.unit_id == Lesson.unit_id) & (CourseUnit.course_id == Enrolment.course_id),
        )
        .where(
            LessonProgress.enrolment_id.in_(list(enrolment_ids)),
            LessonProgress.completed_at.is_not(None),
        )
        .group_by(LessonProgress.enrolment_id)
    )
    return dict(rows.all())


def _progress(done: int, total: int) -> dict:
    return {
        "lessons_completed": done,
        "lessons_total": total,
        "percent": round(100 * done / total) if total else 0,
    }


def trainee_items(session: Session, enrolments: Sequence[Enrolment]) -> list[dict]:
    """Enrolments (with user, course and cohort loaded) as API items: three more queries."""
    totals = _lesson_totals(session, {e.course_id for e in enrolments})
    done = _lessons_done(session, [e.id for e in enrolments])
    revoked = award_status.revocations(session, [e.id for e in enrolments])
    return [
        {
            "enrolment_id": e.id,
            "trainee": {"id": e.user.id, "name": e.user.display_name, "email": e.user.email},
            "course": {"code": e.course.code, "title": e.course.title},
            "cohort": {"id": e.cohort.id, "name": e.cohort.name} if e.cohort else None,
            "enrolled_at": _iso(e.enrolled_at),
            "progress": _progress(done.get(e.id, 0), totals.get(e.course_id, 0)),
            "accreditation": accreditation(e, revoked.get(e.id)),
        }
        for e in enrolments
    ]


def _with_people(statement: Select) -> Select:
    return statement.options(
        selectinload(Enrolment.user), selectinload(Enrolment.course), selectinload(Enrolment.cohort)
    )


@cache
def _trainees_statement() -> Select:
    """Every organisation's trainees with the columns an item shows: built once (every page of
    the list sends it), narrowed to one organisation and page at each request."""
    done = (
        select(func.count())
        .select_from(LessonProgress)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .join(
            CourseUnit,
            (CourseUnit.unit_id == Lesson.unit_id) & (CourseUnit.course_id == Enrolment.course_id),
        )
        .where(
            LessonProgress.enrolment_id == Enrolment.id, LessonProgress.completed_at.is_not(None)
        )
        .scalar_subquery()
    )
    return (
        select(
            Enrolment.id,
            User.id,
            User.display_name,
            User.email,
            Course.id,
            Course.code,
            Course.title,
            Cohort.id,
            Cohort.name,
            Enrolment.enrolled_at,
            Enrolment.status,
            Enrolment.achieved_at,
            award_status.revoked_at(),
            done,
        )
        .join(User, User.id == Enrolment.user_id)
        .join(Course, Course.id == Enrolment.course_id)
        .outerjoin(Cohort, Cohort.id == Enrolment.cohort_id)
    )


def trainee_page(
    session: Session,
    organisation_id: int,
    limit: int,
    after: int,
    *,
    cohort_id: int | None = None,
    status: str | None = None,
):
    """A page of the organisation's trainees after the cursor `after`: one query for the page
    (only the columns an item shows) and one for the courses' lesson totals."""
    statement = _trainees_statement().where(Enrolment.organisation_id == organisation_id)
    if cohort_id is not None:
        statement = statement.where(Enrolment.cohort_id == cohort_id)
    if status:
        if status not in award_status.STATUS_VALUES:
            choices = ", ".join(award_status.STATUS_VALUES)
            raise BadRequest(f"`status` must be one of: {choices}.", field="status")
        statement = statement.where(award_status.status_is(status))
    rows, more = _page(session, statement, Enrolment.id, limit, after)
    totals = _lesson_totals(session, {row[4] for row in rows}) if rows else {}
    return [_trainee_item(row, totals) for row in rows], (rows[-1][0] if more else None)


def _trainee_item(row, totals: dict[int, int]) -> dict:
    (enrolment_id, user_id, name, email, course_id, code, title, cohort_id, cohort_name) = row[:9]
    enrolled_at, status, achieved_at, revoked_at, done = row[9:]
    return {
        "enrolment_id": enrolment_id,
        "trainee": {"id": user_id, "name": name, "email": email},
        "course": {"code": code, "title": title},
        "cohort": {"id": cohort_id, "name": cohort_name} if cohort_id is not None else None,
        "enrolled_at": _iso(enrolled_at),
        "progress": _progress(done or 0, totals.get(course_id, 0)),
        "accreditation": _accreditation(status, achieved_at, revoked_at),
    }


def enrolment_items(session: Session, enrolment_ids: Sequence[int]) -> list[dict]:
    enrolments = session.scalars(
        _with_people(select(Enrolment).where(Enrolment.id.in_(list(enrolment_ids)))).order_by(
            Enrolment.id
        )
    ).all()
    return trainee_items(session, enrolments)


def trainee_record(session: Session, organisation_id: int, user_id: int) -> dict:
    """A trainee's record with this organisation: every enrolment here, unit by unit."""
    enrolments = session.scalars(
        _with_people(
            select(Enrolment).where(
                Enrolment.organisation_id == organisation_id, Enrolment.user_id == user_id
            )
        ).order_by(Enrolment.enrolled_at, Enrolment.id)
    ).all()
    if not enrolments:
        raise NotFound("There is no trainee with that id in your organisation.")
    person: User = enrolments[0].user
    units = _units_of_courses(session, {e.course_id for e in enrolments})
    lessons = _lessons_per_unit(session, [u.id for u in units])
    done = _lessons_done_per_unit(session, [e.id for e in enrolments])
    standings = unit_standings(session, [e.id for e in enrolments], [u.id for u in units])
    revoked = award_status.revocations(session, [e.id for e in enrolments])
    return {
        "id": person.id,
        "name": person.display_name,
        "email": person.email,
        "date_of_birth": person.date_of_birth,
        "enrolments": [
            _enrolment_record(
                e,
                [u for u in units if u.course_id == e.course_id],
                lessons,
                done,
                standings,
                revoked,
            )
            for e in enrolments
        ],
    }


def _units_of_courses(session: Session, course_ids: set[int]) -> list[Row]:
    """(course_id, id, code, title, credits) for each unit of these courses, in course order."""
    return list(
        session.execute(
            select(CourseUnit.course_id, Unit.id, Unit.code, Unit.title, Unit.credits)
            .join(Unit, Unit.id == CourseUnit.unit_id)
            .where(CourseUnit.course_id.in_(course_ids))
            .order_by(CourseUnit.course_id, CourseUnit.position)
        )
    )


def _lessons_per_unit(session: Session, unit_ids: list[int]) -> dict[int, int]:
    return dict(
        session.execute(
            select(Lesson.unit_id, func.count())
            .where(Lesson.unit_id.in_(unit_ids))
            .group_by(Lesson.unit_id)
        ).all()
    )


def _lessons_done_per_unit(
    session: Session, enrolment_ids: list[int]
) -> dict[tuple[int, int], int]:
    """(enrolment id, unit id) -> lessons completed."""
    return {
        (enrolment_id, unit_id): count
        for enrolment_id, unit_id, count in session.execute(
            select(LessonProgress.enrolment_id, Lesson.unit_id, func.count())
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .where(
                LessonProgress.enrolment_id.in_(enrolment_ids),
                LessonProgress.completed_at.is_not(None),
            )
            .group_by(LessonProgress.enrolment_id, Lesson.unit_id)
        )
    }


def _enrolment_record(
    e: Enrolment,
    course_units: list[Row],
    lessons: dict[int, int],
    done: dict[tuple[int, int], int],
    standings: dict[tuple[int, int], UnitStanding],
    revoked: dict[int, datetime],
) -> dict:
    unit_items = [
        {
            "code": u.code,
            "title": u.title,
            "credits": u.credits,
            "progress": _progress(done.get((e.id, u.id), 0), lessons.get(u.id, 0)),
            "status": standings.get((e.id, u.id), NOT_SUBMITTED).status.value,
        }
        for u in course_units
    ]
    return {
        "enrolment_id": e.id,
        "course": {"code": e.course.code, "title": e.course.title},
        "cohort": {"id": e.cohort.id, "name": e.cohort.name} if e.cohort else None,
        "enrolled_at": _iso(e.enrolled_at),
        "withdrawn_at": _iso(e.withdrawn_at),
        "withdrawal_reason": e.withdrawal_reason,
        "progress": _progress(
            sum(i["progress"]["lessons_completed"] for i in unit_items),
            sum(i["progress"]["lessons_total"] for i in unit_items),
        ),
        "units": unit_items,
        "accreditation": accreditation(e, revoked.get(e.id)),
    }
