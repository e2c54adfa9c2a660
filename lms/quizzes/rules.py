"""Who may take quizzes, see attempts and analyse questions.

A trainee takes and sees her own attempts. Her quiz results are seen by the coordinators of
her organisation, the assessors assigned to her cohort (while they are assessors there) and the
franchisor's administrators. Item analysis is for curriculum owners (the franchisor's
administrators, across their partners) and for coordinators (their own trainees only).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, or_, select

from lms.accounts.models import Organisation, User
from lms.accounts.roles import Role
from lms.curriculum.models import Cohort, CohortRole, CohortStaff, Enrolment
from lms.permissions import is_admin, organisation_ids_where, rule, session_of
from lms.quizzes.models import QuizAttempt


def scope_quiz_results(user: User) -> ColumnElement[bool]:
    """SQL condition on `Enrolment`: enrolments whose quiz results `user` may see."""
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
                or_(Organisation.id.in_(assessor_of), Organisation.franchisor_id.in_(assessor_of)),
            )
        )
        conditions.append(Enrolment.cohort_id.in_(cohorts))
    return or_(*conditions)


def quiz_analysis_organisation_ids(user: User) -> Select:
    """Organisations whose trainees' attempts `user` may analyse."""
    return organisation_ids_where(user, [Role.COORDINATOR])


@rule("quiz.take")
def _take_quiz(user: User, enrolment: Enrolment) -> bool:
    return (
        enrolment.user_id == user.id
        and enrolment.is_active
        and Role.TRAINEE in user.roles_in(enrolment.organisation_id)
    )


@rule("quiz.answer")
def _answer_quiz(user: User, attempt: QuizAttempt) -> bool:
    """Needs `attempt.enrolment` loaded."""
    return attempt.user_id == user.id and attempt.enrolment.is_active


@rule("quiz.view_attempt")
def _view_quiz_attempt(user: User, attempt: QuizAttempt) -> bool:
    if attempt.user_id == user.id:
        return True
    visible = select(Enrolment.id).where(
        Enrolment.id == attempt.enrolment_id, scope_quiz_results(user)
    )
    return session_of(attempt).scalar(visible) is not None


@rule("quiz.view_results")
def _view_quiz_results(user: User, _: None) -> bool:
    return is_admin(user) or any(
        m.role in (Role.COORDINATOR, Role.ASSESSOR) for m in user.memberships
    )


@rule("quiz.analyse")
def _analyse_quiz(user: User, _: None) -> bool:
    return is_admin(user) or any(m.role == Role.COORDINATOR for m in user.memberships)
