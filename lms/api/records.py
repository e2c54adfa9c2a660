"""What the API reads, shaped as JSON-ready dictionaries. Each list is one page, found by a
keyset cursor, in a fixed number of queries."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session, selectinload

from lms.accounts.models import User
from lms.curriculum.models import (
    Cohort,
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


def accreditation(enrolment: Enrolment) -> dict:
    return {"status": enrolment.status.value, "achieved_at": _iso(enrolment.achieved_at)}


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
    """Enrolments (with user, course and cohort loaded) as API items: two more queries."""
    totals = _lesson_totals(session, {e.course_id for e in enrolments})
    done = _lessons_done(session, [e.id for e in enrolments])
    return [
        {
            "enrolment_id": e.id,
            "trainee": {"id": e.user.id, "name": e.user.display_name, "email": e.user.email},
            "course": {"code": e.course.code, "title": e.course.title},
            "cohort": {"id": e.cohort.id, "name": e.cohort.name} if e.cohort else None,
            "enrolled_at": _iso(e.enrolled_at),
            "progress": _progress(done.get(e.id, 0), totals.get(e.course_id, 0)),
            "accreditation": accreditation(e),
        }
        for e in enrolments
    ]


def _with_people(statement: Select) -> Select:
    return statement.options(
        selectinload(Enrolment.user), selectinload(Enrolment.course), selectinload(Enrolment.cohort)
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
    statement = _with_people(select(Enrolment).where(Enrolment.organisation_id == organisation_id))
    if cohort_id is not None:
        statement = statement.where(Enrolment.cohort_id == cohort_id)
    if status:
        try:
            statement = statement.where(Enrolment.status == EnrolmentStatus(status))
        except ValueError:
            choices = ", ".join(s.value for s in EnrolmentStatus)
            raise BadRequest(f"`status` must be one of: {choices}.", field="status") from None
    rows, more = _page(session, statement, Enrolment.id, limit, after)
    enrolments = [row[0] for row in rows]
    return trainee_items(session, enrolments), (enrolments[-1].id if more else None)


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
    return {
        "id": person.id,
        "name": person.display_name,
        "email": person.email,
        "date_of_birth": person.date_of_birth,
        "enrolments": [
            _enrolment_record(e, [u for u in units if u.course_id == e.course_id], lessons, done)
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
) -> dict:
    unit_items = [
        {
            "code": u.code,
            "title": u.title,
            "credits": u.credits,
            "progress": _progress(done.get((e.id, u.id), 0), lessons.get(u.id, 0)),
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
        "accreditation": accreditation(e),
    }
