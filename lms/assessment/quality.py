"""Standardisation exercises and external quality assurers' access."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from lms.accounts.invitations import send_invitation
from lms.accounts.models import Membership, Organisation, User, memberships_of
from lms.accounts.operations import create_user, find_user_by_email, grant_role, normalise_email
from lms.accounts.roles import Role
from lms.assessment import notices
from lms.assessment.models import (
    EqaAccess,
    EqaGrant,
    Outcome,
    StandardisationExercise,
    StandardisationParticipant,
)
from lms.audit.operations import record
from lms.curriculum.models import Enrolment
from lms.db import utcnow
from lms.errors import DomainError
from lms.i18n import _
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
        raise DomainError(_("Please give the exercise a title."), field="title")
    if submission.organisation_id != organisation.id:
        raise DomainError(
            _("Please choose evidence from this organisation."), field="submission_id"
        )
    assessors = set(
        session.scalars(
            select(User.id)
            .where(User.id.in_(assessor_ids or []))
            .where(User.memberships.any(role=Role.ASSESSOR, organisation_id=organisation.id))
        )
    )
    if len(assessors) < 2:
        raise DomainError(_("Please choose at least two assessors."), field="assessors")
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
    notices.standardisation_opened(session, exercise)
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
        raise DomainError(_("You are not taking part in this exercise."))
    if participant.judged_at is not None:
        raise DomainError(_("You have already given your judgement for this exercise."))
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
        trainee_id=session.get(Submission, exercise.submission_id).trainee_id,
    )
    return participant


def close_standardisation(
    session: Session, exercise: StandardisationExercise, iqa: User, *, outcome: str, actions: str
) -> StandardisationExercise:
    if exercise.closed_at is not None:
        raise DomainError(_("This exercise has already been closed."))
    if not (outcome or "").strip():
        raise DomainError(_("Please record what the comparison showed."), field="outcome")
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
    """For each criterion: how many judged it met, not met, and whether those who judged
    agree. Agreement is None until two people have judged: one judgement agrees with nothing."""
    judged = [p for p in exercise.participants if p.verdicts is not None]
    table = {}
    for criterion in criteria:
        votes = [bool(p.verdicts.get(str(criterion.id))) for p in judged]
        met = sum(votes)
        table[criterion.id] = {
            "met": met,
            "not_met": len(votes) - met,
            "judged": len(votes),
            "of": len(exercise.participants),
            "agreed": len(set(votes)) == 1 if len(votes) >= 2 else None,
        }
    return table


# --- external quality assurance -----------------------------------------------------------------
# A grant gives one EQA some learners of one organisation, read-only, for a period; it is the
# only way an EQA reads anything (`lms.permissions.reads_learner`). Grants are never deleted:
# one ended early keeps who ended it and when.


def eqa_organisation(organisation: Organisation) -> Organisation:
    """Where the external quality assurers `organisation` invites hold their role: its
    franchisor, for a partner (the centre the awarding body approves, whose EQA each partner
    then gives its own learners), or the organisation itself."""
    return organisation.franchisor or organisation


def _eqa_of(session: Session, organisation: Organisation, email: str) -> User | None:
    """The EQA with `email`, if she holds the role in `organisation` or where it invites
    EQAs to (nobody else's EQAs are found, or revealed)."""
    places = {organisation.id, eqa_organisation(organisation).id}
    return session.scalar(
        select(User).where(
            User.email == email.strip().lower(),
            User.memberships.any(
                and_(Membership.role == Role.EQA, Membership.organisation_id.in_(places))
            ),
        )
    )


def grant_eqa_access(
    session: Session,
    organisation: Organisation,
    granted_by: User,
    *,
    email: str,
    enrolment_ids: list[int],
    starts_on: date,
    ends_on: date,
) -> EqaGrant:
    """Give the EQA with `email` these learners of `organisation`, from `starts_on` to
    `ends_on` (both included), and tell her (the dates, never the learners' names)."""
    eqa = _eqa_of(session, organisation, email or "")
    if eqa is None:
        raise DomainError(
            _(
                "We could not find an external quality assurer with that e-mail address here. "
                "A coordinator can invite them on this page first."
            ),
            field="email",
        )
    if ends_on < starts_on:
        raise DomainError(_("The end date must be on or after the start date."), field="ends_on")
    enrolments = list(
        session.scalars(
            select(Enrolment).where(
                Enrolment.id.in_(enrolment_ids or []),
                Enrolment.organisation_id == organisation.id,
            )
        )
    )
    if not enrolments or len(enrolments) != len(set(enrolment_ids)):
        raise DomainError(_("Please choose learners of this organisation."), field="enrolments")
    granted_by_id = granted_by.id  # read before a new row is pending: reading may flush
    grant = EqaGrant(
        user_id=eqa.id,
        organisation_id=organisation.id,
        starts_on=starts_on,
        ends_on=ends_on,
        granted_by_id=granted_by_id,
    )
    session.add(grant)
    session.flush()
    session.add_all(EqaAccess(grant_id=grant.id, enrolment_id=e.id) for e in enrolments)
    session.flush()
    record(
        session,
        "eqa.access_granted",
        obj=grant,
        organisation_id=organisation.id,
        eqa_id=eqa.id,
        enrolments=[e.id for e in enrolments],
        starts_on=starts_on.isoformat(),
        ends_on=ends_on.isoformat(),
    )
    notices.eqa_access_given(session, grant)
    return grant


def _mark_ended(session: Session, grant: EqaGrant, **values) -> bool:
    """Set `values` on the grant unless it has ended already or its EQA has been told so
    (checked in the UPDATE, so that two at once cannot both end it or both tell her)."""
    done = session.execute(
        update(EqaGrant)
        .where(
            EqaGrant.id == grant.id,
            EqaGrant.ended_at.is_(None),
            EqaGrant.end_notified_at.is_(None),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(grant)
    return done.rowcount == 1


def end_eqa_grant(session: Session, grant: EqaGrant, ended_by: User) -> EqaGrant:
    """End a grant now, before its end date: its EQA can no longer read its learners. The
    grant is kept, with who ended it and when, and the EQA is told."""
    now = utcnow()
    if not grant.is_open(now.date()) or not _mark_ended(
        session, grant, ended_at=now, ended_by_id=ended_by.id, end_notified_at=now
    ):
        raise DomainError(_("This access has already ended."))
    record(
        session,
        "eqa.access_ended",
        obj=grant,
        organisation_id=grant.organisation_id,
        eqa_id=grant.user_id,
    )
    notices.eqa_access_ended(session, grant)
    return grant


def notify_ended_grants(session: Session, today: date) -> int:
    """Tell each EQA whose grant came to its end date before `today` (and was not ended
    early, which told her then), once. Returns how many grants were told of."""
    told = 0
    for grant in session.scalars(
        select(EqaGrant)
        .where(
            EqaGrant.ends_on < today,
            EqaGrant.ended_at.is_(None),
            EqaGrant.end_notified_at.is_(None),
        )
        .order_by(EqaGrant.id)
    ).all():
        if _mark_ended(session, grant, end_notified_at=utcnow()):
            notices.eqa_access_ended(session, grant)
            told += 1
    return told


def _of_organisation(person: User, organisation: Organisation) -> bool:
    """Is `person` one of `organisation`'s people (a member), or one of its EQAs already?"""
    home = eqa_organisation(organisation)
    return any(
        m.organisation_id == organisation.id
        or (m.organisation_id == home.id and m.role == Role.EQA)
        for m in memberships_of(person)
    )


def invite_eqa(
    session: Session, organisation: Organisation, *, email: str, display_name: str
) -> None:
    """Invite an external quality assurer for `organisation`: a new account, without a
    password, with the EQA role where the organisation's EQAs hold it (`eqa_organisation`)
    and an invitation to set a password; or, for someone of this organisation, that role
    added. An account of any other organisation is neither changed nor e-mailed, and the
    caller answers exactly as for a new address, so nothing tells that it exists."""
    email = normalise_email(email or "")
    if not (display_name or "").strip():
        raise DomainError(_("Please give their name."), field="display_name")
    record(session, "eqa.invited", organisation_id=organisation.id, email=email)
    person = find_user_by_email(session, email)
    if person is None:
        person = create_user(session, email, display_name)
    elif not _of_organisation(person, organisation):
        return
    grant_role(session, person, eqa_organisation(organisation), Role.EQA)
    if person.password_hash is None and not person.is_disabled:
        send_invitation(
            session,
            person,
            organisation,
            template="eqa_invitation",
        )


@dataclass(frozen=True)
class EqaLearner:
    enrolment: Enrolment
    person: User
    until: date  # the latest end date of her current grants


def eqa_learners(session: Session, eqa: User) -> list[EqaLearner]:
    """The learners an EQA may read today, by name, each once."""
    today = utcnow().date()
    rows = session.execute(
        select(Enrolment, User, func.max(EqaGrant.ends_on))
        .join(EqaAccess, EqaAccess.enrolment_id == Enrolment.id)
        .join(EqaGrant, EqaGrant.id == EqaAccess.grant_id)
        .join(User, User.id == Enrolment.user_id)
        .where(
            Enrolment.id.in_(learner_enrolment_ids(eqa, Reader.EQA)),
            EqaGrant.user_id == eqa.id,
            EqaGrant.starts_on <= today,
            EqaGrant.ends_on >= today,
            EqaGrant.ended_at.is_(None),
        )
        .group_by(Enrolment.id, User.id)
        .order_by(User.display_name, Enrolment.id)
    )
    return [EqaLearner(enrolment, person, until) for enrolment, person, until in rows]
