"""Loading a partner's cohorts, enrolments and staff for the pages that use them. Children are
found through their organisation, so an id from elsewhere is not found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from lms.accounts.models import Membership, Organisation, User
from lms.accounts.roles import Role
from lms.accreditation import award_status
from lms.curriculum.models import (
    Cohort,
    CohortStaff,
    CohortStatus,
    Course,
    CourseKind,
    Enrolment,
)
from lms.errors import NotFound
from lms.franchise.licences import usages_for
from lms.franchise.rules import scope_cohorts


@cache
def _cohort_statement() -> Select:
    # Built once and bound at each use: every page of a cohort asks it. The cohort, its course
    # and its few staff come in one statement (its rows: one per member of staff).
    return (
        select(Cohort)
        .where(
            Cohort.id == bindparam("cohort_id"),
            Cohort.organisation_id == bindparam("organisation_id"),
        )
        .options(
            joinedload(Cohort.course, innerjoin=True),
            joinedload(Cohort.staff).joinedload(CohortStaff.user, innerjoin=True),
        )
    )


def cohort_for_org(session: Session, organisation: Organisation, cohort_id: int) -> Cohort:
    cohort = (
        session.execute(
            _cohort_statement(), {"cohort_id": cohort_id, "organisation_id": organisation.id}
        )
        .unique()
        .scalar_one_or_none()
    )
    if cohort is None:
        raise NotFound()
    if "organisation" not in cohort.__dict__:  # it is the one asked through: no query
        set_committed_value(cohort, "organisation", organisation)
    return cohort


def enrolment_for_org(session: Session, organisation: Organisation, enrolment_id: int) -> Enrolment:
    enrolment = session.scalar(
        select(Enrolment)
        .where(Enrolment.id == enrolment_id, Enrolment.organisation_id == organisation.id)
        .options(
            selectinload(Enrolment.user),
            selectinload(Enrolment.cohort),
            selectinload(Enrolment.course),
        )
    )
    if enrolment is None:
        raise NotFound()
    return enrolment


@dataclass(frozen=True)
class CohortMember:
    enrolment: Enrolment
    status_label: str  # as every reader shows it: "Award revoked" once her award was revoked


def cohort_enrolments(session: Session, cohort: Cohort) -> list[CohortMember]:
    return [
        CohortMember(enrolment, award_status.status_label(enrolment.status, revoked_at))
        for enrolment, revoked_at in session.execute(
            select(Enrolment, award_status.revoked_at())
            .join(User, User.id == Enrolment.user_id)
            .where(Enrolment.cohort_id == cohort.id)
            .options(selectinload(Enrolment.user))
            .order_by(Enrolment.status == "withdrawn", User.display_name, Enrolment.id)
        )
    ]


def sibling_cohorts(session: Session, cohort: Cohort) -> list[Cohort]:
    """Open cohorts a trainee of `cohort` could move to."""
    return list(
        session.scalars(
            select(Cohort)
            .where(
                Cohort.organisation_id == cohort.organisation_id,
                Cohort.course_id == cohort.course_id,
                Cohort.status == CohortStatus.OPEN,
                Cohort.id != cohort.id,
            )
            .order_by(Cohort.name)
        )
    )


def staff_candidates(session: Session, cohort: Cohort, role: Role) -> list[User]:
    """People holding `role` in the cohort's organisation or its franchisor."""
    organisation = cohort.organisation
    return list(
        session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.role == role,
                Membership.organisation_id.in_(
                    [organisation.id, organisation.franchisor_id or organisation.id]
                ),
                User.is_disabled.is_(False),
            )
            .distinct()
            .order_by(User.display_name)
        )
    )


def staff_choices(session: Session, cohort: Cohort) -> list[tuple[int, str]]:
    """(id, name) of everyone who may be assigned to the cohort as assessor or IQA, by name."""
    people: dict[int, str] = {}
    for role in (Role.ASSESSOR, Role.IQA):
        for person in staff_candidates(session, cohort, role):
            people.setdefault(person.id, person.display_name)
    return sorted(people.items(), key=lambda pair: pair[1])


def courses_for_new_cohort(
    session: Session, organisation: Organisation, today: date
) -> list[Course]:
    """Short courses, and the qualifications the partner holds a usable licence for."""
    licensed = {
        usage.licence.course_id
        for usage in usages_for(session, [organisation.id], today)
        if usage.refusal() is None
    }
    courses = session.scalars(select(Course).order_by(Course.title)).all()
    if organisation.is_franchisor:
        return list(courses)
    return [c for c in courses if c.kind == CourseKind.SHORT_COURSE or c.id in licensed]


def visible_cohorts(session: Session, user: User, organisation: Organisation | None = None):
    """Cohorts the user may see (coordinated, administered or assigned), open first."""
    statement = (
        select(Cohort)
        .where(scope_cohorts(user))
        .options(selectinload(Cohort.organisation), selectinload(Cohort.course))
        .order_by(Cohort.status, Cohort.name)
    )
    if organisation is not None:
        statement = statement.where(Cohort.organisation_id == organisation.id)
    return list(session.scalars(statement))


@cache
def _assigned_cohorts_statement() -> Select:
    # Built once and bound at each use: asked on every home page.
    return (
        select(Cohort)
        .join(CohortStaff, CohortStaff.cohort_id == Cohort.id)
        .where(CohortStaff.user_id == bindparam("user_id"), Cohort.status == CohortStatus.OPEN)
        .options(selectinload(Cohort.organisation))
        .distinct()
        .order_by(Cohort.name)
    )


def assigned_cohorts(session: Session, user: User) -> list[Cohort]:
    """Open cohorts a person is assigned to as assessor or IQA."""
    return list(session.scalars(_assigned_cohorts_statement(), {"user_id": user.id}))
