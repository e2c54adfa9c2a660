"""Cohorts as a partner's coordinator runs them: open, edit, close, staff them, move and
withdraw trainees. Built on the curriculum's cohort and enrolment functions. Functions flush;
the caller commits."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import Organisation, User
from lms.accounts.roles import Role
from lms.audit.operations import record
from lms.curriculum import operations as curriculum
from lms.curriculum.models import (
    Cohort,
    CohortRole,
    CohortStaff,
    CohortStatus,
    Course,
    Enrolment,
    EnrolmentStatus,
)
from lms.db import utcnow
from lms.errors import DomainError
from lms.franchise.licences import check_can_enrol
from lms.franchise.queries import staff_candidates
from lms.i18n import _

REASON_MAX_LENGTH = 500


def _check_dates(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise DomainError(_("The end date must be on or after the start date."), field="ends_on")


def open_cohort(
    session: Session,
    organisation: Organisation,
    course: Course,
    name: str,
    *,
    starts_on: date | None,
    ends_on: date | None,
    today: date,
) -> Cohort:
    """A new cohort, for a qualification the partner is licensed to deliver."""
    check_can_enrol(session, organisation, course, today, extra=0)
    return curriculum.create_cohort(
        session, organisation, course, name, starts_on=starts_on, ends_on=ends_on
    )


def edit_cohort(
    session: Session, cohort: Cohort, name: str, *, starts_on: date | None, ends_on: date | None
) -> Cohort:
    name = " ".join(name.split())
    if not name:
        raise DomainError(_("Please give the cohort a name."), field="name")
    _check_dates(starts_on, ends_on)
    if curriculum.cohort_name_taken(session, cohort.organisation_id, name, besides=cohort.id):
        raise DomainError(
            _("There is already a cohort called \u201c%(name)s\u201d.", name=name), field="name"
        )
    changes = {}
    for field, value in (("name", name), ("starts_on", starts_on), ("ends_on", ends_on)):
        old = getattr(cohort, field)
        if old != value:
            changes[field] = [str(old) if old else None, str(value) if value else None]
            setattr(cohort, field, value)
    session.flush()
    if changes:
        record(
            session, "cohort.changed", obj=cohort, organisation_id=cohort.organisation_id, **changes
        )
    return cohort


def close_cohort(session: Session, cohort: Cohort) -> Cohort:
    """A closed cohort keeps its trainees and records but takes no one new."""
    if cohort.status == CohortStatus.CLOSED:
        raise DomainError(_("This cohort is already closed."))
    cohort.status = CohortStatus.CLOSED
    cohort.closed_at = utcnow()
    session.flush()
    record(session, "cohort.closed", obj=cohort, organisation_id=cohort.organisation_id)
    return cohort


def reopen_cohort(session: Session, cohort: Cohort) -> Cohort:
    """A closed cohort opened again (by an administrator): it takes new trainees again, within
    the licence's seats. When it was closed stays in the audit log."""
    if cohort.status != CohortStatus.CLOSED:
        raise DomainError(_("This cohort is already open."))
    cohort.status = CohortStatus.OPEN
    cohort.closed_at = None
    session.flush()
    record(session, "cohort.reopened", obj=cohort, organisation_id=cohort.organisation_id)
    return cohort


def assign_staff(session: Session, cohort: Cohort, user: User, role: CohortRole) -> CohortStaff:
    return curriculum.assign_staff(session, cohort, user, role)


def assign_candidate(session: Session, cohort: Cohort, user_id: int, role: CohortRole) -> User:
    """Assign the person `user_id`, who must hold `role` in the cohort's organisation or its
    franchisor (and have an account that is not disabled)."""
    candidates = staff_candidates(session, cohort, Role(role.value))
    person = next((p for p in candidates if p.id == user_id), None)
    if person is None:
        if role == CohortRole.ASSESSOR:
            message = _(
                "That person is not an assessor here: give them the role on the members page first."
            )
        else:
            message = _(
                "That person is not an IQA here: give them the role on the members page first."
            )
        raise DomainError(message)
    assign_staff(session, cohort, person, role)
    return person


def remove_staff(session: Session, cohort: Cohort, user_id: int, role: CohortRole) -> None:
    assignment = session.scalar(
        select(CohortStaff).where(
            CohortStaff.cohort_id == cohort.id,
            CohortStaff.user_id == user_id,
            CohortStaff.role == CohortRole(role),
        )
    )
    if assignment is None:
        raise DomainError(_("That person is not assigned to this cohort in that role."))
    session.delete(assignment)
    session.flush()
    record(
        session,
        "cohort.staff_removed",
        obj=cohort,
        organisation_id=cohort.organisation_id,
        user_id=user_id,
        role=CohortRole(role).value,
    )


def move_enrolment(session: Session, enrolment: Enrolment, target: Cohort) -> Enrolment:
    """Move a trainee to another cohort of the same organisation and qualification; her
    progress and records move with her."""
    if not enrolment.is_active:
        raise DomainError(_("This trainee has been withdrawn, so she cannot be moved."))
    if target.id == enrolment.cohort_id:
        raise DomainError(_("She is already in that cohort."), field="cohort")
    if target.organisation_id != enrolment.organisation_id or target.course_id != (
        enrolment.course_id
    ):
        raise DomainError(
            _("A trainee can only move to a cohort of the same organisation and qualification."),
            field="cohort",
        )
    if target.status == CohortStatus.CLOSED:
        raise DomainError(_("The cohort %(name)s is closed.", name=target.name), field="cohort")
    previous = enrolment.cohort_id
    enrolment.cohort_id = target.id
    session.flush()
    record(
        session,
        "enrolment.moved",
        obj=enrolment,
        organisation_id=enrolment.organisation_id,
        user_id=enrolment.user_id,
        from_cohort=previous,
        to_cohort=target.id,
    )
    return enrolment


def withdraw_enrolment(session: Session, enrolment: Enrolment, reason: str) -> Enrolment:
    """Withdraw a trainee. The enrolment and everything she did stay, with the reason."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Please say briefly why she is being withdrawn."), field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise DomainError(
            _("Please keep the reason under %(num)d characters.", num=REASON_MAX_LENGTH),
            field="reason",
        )
    if enrolment.status == EnrolmentStatus.ACHIEVED:
        raise DomainError(_("She has achieved the qualification, so she cannot be withdrawn."))
    curriculum.withdraw(session, enrolment)
    enrolment.withdrawal_reason = reason
    session.flush()
    return enrolment
