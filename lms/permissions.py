"""The one registry that decides who may see or change what.

Every rule is a named predicate, `can(user, "organisation.manage_members", organisation)`,
written beside its capability in `lms/<area>/rules.py` and registered here by `@rule(...)`.
Views, templates and the API ask `can`; nothing else re-implements a rule. Where a list must be
filtered, the rule has a query form (`scope_*` / `*_ids_where` / `*_ids`) so filtering happens
in SQL, and `@twin(...)` pairs the two so a test can hold them to the same answer.
Anything not allowed by a rule is refused; an unknown action is a programming error.

This module keeps only the registry and the building blocks rules share: roles held, who
administers what, which organisations an IQA quality-assures, and who may read a learner.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, event, false, or_, select
from sqlalchemy.orm import ORMExecuteState, Session, object_session
from werkzeug.local import LocalProxy

from lms import capabilities
from lms.accounts.models import Organisation, User, memberships_of
from lms.accounts.roles import Role
from lms.curriculum.models import Cohort, CohortRole, CohortStaff, Enrolment
from lms.errors import PermissionDenied

Rule = Callable[[User, Any], bool]
_RULES: dict[str, Rule] = {}

# Each capability's rules module, as lms/capabilities.py lists them (create_app gives the same
# list to `load_rules`); imported on the first question asked of the registry if nothing has
# loaded them yet.
RULE_MODULES = capabilities.paths("rules")
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
    if isinstance(user, LocalProxy):
        # `current_user` finds the person again for every attribute read through it, and a
        # rule reads several: find her once.
        user = user._get_current_object()
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(predicate(user, target))


def authorize(user: User | None, action: str, target: Any = None) -> None:
    if not can(user, action, target):
        raise PermissionDenied()


def known_actions() -> list[str]:
    _ensure_loaded()
    return sorted(_RULES)


# --- query twins ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Twin:
    """A rule's query form. `ids(form, user)` builds from `form` (the helper code filters lists
    with) a SELECT of the ids of the target objects the rule allows `user`."""

    action: str
    form: Callable[..., Any]
    ids: Callable[[Callable[..., Any], User], Select]


_TWINS: dict[str, Twin] = {}


def _form_gives_ids(form: Callable[..., Any], user: User) -> Select:
    return form(user)


def twin(
    action: str, *, ids: Callable[[Callable[..., Any], User], Select] = _form_gives_ids
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare the decorated query form the SQL twin of rule `action`. `ids` says how to make
    a SELECT of target ids from it; by default the form returns that SELECT itself."""

    def register(form: Callable[..., Any]) -> Callable[..., Any]:
        if action in _TWINS:
            raise RuntimeError(f"query twin of {action!r} defined twice")
        _TWINS[action] = Twin(action, form, ids)
        return form

    return register


def twins() -> list[Twin]:
    _ensure_loaded()
    return [_TWINS[action] for action in sorted(_TWINS)]


# --- building blocks --------------------------------------------------------------------------


def has_role(user: User, organisation_id: int | None, *roles: Role) -> bool:
    return any(
        m.organisation_id == organisation_id and m.role in roles for m in memberships_of(user)
    )


def holds_role_anywhere(user: User, *roles: Role) -> bool:
    return any(m.role in roles for m in memberships_of(user))


def admin_franchisor_ids(user: User) -> set[int]:
    return {m.organisation_id for m in memberships_of(user) if m.role == Role.ADMIN}


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
    own = [m.organisation_id for m in memberships_of(user) if m.role in roles]
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
    iqa_of = {m.organisation_id for m in memberships_of(user) if m.role == Role.IQA}
    return organisation.id in iqa_of or organisation.franchisor_id in iqa_of


def iqa_organisation_ids(user: User) -> Select:
    """Organisations whose assessment an IQA quality-assures: where they are an IQA, and every
    partner of a franchisor where they are an IQA."""
    own = [m.organisation_id for m in memberships_of(user) if m.role == Role.IQA]
    return select(Organisation.id).where(
        or_(Organisation.id.in_(own), Organisation.franchisor_id.in_(own))
    )


