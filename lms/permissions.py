"""The one place that decides who may see or change what.

Every rule is a named predicate, `can(user, "organisation.manage_members", organisation)`.
Views, templates and the API ask it; nothing else re-implements a rule. Where a list must be
filtered, the same rule has a query form (`*_ids_where` / `scope_*`) so filtering happens in SQL.
Anything not allowed by a rule is refused; an unknown action is a programming error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select

from lms.accounts.models import Membership, Organisation, User
from lms.accounts.roles import OrganisationKind, Role
from lms.errors import PermissionDenied

Rule = Callable[[User, Any], bool]
_RULES: dict[str, Rule] = {}


def rule(action: str) -> Callable[[Rule], Rule]:
    def register(predicate: Rule) -> Rule:
        if action in _RULES:
            raise RuntimeError(f"permission rule {action!r} defined twice")
        _RULES[action] = predicate
        return predicate

    return register


def can(user: User | None, action: str, target: Any = None) -> bool:
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
ROLES_A_COORDINATOR_GRANTS = frozenset({Role.TRAINEE, Role.ASSESSOR, Role.IQA, Role.COORDINATOR})


# --- accounts and organisations -----------------------------------------------------------------


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
        for m in person.memberships
    )


@rule("audit.view")
def _view_audit(user: User, _: None) -> bool:
    return is_admin(user)


# --- curriculum ---------------------------------------------------------------------------------
# A trainee sees the courses she is enrolled on and only her own progress. Staff of the
# enrolment's organisation (and administrators of its franchisor) may look at a trainee's
# learning, read-only. Staff anywhere may preview course content. Enrolments are always loaded
# through `scope_enrolments`, so one from an organisation the person cannot see is a 404.

ENROLMENT_VIEWERS = (Role.COORDINATOR, Role.ASSESSOR, Role.IQA)


def scope_enrolments(user: User, statement: Select) -> Select:
    """Filter a SELECT involving `Enrolment` to the enrolments `user` may look at."""
    from lms.curriculum.models import Enrolment

    return statement.where(
        or_(
            Enrolment.user_id == user.id,
            Enrolment.organisation_id.in_(organisation_ids_where(user, ENROLMENT_VIEWERS)),
        )
    )


@rule("curriculum.learn")
def _learn(user: User, _: None) -> bool:
    return Role.TRAINEE in user.roles


@rule("curriculum.enrolment.view")
def _view_enrolment(user: User, enrolment) -> bool:
    if enrolment.user_id == user.id:
        return True
    organisation = enrolment.organisation
    return administers(user, organisation) or has_role(user, organisation.id, *ENROLMENT_VIEWERS)


@rule("curriculum.enrolment.progress")
def _record_progress(user: User, enrolment) -> bool:
    """Only the trainee herself moves her own progress on, while the enrolment is active."""
    return enrolment.user_id == user.id and enrolment.is_active


@rule("curriculum.preview")
def _preview_courses(user: User, _: None) -> bool:
    return any(role in STAFF for role in user.roles)


@rule("curriculum.asset.view")
def _view_course_asset(user: User, _: None) -> bool:
    return True  # any signed-in person; the address is the picture's SHA-256


# --- quizzes -------------------------------------------------------------------------------------
# A trainee takes and sees her own attempts. Her quiz results are seen by the coordinators of
# her organisation, the assessors assigned to her cohort (while they are assessors there) and
# the franchisor's administrators. Item analysis is for curriculum owners (the franchisor's
# administrators, across their partners) and for coordinators (their own trainees only).


def scope_quiz_results(user: User):
    """SQL condition on `Enrolment`: enrolments whose quiz results `user` may see."""
    from lms.curriculum.models import Cohort, CohortRole, CohortStaff, Enrolment

    conditions = [
        Enrolment.user_id == user.id,
        Enrolment.organisation_id.in_(organisation_ids_where(user, [Role.COORDINATOR])),
    ]
    assessor_of = [m.organisation_id for m in user.memberships if m.role == Role.ASSESSOR]
    if assessor_of:
        cohorts = (
            select(CohortStaff.cohort_id)
            .join(Cohort, Cohort.id == CohortStaff.cohort_id)
            .join(Organisation, Organisation.id == Cohort.organisation_id)
            .where(
                CohortStaff.user_id == user.id,
                CohortStaff.role == CohortRole.ASSESSOR,
                or_(
                    Organisation.id.in_(assessor_of), Organisation.franchisor_id.in_(assessor_of)
                ),
            )
        )
        conditions.append(Enrolment.cohort_id.in_(cohorts))
    return or_(*conditions)


def quiz_analysis_organisation_ids(user: User) -> Select:
    """Organisations whose trainees' attempts `user` may analyse."""
    return organisation_ids_where(user, [Role.COORDINATOR])


