"""Who may judge submissions, quality-assure decisions and give an EQA a learner's records.

Assessors judge the work of their cohorts' trainees (never their own). IQAs review the
decisions of the organisations they quality-assure (their own, and every partner of a
franchisor where they are an IQA). An EQA sees only the learners she has been given, for the
grant's period and until it is ended early, as `lms.permissions.reads_learner` defines.
Coordinators of an organisation and administrators of its franchisor invite its EQAs and end
its grants early; its IQAs may give access too.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, select

from lms.accounts.models import Organisation, User
from lms.accounts.roles import Role
from lms.assessment.models import Decision, EqaGrant, StandardisationExercise
from lms.curriculum.models import Enrolment
from lms.permissions import (
    Reader,
    administers,
    assessor_cohort_ids,
    has_role,
    iqa_organisation_ids,
    organisation_of,
    quality_assures,
    reads_learner,
    rule,
    session_of,
    twin,
)
from lms.portfolio.models import Submission

twin("iqa.manage")(iqa_organisation_ids)
twin(
    "iqa.review",
    ids=lambda organisations, user: select(Decision.id).where(
        Decision.organisation_id.in_(organisations(user))
    ),
)(iqa_organisation_ids)


@twin(
    "assessment.judge",
    ids=lambda scope, user: (
        select(Submission.id)
        .join(Enrolment, Enrolment.id == Submission.enrolment_id)
        .where(scope(user))
    ),
)
def scope_submissions_to_judge(
    user: User, *, cohort_ids: Sequence[int] | None = None
) -> ColumnElement[bool]:
    """SQL condition on `Submission` joined to its `Enrolment`: work `user` may judge.
    `cohort_ids` are the rows of `assessor_cohort_ids(user)` when the caller has just read
    them (in the same transaction), so that a page asks for them once."""
    cohorts = assessor_cohort_ids(user) if cohort_ids is None else list(cohort_ids)
    return and_(Enrolment.cohort_id.in_(cohorts), Submission.trainee_id != user.id)


@rule("assessment.queue")
def _see_queue(user: User, _: None) -> bool:
    return Role.ASSESSOR in user.roles


@rule("assessment.judge")
def _judge(user: User, submission: Submission) -> bool:
    enrolment = session_of(submission).get(Enrolment, submission.enrolment_id)
    return submission.trainee_id != user.id and reads_learner(
        user, enrolment, Reader.COHORT_ASSESSOR
    )


@rule("iqa.access")
def _iqa_access(user: User, _: None) -> bool:
    return Role.IQA in user.roles


@rule("iqa.review")
def _iqa_review(user: User, decision: Decision) -> bool:
    return quality_assures(user, organisation_of(decision))


@rule("iqa.manage")
def _iqa_manage(user: User, organisation: Organisation) -> bool:
    return quality_assures(user, organisation)


def _coordinates_or_administers(user: User, organisation: Organisation) -> bool:
    return administers(user, organisation) or has_role(user, organisation.id, Role.COORDINATOR)


@rule("eqa.grant")
def _grant_eqa(user: User, organisation: Organisation) -> bool:
    return _coordinates_or_administers(user, organisation) or quality_assures(user, organisation)


@rule("eqa.invite")
def _invite_eqa(user: User, organisation: Organisation) -> bool:
    return _coordinates_or_administers(user, organisation)


@rule("eqa.end")
def _end_eqa_grant(user: User, grant: EqaGrant) -> bool:
    return _coordinates_or_administers(user, organisation_of(grant))


@rule("eqa.home")
def _eqa_home(user: User, _: None) -> bool:
    return Role.EQA in user.roles


@rule("standardisation.view")
def _view_standardisation(user: User, exercise: StandardisationExercise) -> bool:
    """IQAs of the organisation, the assessors taking part, and an EQA given the learner."""
    if quality_assures(user, organisation_of(exercise)):
        return True
    if any(p.assessor_id == user.id for p in exercise.participants):
        return True
    session = session_of(exercise)
    submission = session.get(Submission, exercise.submission_id)
    enrolment = session.get(Enrolment, submission.enrolment_id)
    return reads_learner(user, enrolment, Reader.EQA)


@rule("standardisation.see_judgements")
def _see_standardisation_judgements(user: User, exercise: StandardisationExercise) -> bool:
    """Everyone's judgements: once the exercise is closed, to whoever may view it; while it
    is open, only to those who run it and to an EQA given the learner, so that an assessor
    taking part judges without seeing the others' answers."""
    if not _view_standardisation(user, exercise):
        return False
    if exercise.closed_at is not None or quality_assures(user, organisation_of(exercise)):
        return True
    session = session_of(exercise)
    submission = session.get(Submission, exercise.submission_id)
    enrolment = session.get(Enrolment, submission.enrolment_id)
    return reads_learner(user, enrolment, Reader.EQA)


@rule("standardisation.judge")
def _judge_standardisation(user: User, exercise: StandardisationExercise) -> bool:
    return exercise.closed_at is None and any(
        p.assessor_id == user.id for p in exercise.participants
    )
