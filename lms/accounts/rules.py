"""Who may administer Alongside, see organisations, manage their members and disable people."""

from __future__ import annotations

from lms.accounts.models import Organisation, User, memberships_of
from lms.accounts.roles import Role
from lms.permissions import (
    ROLES_A_COORDINATOR_GRANTS,
    STAFF,
    admin_franchisor_ids,
    administers,
    has_role,
    is_admin,
    rule,
)


@rule("admin.access")
def _admin_access(user: User, _: None) -> bool:
    return is_admin(user)


@rule("organisation.create")
def _create_organisation(user: User, _: None) -> bool:
    return is_admin(user)


@rule("organisation.view")
def _view_organisation(user: User, organisation: Organisation) -> bool:
    return administers(user, organisation) or has_role(user, organisation.id, *STAFF)


@rule("organisation.manage_members")
def _manage_members(user: User, organisation: Organisation) -> bool:
    return administers(user, organisation) or has_role(user, organisation.id, Role.COORDINATOR)


@rule("organisation.grant_role")
def _grant_role(user: User, target: tuple[Organisation, Role]) -> bool:
    organisation, role = target
    if administers(user, organisation):
        return True
    return has_role(user, organisation.id, Role.COORDINATOR) and role in ROLES_A_COORDINATOR_GRANTS


@rule("user.disable")
def _disable_user(user: User, person: User) -> bool:
    if person.id == user.id:
        return False
    admin_of = admin_franchisor_ids(user)
    return bool(admin_of) and all(
        m.organisation_id in admin_of or m.organisation.franchisor_id in admin_of
        for m in memberships_of(person)
    )