@rule("quiz.take")
def _take_quiz(user: User, enrolment) -> bool:
    return (
        enrolment.user_id == user.id
        and enrolment.is_active
        and Role.TRAINEE in user.roles_in(enrolment.organisation_id)
    )


@rule("quiz.answer")
def _answer_quiz(user: User, attempt) -> bool:
    """Needs `attempt.enrolment` loaded."""
    return attempt.user_id == user.id and attempt.enrolment.is_active


@rule("quiz.view_attempt")
def _view_quiz_attempt(user: User, attempt) -> bool:
    if attempt.user_id == user.id:
        return True
    from sqlalchemy.orm import object_session

    from lms.curriculum.models import Enrolment

    session = object_session(attempt)
    visible = select(Enrolment.id).where(
        Enrolment.id == attempt.enrolment_id, scope_quiz_results(user)
    )
    return session.scalar(visible) is not None


@rule("quiz.view_results")
def _view_quiz_results(user: User, _: None) -> bool:
    return is_admin(user) or any(
        m.role in (Role.COORDINATOR, Role.ASSESSOR) for m in user.memberships
    )


@rule("quiz.analyse")
def _analyse_quiz(user: User, _: None) -> bool:
    return is_admin(user) or any(m.role == Role.COORDINATOR for m in user.memberships)
# --- franchise: licences, cohorts, enrolment, reports and API tokens ---------------------------
# Imported here, not at the top, so that this block merges cleanly with other capabilities'.
from lms.curriculum.models import Cohort, CohortStaff  # noqa: E402


def coordinates(user: User, organisation: Organisation) -> bool:
    """Runs the organisation's training: its coordinators, and the franchisor's administrators."""
    return administers(user, organisation) or has_role(user, organisation.id, Role.COORDINATOR)


def _assigned_to(user: User, cohort: Cohort) -> bool:
    organisation = cohort.organisation
    staff_roles = {Role.ASSESSOR, Role.IQA}
    holds = any(
        m.role in staff_roles and m.organisation_id in (organisation.id, organisation.franchisor_id)
        for m in user.memberships
    )
    return holds and any(assignment.user_id == user.id for assignment in cohort.staff)


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


@rule("cohort.view")
def _view_cohort(user: User, cohort: Cohort) -> bool:
    """Needs `cohort.organisation` and `cohort.staff` loaded."""
    return coordinates(user, cohort.organisation) or _assigned_to(user, cohort)


@rule("enrolment.manage")
def _manage_enrolment(user: User, organisation: Organisation) -> bool:
    return coordinates(user, organisation)


@rule("trainee.view_record")
def _view_trainee_record(user: User, organisation: Organisation) -> bool:
    return coordinates(user, organisation)


@rule("api_token.create")
def _create_api_token(user: User, membership: Membership) -> bool:
    return membership.user_id == user.id and membership.role == Role.COORDINATOR


@rule("api.use")
def _use_api(user: User, organisation: Organisation) -> bool:
    """The API speaks for a coordinator's organisation (the token's principal holds only the
    token's membership, so another organisation is never reachable)."""
    return has_role(user, organisation.id, Role.COORDINATOR)


def scope_cohorts(user: User) -> ColumnElement[bool]:
    """The SQL form of "cohort.view": cohorts of organisations the user coordinates (or
    administers), and cohorts she is assigned to as assessor or IQA."""
    assigned = select(CohortStaff.cohort_id).where(CohortStaff.user_id == user.id)
    conditions = [Cohort.organisation_id.in_(organisation_ids_where(user, [Role.COORDINATOR]))]
    if any(m.role in (Role.ASSESSOR, Role.IQA) for m in user.memberships):
        conditions.append(Cohort.id.in_(assigned))
    return or_(*conditions)


