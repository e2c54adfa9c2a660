"""Who is told what when a submission moves, when a decision is sampled or waits for a
countersignature, when a standardisation exercise opens, and when an EQA's access begins,
nears its end and ends: in-app and by e-mail (the kinds are in `lms.notifications.kinds`).

Texts carry only a unit's code, an organisation's name, a number and dates; e-mails say only
that something is waiting (see `lms.notifications.operations.notify`).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.accounts.models import Organisation, User
from lms.accounts.roles import Role
from lms.assessment.models import (
    AssessorStanding,
    Countersignature,
    Decision,
    EqaAccess,
    EqaGrant,
    IqaSample,
    StandardisationExercise,
    StandardisationParticipant,
)
from lms.curriculum.models import CohortRole, CohortStaff, Enrolment, Unit
from lms.notifications.audiences import people_with_role
from lms.notifications.delivery import link
from lms.notifications.operations import notify, without_email
from lms.portfolio.models import Submission, SubmissionStatus

__all__ = ["without_email"]

# An EQA is reminded this many days before her access ends.
EQA_ENDING_NOTICE = timedelta(days=7)


def _unit_code(session: Session, submission) -> str:
    return session.get(Unit, submission.unit_id).code


def _cohort_assessors(session: Session, submission) -> list[User]:
    enrolment = session.get(Enrolment, submission.enrolment_id)
    if enrolment.cohort_id is None:
        return []
    return list(
        session.scalars(
            select(User)
            .join(CohortStaff, CohortStaff.user_id == User.id)
            .where(
                CohortStaff.cohort_id == enrolment.cohort_id,
                CohortStaff.role == CohortRole.ASSESSOR,
            )
            .order_by(User.id)
        )
    )


def _trainee_link(submission) -> str | None:
    return link(
        "portfolio.submission",
        enrolment_id=submission.enrolment_id,
        submission_id=submission.id,
    )


def submission_arrived(session: Session, submission) -> None:
    """The `unit_submitted` hook: the trainee is told it has arrived; the cohort's assessors
    that a submission (or a resubmission) is waiting."""
    unit = _unit_code(session, submission)
    notify(
        session,
        session.get(User, submission.trainee_id),
        "submission.received",
        url=_trainee_link(submission),
        unit=unit,
    )
    kind = "submission.resubmitted" if submission.number > 1 else "submission.arrived"
    url = link("assessment.judge", submission_id=submission.id)
    for assessor in _cohort_assessors(session, submission):
        notify(session, assessor, kind, url=url, unit=unit)


def submission_judged(session: Session, submission, decision: Decision) -> None:
    """Tell the trainee her assessor's decision, and whether it is final yet; tell whoever
    must act next (a countersigner, the IQAs of a sampled decision)."""
    unit = _unit_code(session, submission)
    if submission.status == SubmissionStatus.REFERRED:
        kind = "submission.referred"
    elif submission.status == SubmissionStatus.ACHIEVED:
        kind = "unit.achieved"
    else:
        kind = "submission.judged"
    trainee = session.get(User, submission.trainee_id)
    notify(session, trainee, kind, url=_trainee_link(submission), unit=unit)
    if submission.status == SubmissionStatus.AWAITING_COUNTERSIGN:
        countersignature_needed(session, submission, decision, unit)
    sample = session.scalar(select(IqaSample).where(IqaSample.decision_id == decision.id))
    if sample is not None:
        sampled(session, sample, unit)


def countersignature_needed(session: Session, submission, decision: Decision, unit: str) -> None:
    """A trainee assessor's sign-off waits: she is told so, and the cohort's qualified
    assessors that it waits for one of them."""
    url = link("assessment.judge", submission_id=submission.id)
    notify(
        session,
        session.get(User, decision.assessor_id),
        "decision.awaiting_countersignature",
        url=url,
        unit=unit,
    )
    for assessor in _cohort_assessors(session, submission):
        if assessor.id != decision.assessor_id and not _still_qualifying(
            session, assessor.id, decision.organisation_id
        ):
            notify(session, assessor, "countersignature.needed", url=url, unit=unit)


def _still_qualifying(session: Session, user_id: int, organisation_id: int) -> bool:
    return bool(
        session.scalar(
            select(AssessorStanding.is_trainee_assessor).where(
                AssessorStanding.user_id == user_id,
                AssessorStanding.organisation_id == organisation_id,
            )
        )
    )


def sampled(session: Session, sample: IqaSample, unit: str) -> None:
    """A decision the plan sampled: the organisation's IQAs are told it waits for a check."""
    decision = session.get(Decision, sample.decision_id)
    url = link("assessment.review", sample_id=sample.id)
    for iqa in people_with_role(session, sample.organisation_id, Role.IQA):
        if iqa.id != decision.assessor_id:
            notify(session, iqa, "sample.new", url=url, unit=unit)


