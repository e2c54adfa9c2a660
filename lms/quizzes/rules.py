"""Who may take quizzes, see attempts and analyse questions.

A trainee takes and sees her own attempts. Her quiz results are seen by the coordinators of
her organisation, the assessors of her cohort, the franchisor's administrators and an EQA
given her records by a current grant (through `lms.permissions.reads_learner`, so an assessor
who is no longer one, or an EQA whose grant has ended, sees nothing). Item
analysis is for curriculum owners (the franchisor's administrators, across their partners) and
for coordinators (their own trainees only).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, select

from lms.accounts.models import Organisation, User, memberships_of
from lms.accounts.roles import Role
from lms.curriculum.models import Enrolment
from lms.permissions import (
    Reader,
    administers,
    has_role,
    is_admin,
    organisation_ids_where,
    reads_learner,
    rule,
    scope_learners,
    session_of,
    twin,
)
from lms.quizzes.models import QuizAttempt

QUIZ_RESULT_READERS = (
    Reader.TRAINEE | Reader.COORDINATOR | Reader.ADMIN | Reader.COHORT_ASSESSOR | Reader.EQA
)


@twin(
    "quiz.view_attempt",
    ids=lambda scope, user: (
        select(QuizAttempt.id)
        .join(Enrolment, Enrolment.id == QuizAttempt.enrolment_id)
        .where(scope(user))
    ),
)
def scope_quiz_results(user: User) -> ColumnElement[bool]:
    """SQL condition on `Enrolment`: enrolments whose quiz results `user` may see."""
    return scope_learners(user, QUIZ_RESULT_READERS)


@twin("quiz.analyse_organisation")
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
    enrolment = session_of(attempt).get(Enrolment, attempt.enrolment_id)
    return reads_learner(user, enrolment, QUIZ_RESULT_READERS)


@rule("quiz.view_results")
def _view_quiz_results(user: User, _: None) -> bool:
    """The results page; it lists only the attempts "quiz.view_attempt" allows."""
    return is_admin(user) or any(
        m.role in (Role.COORDINATOR, Role.ASSESSOR, Role.EQA) for m in memberships_of(user)
    )


@rule("quiz.analyse")
def _analyse_quiz(user: User, _: None) -> bool:
    return is_admin(user) or any(m.role == Role.COORDINATOR for m in memberships_of(user))


@rule("quiz.analyse_organisation")
def _analyse_organisation(user: User, organisation: Organisation) -> bool:
    """Whose trainees' attempts count in a person's item analysis (applied in SQL)."""
    return administers(user, organisation) or has_role(user, organisation.id, Role.COORDINATOR)