def partner_ids_where(user: User) -> Select:
    """Partner organisations the user administers (for the franchisor's overview)."""
    return organisation_ids_where(user, [], admins=True).where(
        Organisation.kind == OrganisationKind.PARTNER
    )


# --- portfolio, assessment, quality assurance ---------------------------------------------------
# Evidence is among the most sensitive things Alongside holds: a survivor's reflections. It is
# seen by the trainee herself, the assessors of her cohort, the IQAs of her organisation or
# its franchisor, and an EQA given her records for a period. Coordinators and administrators
# see progress elsewhere, not evidence.


def _assessment_models():
    # Imported late: these capabilities import this module for their own rules.
    from lms.assessment import models as assessment
    from lms.curriculum import models as curriculum
    from lms.portfolio import models as portfolio

    return curriculum, portfolio, assessment


def iqa_organisation_ids(user: User) -> Select:
    """Organisations whose assessment an IQA quality-assures: where they are an IQA, and every
    partner of a franchisor where they are an IQA."""
    own = [m.organisation_id for m in user.memberships if m.role == Role.IQA]
    return select(Organisation.id).where(
        or_(Organisation.id.in_(own), Organisation.franchisor_id.in_(own))
    )


def assessor_cohort_ids(user: User) -> Select:
    curriculum, _, _ = _assessment_models()
    return select(curriculum.CohortStaff.cohort_id).where(
        curriculum.CohortStaff.user_id == user.id,
        curriculum.CohortStaff.role == curriculum.CohortRole.ASSESSOR,
    )


def visible_enrolment_ids(user: User) -> Select:
    """Enrolments whose portfolio `user` may see (the query form of "portfolio.view")."""
    from lms.db import utcnow

    curriculum, _, assessment = _assessment_models()
    enrolment, access = curriculum.Enrolment, assessment.EqaAccess
    today = utcnow().date()
    return (
        select(enrolment.id)
        .where(enrolment.user_id == user.id)
        .union(
            select(enrolment.id).where(enrolment.cohort_id.in_(assessor_cohort_ids(user))),
            select(enrolment.id).where(enrolment.organisation_id.in_(iqa_organisation_ids(user))),
            select(access.enrolment_id).where(
                access.user_id == user.id, access.starts_on <= today, access.ends_on >= today
            ),
        )
    )


def _session_of(obj):
    from sqlalchemy.orm import object_session

    return object_session(obj)


def _sees_enrolment(user: User, enrolment_id: int, session) -> bool:
    ids = visible_enrolment_ids(user).subquery()
    return session.scalar(select(ids.c.id).where(ids.c.id == enrolment_id)) is not None


def _assesses_cohort(user: User, cohort_id: int | None, session) -> bool:
    if cohort_id is None:
        return False
    curriculum, _, _ = _assessment_models()
    staff = curriculum.CohortStaff
    return (
        session.scalar(
            select(staff.id).where(
                staff.cohort_id == cohort_id,
                staff.user_id == user.id,
                staff.role == curriculum.CohortRole.ASSESSOR,
            )
        )
        is not None
    )


def _quality_assures(user: User, organisation_id: int, session) -> bool:
    if not any(m.role == Role.IQA for m in user.memberships):
        return False
    ids = iqa_organisation_ids(user).subquery()
    return session.scalar(select(ids.c.id).where(ids.c.id == organisation_id)) is not None


@rule("portfolio.view")
def _view_portfolio(user: User, enrolment) -> bool:
    return enrolment.user_id == user.id or _sees_enrolment(
        user, enrolment.id, _session_of(enrolment)
    )


@rule("portfolio.contribute")
def _contribute(user: User, enrolment) -> bool:
    return enrolment.user_id == user.id and enrolment.is_active


@rule("portfolio.edit_evidence")
def _edit_evidence(user: User, evidence) -> bool:
    curriculum, _, _ = _assessment_models()
    if evidence.owner_id != user.id or evidence.recorded_by_id is not None:
        return False
    enrolment = _session_of(evidence).get(curriculum.Enrolment, evidence.enrolment_id)
    return enrolment.is_active