def sign_off_confirmed(session: Session, submission) -> None:
    """The check of a sign-off agreed with it: the unit is now achieved."""
    notify(
        session,
        session.get(User, submission.trainee_id),
        "unit.achieved",
        url=_trainee_link(submission),
        unit=_unit_code(session, submission),
    )


def sign_off_returned(session: Session, submission) -> None:
    """The check of a sign-off returned it to the assessor: tell the trainee plainly that her
    work is back with her assessor and what happens next, so that nothing seems to go
    backwards without a word."""
    notify(
        session,
        session.get(User, submission.trainee_id),
        "sign_off.returned",
        url=_trainee_link(submission),
        unit=_unit_code(session, submission),
    )


def decision_returned(
    session: Session, decision: Decision, by: Countersignature, *, reopened: bool
) -> None:
    """Tell the assessor that a countersigner or an IQA disagreed, and what happens next:
    the submission is back in their queue (`reopened`), or the decision stands (it was
    already final, or it referred the work back) and is to be talked through."""
    submission = session.get(Submission, decision.submission_id)
    notify(
        session,
        session.get(User, decision.assessor_id),
        "decision.returned" if reopened else "decision.commented",
        url=link("assessment.judge", submission_id=decision.submission_id),
        unit=_unit_code(session, submission),
        by=by.role.value,
    )


def standardisation_opened(session: Session, exercise: StandardisationExercise) -> None:
    """The assessors taking part are asked to judge; the organisation's other IQAs are told."""
    url = link("assessment.standardisation", exercise_id=exercise.id)
    participants = session.scalars(
        select(User)
        .join(StandardisationParticipant, StandardisationParticipant.assessor_id == User.id)
        .where(StandardisationParticipant.exercise_id == exercise.id)
        .order_by(User.id)
    ).all()
    for assessor in participants:
        notify(
            session,
            assessor,
            "standardisation.invited",
            url=url,
            title=exercise.title,
        )
    for iqa in people_with_role(session, exercise.organisation_id, Role.IQA):
        if iqa.id != exercise.created_by_id:
            notify(session, iqa, "standardisation.opened", url=url, title=exercise.title)


# --- external quality assurers ------------------------------------------------------------------
# Her notification names the organisation and the dates, never a learner; her e-mail neither.


def _grant_params(session: Session, grant: EqaGrant) -> dict:
    learners = session.scalar(
        select(func.count()).select_from(EqaAccess).where(EqaAccess.grant_id == grant.id)
    )
    return {
        "organisation": session.get(Organisation, grant.organisation_id).name,
        "learners": learners,
        "starts_on": grant.starts_on.isoformat(),
        "ends_on": grant.ends_on.isoformat(),
    }


def eqa_access_given(session: Session, grant: EqaGrant) -> None:
    notify(
        session,
        session.get(User, grant.user_id),
        "eqa.access_given",
        url=link("assessment.eqa_home"),
        **_grant_params(session, grant),
    )


def eqa_access_ended(session: Session, grant: EqaGrant) -> None:
    """Early (`grant.ended_at`), or at its end date."""
    notify(
        session,
        session.get(User, grant.user_id),
        "eqa.access_ended",
        url=link("assessment.eqa_home"),
        early=grant.ended_at is not None,
        **_grant_params(session, grant),
    )


def eqa_access_ending(session: Session, today: date) -> int:
    """The `notice_sweep` hook: each EQA whose access ends within a week is reminded, once
    per grant."""
    grants = session.scalars(
        select(EqaGrant)
        .where(
            EqaGrant.ended_at.is_(None),
            EqaGrant.starts_on <= today,
            EqaGrant.ends_on >= today,
            EqaGrant.ends_on <= today + EQA_ENDING_NOTICE,
        )
        .order_by(EqaGrant.id)
    ).all()
    told = 0
    for grant in grants:
        told += (
            notify(
                session,
                session.get(User, grant.user_id),
                "eqa.access_ending",
                url=link("assessment.eqa_home"),
                about=f"eqa_grant:{grant.id}",
                **_grant_params(session, grant),
            )
            is not None
        )
    return told