def assessor_cohort_ids(user: User) -> Select:
    """Cohorts `user` is assigned to as an assessor, while she is an assessor of the cohort's
    organisation or of its franchisor (an assignment outlives a role taken away; access does
    not)."""
    assessor_of = [m.organisation_id for m in memberships_of(user) if m.role == Role.ASSESSOR]
    return (
        select(CohortStaff.cohort_id)
        .join(Cohort, Cohort.id == CohortStaff.cohort_id)
        .join(Organisation, Organisation.id == Cohort.organisation_id)
        .where(
            CohortStaff.user_id == user.id,
            CohortStaff.role == CohortRole.ASSESSOR,
            or_(Organisation.id.in_(assessor_of), Organisation.franchisor_id.in_(assessor_of)),
        )
    )


def assesses_cohort(user: User, cohort_id: int | None, session) -> bool:
    """Whether `user` assesses the cohort (see `assessor_cohort_ids`). A page asks it several
    times (may she judge, read the portfolio, record evidence?): the answer is kept in the
    session until its transaction ends or it writes cohort staff, a cohort or an
    organisation, and is asked again whenever her roles differ."""
    if cohort_id is None or not holds_role_anywhere(user, Role.ASSESSOR):
        return False
    roles = tuple(sorted((m.organisation_id, m.role.value) for m in memberships_of(user)))
    if _ASSESSES in session.info and _writes_assessing_facts(session):
        del session.info[_ASSESSES]  # changed and not yet flushed: the database must say
    known = session.info.setdefault(_ASSESSES, {})
    key = (user.id, cohort_id, roles)
    if key not in known:
        found = assessor_cohort_ids(user).where(CohortStaff.cohort_id == cohort_id).limit(1)
        known[key] = session.scalar(found) is not None
    return known[key]


_ASSESSES = "assesses_cohort"  # session.info: {(user, cohort, her roles): bool}
_ASSESSING_FACTS = (CohortStaff, Cohort, Organisation)


def _writes_assessing_facts(session: Session) -> bool:
    return any(
        isinstance(row, _ASSESSING_FACTS)
        for row in (*session.new, *session.dirty, *session.deleted)
    )


@event.listens_for(Session, "before_flush")
def _forget_assessing_if_written(session: Session, _flush_context, _instances) -> None:
    if _ASSESSES in session.info and _writes_assessing_facts(session):
        del session.info[_ASSESSES]


@event.listens_for(Session, "do_orm_execute")
def _forget_assessing_if_changed(state: ORMExecuteState) -> None:
    if (
        (state.is_update or state.is_delete)
        and state.bind_mapper is not None
        and issubclass(state.bind_mapper.class_, _ASSESSING_FACTS)
    ):
        state.session.info.pop(_ASSESSES, None)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_assessing(session: Session, *_args) -> None:
    session.info.pop(_ASSESSES, None)


# --- who may read a learner -------------------------------------------------------------------
# One answer to "may this person see this learner": her record, her portfolio, her quiz
# attempts, the decisions on her work. A rule chooses which kinds of reader it admits (the
# portfolio leaves out coordinators and administrators, who see progress, not evidence), but
# every kind is defined once, here, with its SQL form beside it.


class Reader(enum.Flag):
    """How a person may come to read one enrolment's learner."""

    TRAINEE = enum.auto()  # the trainee herself
    COORDINATOR = enum.auto()  # a coordinator of the enrolment's organisation
    ASSESSOR = enum.auto()  # an assessor of the enrolment's organisation
    COHORT_ASSESSOR = enum.auto()  # her cohort's assessor (see `assessor_cohort_ids`)
    IQA = enum.auto()  # an IQA who quality-assures the organisation (see `quality_assures`)
    ADMIN = enum.auto()  # an administrator of the organisation's franchisor
    EQA = enum.auto()  # an EQA given her records by a grant current today (not ended early)