@rule("portfolio.record")
def _record_for_trainee(user: User, enrolment) -> bool:
    return (
        enrolment.user_id != user.id
        and enrolment.is_active
        and _assesses_cohort(user, enrolment.cohort_id, _session_of(enrolment))
    )


@rule("assessment.queue")
def _see_queue(user: User, _: None) -> bool:
    return Role.ASSESSOR in user.roles


@rule("assessment.judge")
def _judge(user: User, submission) -> bool:
    curriculum, _, _ = _assessment_models()
    session = _session_of(submission)
    enrolment = session.get(curriculum.Enrolment, submission.enrolment_id)
    return submission.trainee_id != user.id and _assesses_cohort(user, enrolment.cohort_id, session)


@rule("iqa.access")
def _iqa_access(user: User, _: None) -> bool:
    return Role.IQA in user.roles


@rule("iqa.review")
def _iqa_review(user: User, decision) -> bool:
    return _quality_assures(user, decision.organisation_id, _session_of(decision))


@rule("iqa.manage")
def _iqa_manage(user: User, organisation: Organisation) -> bool:
    return _quality_assures(user, organisation.id, _session_of(organisation))


@rule("eqa.grant")
def _grant_eqa(user: User, organisation: Organisation) -> bool:
    return (
        administers(user, organisation)
        or has_role(user, organisation.id, Role.COORDINATOR)
        or _quality_assures(user, organisation.id, _session_of(organisation))
    )


@rule("eqa.home")
def _eqa_home(user: User, _: None) -> bool:
    return Role.EQA in user.roles


@rule("standardisation.view")
def _view_standardisation(user: User, exercise) -> bool:
    session = _session_of(exercise)
    if _quality_assures(user, exercise.organisation_id, session):
        return True
    if any(p.assessor_id == user.id for p in exercise.participants):
        return True
    _, portfolio, _ = _assessment_models()
    submission = session.get(portfolio.Submission, exercise.submission_id)
    return Role.EQA in user.roles and _sees_enrolment(user, submission.enrolment_id, session)


@rule("standardisation.judge")
def _judge_standardisation(user: User, exercise) -> bool:
    return exercise.closed_at is None and any(
        p.assessor_id == user.id for p in exercise.participants
    )


@rule("notifications.view")
def _view_notifications(user: User, _: None) -> bool:
    return True


# --- accreditation: learner records, awards, certificates, claims -----------------------------
# Targets carry their organisation loaded (`enrolment.organisation`, `award.organisation`,
# `credential.organisation`, `cohort.organisation`).

RECORD_READERS = (Role.COORDINATOR, Role.ASSESSOR, Role.IQA, Role.EQA)


def _works_with(user: User, organisation: Organisation, *roles: Role) -> bool:
    return administers(user, organisation) or has_role(user, organisation.id, *roles)


@rule("accreditation.view_own")
def _view_own_achievements(user: User, _: None) -> bool:
    return True


@rule("accreditation.list_records")
def _list_records(user: User, organisation: Organisation) -> bool:
    return _works_with(user, organisation, *RECORD_READERS)


@rule("accreditation.view_record")
def _view_record(user: User, enrolment) -> bool:
    return enrolment.user_id == user.id or _works_with(
        user, enrolment.organisation, *RECORD_READERS
    )


@rule("accreditation.award")
def _award(user: User, enrolment) -> bool:
    return _works_with(user, enrolment.organisation, Role.COORDINATOR)


@rule("accreditation.download_certificate")
def _download_certificate(user: User, award) -> bool:
    return award.user_id == user.id or _works_with(user, award.organisation, Role.COORDINATOR)


@rule("accreditation.download_credential")
def _download_credential(user: User, credential) -> bool:
    return credential.user_id == user.id or _works_with(
        user, credential.organisation, Role.COORDINATOR
    )


@rule("accreditation.revoke")
def _revoke(user: User, award) -> bool:
    """Only the franchisor's administrators withdraw an award."""
    return administers(user, award.organisation)


@rule("accreditation.download_cohort")
def _download_cohort(user: User, cohort) -> bool:
    return _works_with(user, cohort.organisation, Role.COORDINATOR)


@rule("accreditation.claim")
def _claim(user: User, organisation: Organisation) -> bool:
    return _works_with(user, organisation, Role.COORDINATOR)
