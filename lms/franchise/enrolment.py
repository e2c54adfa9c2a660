"""Enrolling trainees into a partner's cohorts: one by one, from a CSV file, or through the API.

Every path ends in `enrol_person`. A person who already holds a role in the organisation is
enrolled at once. Anyone else (an address never seen, or another organisation's person: the
answer must not say which) is invited by e-mail and joins when she accepts
(`lms.franchise.invitations`). Both check the cohort and the partner's licence (seats, dates,
status) first; a pending invitation holds a seat. Many at once (a CSV file, an API request) go
through `enrol_many`, so both are enrolled, invited, refused and audited alike. Functions
flush; the request commits, and the outbox sends the invitations only once it has.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lms.accounts.models import Membership, Organisation, User
from lms.accounts.operations import grant_role, normalise_email
from lms.accounts.roles import Role
from lms.audit.operations import record
from lms.curriculum import operations as curriculum
from lms.curriculum.models import Cohort, CohortStatus, Course, Enrolment, EnrolmentStatus
from lms.db import utcnow
from lms.errors import DomainError
from lms.franchise import invitations
from lms.franchise.csv_import import (
    CohortChoice,
    ImportContext,
    ImportPlan,
    ImportRejected,
    Problem,
    RowChecker,
    check_enrolment_csv,
)
from lms.franchise.licences import check_can_enrol, needs_licence, usages_for
from lms.franchise.models import EnrolmentInvitation, InvitationStatus
from lms.i18n import _


@dataclass(frozen=True)
class Enrolled:
    """One of the organisation's people, enrolled."""

    enrolment: Enrolment
    person: User


@dataclass(frozen=True)
class Invited:
    """Someone else, invited: she joins when she accepts."""

    invitation: EnrolmentInvitation


def _check_cohort_open(cohort: Cohort) -> None:
    if cohort.status == CohortStatus.CLOSED:
        raise DomainError(
            _("The cohort %(name)s is closed, so nobody new can join it.", name=cohort.name),
            field="cohort",
        )


def person_of(session: Session, organisation: Organisation, email: str) -> User | None:
    """The person with this (normalised) address who holds a role in the organisation; a
    person of other organisations only is not found here."""
    return session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(User.email == email, Membership.organisation_id == organisation.id)
        .limit(1)
    )


def enrol_person(
    session: Session,
    cohort: Cohort,
    email: str,
    name: str | None = None,
    *,
    date_of_birth: date | None = None,
    today: date,
) -> Enrolled | Invited:
    """Enrol the organisation's person with `email` into `cohort`, or invite anyone else
    (`name` is needed then, for the invitation and any account she makes)."""
    _check_cohort_open(cohort)
    email = normalise_email(email)
    organisation = session.get(Organisation, cohort.organisation_id)
    person = person_of(session, organisation, email)
    if person is None:
        return Invited(
            invitations.invite(
                session, cohort, email, name, date_of_birth=date_of_birth, today=today
            )
        )
    course = session.get(Course, cohort.course_id)
    check_can_enrol(session, organisation, course, today)
    return Enrolled(_enrol_ours(session, cohort, person, date_of_birth), person)


def _enrol_ours(
    session: Session, cohort: Cohort, person: User, date_of_birth: date | None
) -> Enrolment:
    organisation = session.get(Organisation, cohort.organisation_id)
    course = session.get(Course, cohort.course_id)
    if person.is_disabled:
        raise DomainError(
            _(
                "The account of %(email)s is disabled. Please ask the franchisor's "
                "administrator about it.",
                email=person.email,
            ),
            field="email",
        )
    current = curriculum.active_enrolment(session, person, course)
    if current is not None and current.organisation_id != organisation.id:
        # Her enrolment with another organisation is not this one's to know about.
        raise DomainError(
            _(
                "%(name)s cannot be enrolled on %(course)s at the moment. "
                "The franchisor's administrator can help.",
                name=person.display_name,
                course=course.title,
            ),
            field="email",
        )
    if date_of_birth is not None and not person.date_of_birth:
        person.date_of_birth = date_of_birth.isoformat()
    grant_role(session, person, organisation, Role.TRAINEE)
    return curriculum.enrol(session, person, course, organisation, cohort)


# --- importing a CSV file ----------------------------------------------------------------------

IMPORT_MAX_BYTES = 2 * 1024 * 1024


def cohorts_of(session: Session, organisation: Organisation) -> list[Cohort]:
    """Every cohort of the organisation, with its course and organisation loaded."""
    return list(
        session.scalars(
            select(Cohort)
            .where(Cohort.organisation_id == organisation.id)
            .options(selectinload(Cohort.course), selectinload(Cohort.organisation))
            .order_by(Cohort.name)
        )
    )


def import_context(
    session: Session, organisation: Organisation, cohorts: Sequence[Cohort], today: date
) -> ImportContext:
    """What the CSV check needs to know: the cohorts (and why any is closed to newcomers),
    the seats left on each licence, and who is already enrolled."""
    usages = {u.licence.course_id: u for u in usages_for(session, [organisation.id], today)}
    choices = []
    for cohort in cohorts:
        refusal = None
        usage = usages.get(cohort.course_id)
        if cohort.status == CohortStatus.CLOSED:
            refusal = _(
                "The cohort %(name)s is closed, so nobody new can join it.", name=cohort.name
            )
        elif needs_licence(organisation, cohort.course):
            refusal = (
                usage.refusal()
                if usage
                else _(
                    "%(organisation)s has no licence to deliver %(course)s.",
                    organisation=organisation.name,
                    course=cohort.course.title,
                )
            )
        choices.append(
            CohortChoice(cohort.id, cohort.name, cohort.course.title, cohort.course_id, refusal)
        )
    seats_left = {
        course_id: usage.seats_left
        for course_id, usage in usages.items()
        if needs_licence(organisation, usage.licence.course)
    }
    return ImportContext(
        tuple(choices),
        seats_left,
        _already_enrolled(session, organisation),
        _already_invited(session, organisation),
    )


