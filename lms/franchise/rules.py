"""Who may run a partner's training: licences, cohorts, enrolment and partner reports.

Coordinators run their organisation's training; the franchisor's administrators run every
partner's. Assessors and IQAs see the cohorts they are assigned to, while they hold that role in
the cohort's organisation or its franchisor.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, or_, select

from lms.accounts.models import Organisation, User, memberships_of
from lms.accounts.roles import OrganisationKind, Role
from lms.curriculum.models import Cohort, CohortStaff
from lms.permissions import (
    administers,
    has_role,
    is_admin,
    organisation_ids_where,
    rule,
    twin,
)

COHORT_STAFF_ROLES = (Role.ASSESSOR, Role.IQA)


def coordinates(user: User, organisation: Organisation) -> bool:
    """Runs the organisation's training: its coordinators, and the franchisor's administrators."""
    return administers(user, organisation) or has_role(user, organisation.id, Role.COORDINATOR)


def _assigned_to(user: User, cohort: Cohort) -> bool:
    organisation = cohort.organisation
    holds = any(
        m.role in COHORT_STAFF_ROLES
        and m.organisation_id in (organisation.id, organisation.franchisor_id)
        for m in memberships_of(user)
    )
    return holds and any(assignment.user_id == user.id for assignment in cohort.staff)


@twin("cohort.view", ids=lambda scope, user: select(Cohort.id).where(scope(user)))
def scope_cohorts(user: User) -> ColumnElement[bool]:
    """The SQL form of "cohort.view": cohorts of organisations the user coordinates (or
    administers), and cohorts she is assigned to while an assessor or IQA of the cohort's
    organisation or its franchisor."""
    conditions = [Cohort.organisation_id.in_(organisation_ids_where(user, [Role.COORDINATOR]))]
    staff_of = [m.organisation_id for m in memberships_of(user) if m.role in COHORT_STAFF_ROLES]
    if staff_of:
        assigned = select(CohortStaff.cohort_id).where(CohortStaff.user_id == user.id)
        where_staff = select(Organisation.id).where(
            or_(Organisation.id.in_(staff_of), Organisation.franchisor_id.in_(staff_of))
        )
        conditions.append(and_(Cohort.id.in_(assigned), Cohort.organisation_id.in_(where_staff)))
    return or_(*conditions)


@twin("licence.manage")
def partner_ids_where(user: User) -> Select:
    """Partner organisations the user administers (the franchisor's overview lists them)."""
    return organisation_ids_where(user, [], admins=True).where(
        Organisation.kind == OrganisationKind.PARTNER
    )


@rule("franchise.overview")
def _franchise_overview(user: User, _: None) -> bool:
    return is_admin(user)


@rule("licence.manage")
def _manage_licences(user: User, organisation: Organisation) -> bool:
    return not organisation.is_franchisor and administers(user, organisation)


@rule("licence.view")
def _view_licences(user: User, organisation: Organisation) -> bool:
    return coordinates(user, organisation)


@rule("partner.report")
def _partner_report(user: User, organisation: Organisation) -> bool:
    return coordinates(user, organisation)


@rule("cohort.list")
def _list_cohorts(user: User, organisation: Organisation) -> bool:
    return coordinates(user, organisation) or has_role(
        user, organisation.id, Role.ASSESSOR, Role.IQA
    )


@rule("cohort.manage")
def _manage_cohorts(user: User, organisation: Organisation) -> bool:
    return coordinates(user, organisation)


@rule("cohort.reopen")
def _reopen_cohort(user: User, organisation: Organisation) -> bool:
    # Reopening undoes a coordinator's decision that a cohort has finished: an administrator's.
    return administers(user, organisation)


@rule("cohort.view")
def _view_cohort(user: User, cohort: Cohort) -> bool:
    """Needs `cohort.organisation` and `cohort.staff` loaded."""
    return coordinates(user, cohort.organisation) or _assigned_to(user, cohort)


@rule("enrolment.manage")
def _manage_enrolment(user: User, organisation: Organisation) -> bool:
    return coordinates(user, organisation)
