"""Standardisation exercises and external quality assurers' access."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import Organisation, User
from lms.accounts.roles import Role
from lms.assessment.models import (
    EqaAccess,
    Outcome,
    StandardisationExercise,
    StandardisationParticipant,
)
from lms.audit.operations import record
from lms.curriculum.models import Enrolment
from lms.db import utcnow
from lms.errors import DomainError
from lms.permissions import Reader, learner_enrolment_ids
from lms.portfolio.models import Submission


def start_standardisation(
    session: Session,
    organisation: Organisation,
    iqa: User,
    *,
    title: str,
    submission: Submission,
    assessor_ids: list[int],
) -> StandardisationExercise:
    """Set the same submitted evidence to several assessors to judge independently."""
    if not (title or "").strip():
        raise DomainError("Please give the exercise a title.", field="title")
    if submission.organisation_id != organisation.id:
        raise DomainError("Please choose evidence from this organisation.", field="submission_id")
    assessors = set(
        session.scalars(
            select(User.id)
            .where(User.id.in_(assessor_ids or []))
            .where(User.memberships.any(role=Role.ASSESSOR, organisation_id=organisation.id))
        )
    )
    if len(assessors) < 2:
        raise DomainError("Please choose at least two assessors.", field="assessors")
    exercise = StandardisationExercise(
        organisation_id=organisation.id,
        submission_id=submission.id,
        title=title.strip(),
        created_by_id=iqa.id,
    )
    session.add(exercise)
    session.flush()
    session.add_all(
        StandardisationParticipant(exercise_id=exercise.id, assessor_id=a)
        for a in sorted(assessors)
    )
    session.flush()
    record(session, "standardisation.started", obj=exercise, organisation_id=organisation.id)
    return exercise


def record_standardisation_judgement(
    session: Session,
    exercise: StandardisationExercise,
    assessor: User,
    *,
    outcome: Outcome | str,
    verdicts: dict[int, bool],
    comments: str = "",
) -> StandardisationParticipant:
    participant = next((p for p in exercise.participants if p.assessor_id == assessor.id), None)
    if participant is None:
        raise DomainError("You are not taking part in this exercise.")
    if participant.judged_at is not None:
        raise DomainError("You have already given your judgement for this exercise.")
    participant.outcome = Outcome(outcome)
    participant.verdicts = {str(k): bool(v) for k, v in verdicts.items()}
    participant.comments = (comments or "").strip()
    participant.judged_at = utcnow()
    session.flush()
    record(
        session,
        "standardisation.judged",
        obj=exercise,
        organisation_id=exercise.organisation_id,
    )
    return participant


def close_standardisation(
    session: Session, exercise: StandardisationExercise, iqa: User, *, outcome: str, actions: str
) -> StandardisationExercise:
    if exercise.closed_at is not None:
        raise DomainError("This exercise has already been closed.")
    if not (outcome or "").strip():
        raise DomainError("Please record what the comparison showed.", field="outcome")
    exercise.outcome = outcome.strip()
    exercise.actions = (actions or "").strip()
    exercise.closed_at = utcnow()
    exercise.closed_by_id = iqa.id
    session.flush()
    record(
        session, "standardisation.closed", obj=exercise, organisation_id=exercise.organisation_id
    )
    return exercise


def agreement(exercise: StandardisationExercise, criteria) -> dict[int, dict]:
    """For each criterion: how many judged it met, not met, and whether all agreed."""
    judged = [p for p in exercise.participants if p.verdicts is not None]
    table = {}
    for criterion in criteria:
        votes = [p.verdicts.get(str(criterion.id)) for p in judged]
        met = sum(1 for v in votes if v)
        table[criterion.id] = {
            "met": met,
            "not_met": len(votes) - met,
            "agreed": len(set(votes)) <= 1,
        }
    return table


def grant_eqa_access(
    session: Session,
    organisation: Organisation,
    granted_by: User,
    *,
    email: str,
    enrolment_ids: list[int],
    starts_on: date,
    ends_on: date,
) -> list[EqaAccess]:
    from lms.accounts.operations import find_user_by_email

    eqa = find_user_by_email(session, email or "")
    if eqa is None or Role.EQA not in eqa.roles:
        raise DomainError(
            "We could not find an external quality assurer with that e-mail address. "
            "An administrator can add them with the EQA role first.",
            field="email",
        )
    if ends_on < starts_on:
        raise DomainError("The end date must be on or after the start date.", field="ends_on")
    enrolments = list(
        session.scalars(
            select(Enrolment).where(
                Enrolment.id.in_(enrolment_ids or []),
                Enrolment.organisation_id == organisation.id,
            )
        )
    )
    if not enrolments or len(enrolments) != len(set(enrolment_ids)):
        raise DomainError("Please choose learners of this organisation.", field="enrolments")
    granted_by_id = granted_by.id  # read before a new row is pending: reading may flush
    granted = []
    for enrolment in enrolments:
        access = session.scalar(
            select(EqaAccess).where(
                EqaAccess.user_id == eqa.id, EqaAccess.enrolment_id == enrolment.id
            )
        )
        if access is None:
            access = EqaAccess(
                user_id=eqa.id, enrolment_id=enrolment.id, organisation_id=organisation.id
            )
            session.add(access)
        access.starts_on, access.ends_on = starts_on, ends_on
        access.granted_by_id = granted_by_id
        access.granted_at = utcnow()
        granted.append(access)
    session.flush()
    record(
        session,
        "eqa.access_granted",
        obj=eqa,
        organisation_id=organisation.id,
        enrolments=[e.id for e in enrolments],
        starts_on=starts_on.isoformat(),
        ends_on=ends_on.isoformat(),
    )
    return granted


def eqa_learners(session: Session, eqa: User) -> list[tuple[EqaAccess, Enrolment, User]]:
    """The learners an EQA may read now: those she was given, within the grant's period."""
    return list(
        session.execute(
            select(EqaAccess, Enrolment, User)
            .join(Enrolment, Enrolment.id == EqaAccess.enrolment_id)
            .join(User, User.id == Enrolment.user_id)
            .where(
                EqaAccess.user_id == eqa.id,
                Enrolment.id.in_(learner_enrolment_ids(eqa, Reader.EQA)),
            )
            .order_by(User.display_name)
        )
    )
