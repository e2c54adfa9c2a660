"""Enrolling trainees into a partner's cohorts: one by one, from a CSV file, or through the API.

Every path ends in `enrol_person`, which checks the cohort and the partner's licence (seats,
dates, status) before anything is created. Many at once (a CSV file, an API request) go
through `enrol_many`, so both are enrolled, refused and audited alike. Functions flush;
the request commits. The caller invites the people created in the same transaction (the
outbox sends only what was committed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lms.accounts.models import Organisation, User
from lms.accounts.operations import create_user, find_user_by_email, grant_role, normalise_email
from lms.accounts.roles import Role
from lms.audit.operations import record
from lms.curriculum import operations as curriculum
from lms.curriculum.models import Cohort, CohortStatus, Course, Enrolment, EnrolmentStatus
from lms.errors import DomainError
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


@dataclass(frozen=True)
class Enrolled:
    enrolment: Enrolment
    person: User
    new_account: bool


def _organisation_and_course(session: Session, cohort: Cohort) -> tuple[Organisation, Course]:
    return session.get(Organisation, cohort.organisation_id), session.get(Course, cohort.course_id)


def _check_cohort_accepts(session: Session, cohort: Cohort, today: date, extra: int = 1) -> None:
    if cohort.status == CohortStatus.CLOSED:
        raise DomainError(
            f"The cohort {cohort.name} is closed, so nobody new can join it.", field="cohort"
        )
    organisation, course = _organisation_and_course(session, cohort)
    check_can_enrol(session, organisation, course, today, extra=extra)


def enrol_person(
    session: Session,
    cohort: Cohort,
    email: str,
    name: str | None = None,
    *,
    date_of_birth: date | None = None,
    today: date,
) -> Enrolled:
    """Enrol the person with `email` (made a trainee of the cohort's organisation, and given an
    account without a password when she has none) into `cohort`."""
    _check_cohort_accepts(session, cohort, today)
    organisation, course = _organisation_and_course(session, cohort)
    email = normalise_email(email)
    person = find_user_by_email(session, email)
    new_account = person is None
    if person is None:
        if not (name or "").strip():
            raise DomainError(
                "This person does not have an account yet: please give her name.",
                field="display_name",
            )
        person = create_user(session, email, name or "")
    elif person.is_disabled:
        raise DomainError(
            f"The account of {person.email} is disabled. Please ask the franchisor's "
            "administrator about it.",
            field="email",
        )
    if date_of_birth is not None and not person.date_of_birth:
        person.date_of_birth = date_of_birth.isoformat()
    grant_role(session, person, organisation, Role.TRAINEE)
    enrolment = curriculum.enrol(session, person, course, organisation, cohort)
    return Enrolled(enrolment, person, new_account)


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
            refusal = f"The cohort {cohort.name} is closed, so nobody new can join it."
        elif needs_licence(organisation, cohort.course):
            refusal = (
                usage.refusal()
                if usage
                else f"{organisation.name} has no licence to deliver {cohort.course.title}."
            )
        choices.append(
            CohortChoice(cohort.id, cohort.name, cohort.course.title, cohort.course_id, refusal)
        )
    seats_left = {
        course_id: usage.seats_left
        for course_id, usage in usages.items()
        if needs_licence(organisation, usage.licence.course)
    }
    course_ids = {cohort.course_id for cohort in cohorts}
    enrolled = session.execute(
        select(User.email, Enrolment.course_id)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.course_id.in_(course_ids), Enrolment.status != EnrolmentStatus.WITHDRAWN)
    )
    return ImportContext(
        tuple(choices), seats_left, frozenset((email, course) for email, course in enrolled)
    )


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
) -> list[Enrolled]:
    """Enrol every row of a checked plan, or nobody: a row refused now (the licence ran out
    of seats, an account is disabled…) raises `ImportRejected` naming its line or item, and
    the caller rolls back whatever was flushed. Each enrolment is audited ("enrolment.created")
    and so is the whole ("enrolment.imported", `via` "csv" or "api"). Returns who was
    enrolled and whether her account is new, for the caller to invite after committing."""
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
        count=len(done),
        new_accounts=sum(1 for item in done if item.new_account),
    )
    return done


def import_enrolments(
    session: Session, organisation: Organisation, data: bytes, today: date
) -> list[Enrolled]:
    """Enrol everyone in the CSV file, or nobody (see `enrol_many`). A file larger than
    `IMPORT_MAX_BYTES` is refused, so a caller need read no more than one byte beyond it."""
    if len(data) > IMPORT_MAX_BYTES:
        raise DomainError("The file is larger than 2 MB: please split it.", field="file")
    plan, cohorts = check_import(session, organisation, data, today)
    return enrol_many(session, organisation, plan, cohorts, today, via="csv")


# --- the API -----------------------------------------------------------------------------------


def enrol_requested(
    session: Session, organisation: Organisation, items: Sequence[Any], today: date
) -> list[Enrolled]:
    """Enrol every trainee of an API request, or nobody. Each item is an object with `email`,
    `name` (needed only for someone without an account), `cohort_id` and `date_of_birth`; any
    problem raises `ImportRejected`, naming items by their position in the request."""
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
        if not name.strip() and (known := find_user_by_email(session, email)) is not None:
            name = known.display_name  # her name is needed only when she has no account yet
        values = {
            "email": email,
            "name": name,
            "cohort": cohort.name,
            "date_of_birth": str(item.get("date_of_birth") or ""),
        }
        checker.add(position, values)
    plan = checker.finish()
    return enrol_many(session, organisation, plan, cohorts, today, via="api")