def _already_enrolled(session: Session, organisation: Organisation) -> frozenset[tuple[str, int]]:
    """(email, course) of the organisation's own enrolments not withdrawn: never anyone
    else's, which are not this organisation's to know about."""
    rows = session.execute(
        select(User.email, Enrolment.course_id)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(
            Enrolment.organisation_id == organisation.id,
            Enrolment.status != EnrolmentStatus.WITHDRAWN,
        )
    )
    return frozenset((email, course) for email, course in rows)


def _already_invited(session: Session, organisation: Organisation) -> frozenset[tuple[str, int]]:
    """(email, course) of the organisation's invitations holding a seat: inviting again takes
    no second one."""
    rows = session.execute(
        select(EnrolmentInvitation.email, EnrolmentInvitation.course_id).where(
            EnrolmentInvitation.organisation_id == organisation.id,
            EnrolmentInvitation.status == InvitationStatus.PENDING,
            EnrolmentInvitation.expires_at > utcnow(),
        )
    )
    return frozenset((email, course) for email, course in rows)


def check_import(
    session: Session, organisation: Organisation, data: bytes, today: date
) -> tuple[ImportPlan, dict[int, Cohort]]:
    """The checked plan for a CSV file; raises `ImportRejected` listing every problem."""
    cohorts = cohorts_of(session, organisation)
    context = import_context(session, organisation, cohorts, today)
    plan = check_enrolment_csv(data, context, today=today)
    return plan, {cohort.id: cohort for cohort in cohorts}


def enrol_many(
    session: Session,
    organisation: Organisation,
    plan: ImportPlan,
    cohorts: Mapping[int, Cohort],
    today: date,
    *,
    via: str,
) -> list[Enrolled | Invited]:
    """Enrol (or invite: see `enrol_person`) every row of a checked plan, or nobody: a row
    refused now (the licence ran out of seats, an account is disabled…) raises
    `ImportRejected` naming its line or item, and the caller rolls back whatever was flushed,
    invitations and their e-mails too. Each enrolment and invitation is audited, and so is the
    whole ("enrolment.imported", `via` "csv" or "api")."""
    done = []
    for row in plan.rows:
        try:
            done.append(
                enrol_person(
                    session,
                    cohorts[row.cohort.id],
                    row.email,
                    row.name,
                    date_of_birth=row.date_of_birth,
                    today=today,
                )
            )
        except DomainError as error:
            raise ImportRejected([Problem(row.line, error.message, conflict=True)]) from None
    record(
        session,
        "enrolment.imported",
        organisation_id=organisation.id,
        via=via,
        enrolled=sum(1 for item in done if isinstance(item, Enrolled)),
        invited=sum(1 for item in done if isinstance(item, Invited)),
    )
    return done


def import_enrolments(
    session: Session, organisation: Organisation, data: bytes, today: date
) -> list[Enrolled | Invited]:
    """Enrol everyone in the CSV file, or nobody (see `enrol_many`). A file larger than
    `IMPORT_MAX_BYTES` is refused, so a caller need read no more than one byte beyond it."""
    if len(data) > IMPORT_MAX_BYTES:
        raise DomainError(_("The file is larger than 2 MB: please split it."), field="file")
    plan, cohorts = check_import(session, organisation, data, today)
    return enrol_many(session, organisation, plan, cohorts, today, via="csv")


# --- the API -----------------------------------------------------------------------------------


def enrol_requested(
    session: Session, organisation: Organisation, items: Sequence[Any], today: date
) -> list[tuple[int, Enrolled | Invited]]:
    """Enrol (or invite) every trainee of an API request, or nobody; each with her position
    in the request. Each item is an object with `email`, `name` (needed only to invite someone
    who is not one of the organisation's people), `cohort_id` and `date_of_birth`; any problem
    raises `ImportRejected`, naming items by their position in the request."""
    cohorts = {cohort.id: cohort for cohort in cohorts_of(session, organisation)}
    checker = RowChecker(
        import_context(session, organisation, list(cohorts.values()), today), today
    )
    checker.where, checker.whole = "item", "request"
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            checker.problems.append(Problem(position, "Each trainee must be an object."))
            continue
        cohort_id = item.get("cohort_id")
        cohort = cohorts.get(cohort_id) if isinstance(cohort_id, int) else None
        if cohort is None:
            checker.problems.append(
                Problem(position, "`cohort_id` is not a cohort of your organisation.")
            )
            continue
        email, name = str(item.get("email") or ""), str(item.get("name") or "")
        if not name.strip() and (ours := _our_person(session, organisation, email)) is not None:
            name = ours.display_name  # a name is needed only to invite someone not ours yet
        values = {
            "email": email,
            "name": name,
            "cohort_id": cohort.id,
            "date_of_birth": str(item.get("date_of_birth") or ""),
        }
        checker.add(position, values)
    plan = checker.finish()
    done = enrol_many(session, organisation, plan, cohorts, today, via="api")
    return [(row.line, item) for row, item in zip(plan.rows, done, strict=True)]


def _our_person(session: Session, organisation: Organisation, email: str) -> User | None:
    try:
        return person_of(session, organisation, normalise_email(email))
    except DomainError:
        return None  # the item's own check reports the address