LEARNER_READERS = (
    Reader.TRAINEE
    | Reader.COORDINATOR
    | Reader.ASSESSOR
    | Reader.COHORT_ASSESSOR
    | Reader.IQA
    | Reader.ADMIN
    | Reader.EQA
)


def _granted_enrolment_ids(user: User, enrolment_id: int | None = None) -> Select:
    """Enrolments an EQA has been given by a grant current today: begun, not past its end
    date, and not ended early."""
    from lms.assessment.models import EqaAccess, EqaGrant
    from lms.db import utcnow

    today = utcnow().date()
    granted = (
        select(EqaAccess.enrolment_id)
        .join(EqaGrant, EqaGrant.id == EqaAccess.grant_id)
        .where(
            EqaGrant.user_id == user.id,
            EqaGrant.starts_on <= today,
            EqaGrant.ends_on >= today,
            EqaGrant.ended_at.is_(None),
        )
    )
    if enrolment_id is not None:
        granted = granted.where(EqaAccess.enrolment_id == enrolment_id)
    return granted


def reads_learner(user: User, enrolment: Enrolment, readers: Reader = LEARNER_READERS) -> bool:
    """May `user` read `enrolment`'s learner, as one of `readers`? Query form:
    `learner_enrolment_ids` (and `scope_learners`)."""
    if Reader.TRAINEE in readers and enrolment.user_id == user.id:
        return True
    organisation = organisation_of(enrolment)
    held = user.roles_in(organisation.id)
    if (Reader.COORDINATOR in readers and Role.COORDINATOR in held) or (
        Reader.ASSESSOR in readers and Role.ASSESSOR in held
    ):
        return True
    if Reader.ADMIN in readers and administers(user, organisation):
        return True
    if Reader.IQA in readers and quality_assures(user, organisation):
        return True
    session = session_of(enrolment)
    if Reader.COHORT_ASSESSOR in readers and assesses_cohort(user, enrolment.cohort_id, session):
        return True
    if Reader.EQA in readers and holds_role_anywhere(user, Role.EQA):
        granted = _granted_enrolment_ids(user, enrolment.id).limit(1)
        return session.scalar(granted) is not None
    return False


def scope_learners(user: User, readers: Reader = LEARNER_READERS) -> ColumnElement[bool]:
    """SQL condition on `Enrolment`: the enrolments `user` may read as one of `readers` (the
    query form of `reads_learner`)."""
    conditions: list[ColumnElement[bool]] = []
    if Reader.TRAINEE in readers:
        conditions.append(Enrolment.user_id == user.id)
    in_organisation = {
        role
        for flag, role in ((Reader.COORDINATOR, Role.COORDINATOR), (Reader.ASSESSOR, Role.ASSESSOR))
        if flag in readers
    }
    if own := [m.organisation_id for m in memberships_of(user) if m.role in in_organisation]:
        conditions.append(Enrolment.organisation_id.in_(own))
    if Reader.ADMIN in readers and is_admin(user):
        conditions.append(Enrolment.organisation_id.in_(organisation_ids_where(user, [])))
    if Reader.IQA in readers and holds_role_anywhere(user, Role.IQA):
        conditions.append(Enrolment.organisation_id.in_(iqa_organisation_ids(user)))
    if Reader.COHORT_ASSESSOR in readers and holds_role_anywhere(user, Role.ASSESSOR):
        conditions.append(Enrolment.cohort_id.in_(assessor_cohort_ids(user)))
    if Reader.EQA in readers and holds_role_anywhere(user, Role.EQA):
        conditions.append(Enrolment.id.in_(_granted_enrolment_ids(user)))
    return or_(*conditions) if conditions else false()


def learner_enrolment_ids(user: User, readers: Reader = LEARNER_READERS) -> Select:
    """A SELECT of the ids of the enrolments `user` may read as one of `readers`."""
    return select(Enrolment.id).where(scope_learners(user, readers))


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
