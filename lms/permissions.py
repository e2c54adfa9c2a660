"""The one registry that decides who may see or change what.

Every rule is a named predicate, `can(user, "organisation.manage_members", organisation)`,
written beside its capability in `lms/<area>/rules.py` and registered here by `@rule(...)`.
Views, templates and the API ask `can`; nothing else re-implements a rule. Where a list must be
filtered, the rule has a query form (`*_ids_where` / `scope_*`) so filtering happens in SQL.
Anything not allowed by a rule is refused; an unknown action is a programming error.

This module keeps only the registry and the building blocks rules share: roles held, who
administers what, which organisations an IQA quality-assures.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import object_session

from lms.accounts.models import Organisation, User
from lms.accounts.roles import Role
from lms.curriculum.models import CohortRole, CohortStaff
from lms.errors import PermissionDenied

Rule = Callable[[User, Any], bool]
_RULES: dict[str, Rule] = {}

# Each capability's rules module, imported on the first question asked of the registry.
RULE_MODULES = [
    "lms.accounts.rules",
    "lms.curriculum.access_rules",
    "lms.quizzes.rules",
    "lms.franchise.rules",
    "lms.portfolio.rules",
    "lms.assessment.rules",
    "lms.notifications.rules",
    "lms.accreditation.rules",
    "lms.api.rules",
]
_loaded_modules: set[str] = set()
_defaults_loaded = False


def load_rules(modules: Iterable[str]) -> None:
    """Import rules modules so their `@rule`s register. Loading one twice does nothing."""
    for name in modules:
        if name not in _loaded_modules:
            importlib.import_module(name)
            _loaded_modules.add(name)


def _ensure_loaded() -> None:
    global _defaults_loaded
    if not _defaults_loaded:
        load_rules(RULE_MODULES)
        _defaults_loaded = True


def rule(action: str) -> Callable[[Rule], Rule]:
    def register(predicate: Rule) -> Rule:
        if action in _RULES:
            raise RuntimeError(f"permission rule {action!r} defined twice")
        _RULES[action] = predicate
        return predicate

    return register


def can(user: User | None, action: str, target: Any = None) -> bool:
    _ensure_loaded()
    try:
        predicate = _RULES[action]
    except KeyError:
        raise LookupError(f"no permission rule named {action!r}") from None
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(predicate(user, target))


def authorize(user: User | None, action: str, target: Any = None) -> None:
    if not can(user, action, target):
        raise PermissionDenied()


def known_actions() -> list[str]:
    _ensure_loaded()
    return sorted(_RULES)


# --- building blocks --------------------------------------------------------------------------


def has_role(user: User, organisation_id: int | None, *roles: Role) -> bool:
    return any(m.organisation_id == organisation_id and m.role in roles for m in user.memberships)


def admin_franchisor_ids(user: User) -> set[int]:
    return {m.organisation_id for m in user.memberships if m.role == Role.ADMIN}


def is_admin(user: User) -> bool:
    return bool(admin_franchisor_ids(user))


def administers(user: User, organisation: Organisation) -> bool:
    """Administrators of a franchisor act for it and for every partner under it."""
    admin_of = admin_franchisor_ids(user)
    return organisation.id in admin_of or organisation.franchisor_id in admin_of


def organisation_ids_where(user: User, roles: Iterable[Role], *, admins: bool = True) -> Select:
    """A SELECT of the ids of organisations where `user` holds one of `roles`
    (and, with `admins`, every organisation under a franchisor the user administers)."""
    roles = set(roles)
    own = [m.organisation_id for m in user.memberships if m.role in roles]
    conditions = [Organisation.id.in_(own)]
    if admins and (admin_of := admin_franchisor_ids(user)):
        conditions += [Organisation.id.in_(admin_of), Organisation.franchisor_id.in_(admin_of)]
    return select(Organisation.id).where(or_(*conditions))


STAFF = (Role.COORDINATOR, Role.ASSESSOR, Role.IQA, Role.ADMIN)
# Kept here because the members page (a view) offers exactly these roles to coordinators.
ROLES_A_COORDINATOR_GRANTS = frozenset({Role.TRAINEE, Role.ASSESSOR, Role.IQA, Role.COORDINATOR})


def session_of(obj):
    return object_session(obj)


def organisation_of(obj) -> Organisation:
    """The organisation `obj.organisation_id` names (from the session's identity map when the
    caller has loaded it, so a rule works whether or not the relationship was loaded)."""
    return session_of(obj).get(Organisation, obj.organisation_id)


def quality_assures(user: User, organisation: Organisation) -> bool:
    """IQAs quality-assure the organisation where they are an IQA, and every partner of a
    franchisor where they are an IQA. Query form: `iqa_organisation_ids`."""
    iqa_of = {m.organisation_id for m in user.memberships if m.role == Role.IQA}
    return organisation.id in iqa_of or organisation.franchisor_id in iqa_of


def iqa_organisation_ids(user: User) -> Select:
    """Organisations whose assessment an IQA quality-assures: where they are an IQA, and every
    partner of a franchisor where they are an IQA."""
    own = [m.organisation_id for m in user.memberships if m.role == Role.IQA]
    return select(Organisation.id).where(
        or_(Organisation.id.in_(own), Organisation.franchisor_id.in_(own))
    )


def assessor_cohort_ids(user: User) -> Select:
    return select(CohortStaff.cohort_id).where(
        CohortStaff.user_id == user.id, CohortStaff.role == CohortRole.ASSESSOR
    )


def assesses_cohort(user: User, cohort_id: int | None, session) -> bool:
    if cohort_id is None:
        return False
    found = assessor_cohort_ids(user).where(CohortStaff.cohort_id == cohort_id).limit(1)
    return session.scalar(found) is not None


# --- names that moved -------------------------------------------------------------------------
# Query forms now live beside their rules; importing them from here still works.

_MOVED = {
    "scope_enrolments": "lms.curriculum.access_rules",
    "scope_quiz_results": "lms.quizzes.rules",
    "quiz_analysis_organisation_ids": "lms.quizzes.rules",
    "scope_cohorts": "lms.franchise.rules",
    "partner_ids_where": "lms.franchise.rules",
    "coordinates": "lms.franchise.rules",
    "visible_enrolment_ids": "lms.portfolio.rules",
}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
