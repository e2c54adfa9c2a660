"""Who may see and record a trainee's practice, supervise it, and read her journal.

A trainee's practice (relationships, sessions, supervision records about her, flags about her)
is seen by her, by her supervisor and by the coordinators of her organisation; never by other
trainees, and never by anyone of another organisation (franchisor administrators, IQAs and
EQAs included: practice is not assessment evidence until she makes it so). Her assessor sees
only what she chooses to copy into her portfolio, under the portfolio's rules.

Supervisors: a coordinator names, for each trainee, an assessor, IQA or coordinator of her
organisation as her supervisor (`SupervisorAssignment`); coordinators supervise every trainee
of their organisation without being named. A named supervisor acts only while she still holds
one of those roles there.

The journal is read by its author alone: no role, not a coordinator, not an administrator.
"""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from lms.accounts.models import Organisation, User, memberships_of
from lms.accounts.roles import Role
from lms.curriculum.models import Enrolment
from lms.permissions import has_role, rule, session_of, twin
from lms.practice.models import JournalEntry, SupervisorAssignment

SUPERVISOR_ROLES = (Role.ASSESSOR, Role.IQA, Role.COORDINATOR)


def _coordinates_here(user: User, organisation_id: int) -> bool:
    return has_role(user, organisation_id, Role.COORDINATOR)


def _named_supervisor(user: User, enrolment: Enrolment) -> bool:
    if not has_role(user, enrolment.organisation_id, *SUPERVISOR_ROLES):
        return False
    found = select(SupervisorAssignment.id).where(
        SupervisorAssignment.enrolment_id == enrolment.id,
        SupervisorAssignment.supervisor_id == user.id,
    )
    return session_of(enrolment).scalar(found.limit(1)) is not None


def _supervises(user: User, enrolment: Enrolment) -> bool:
    return (
        _coordinates_here(user, enrolment.organisation_id) or _named_supervisor(user, enrolment)
    ) and enrolment.user_id != user.id


@twin("practice.supervise")
def supervised_enrolment_ids(user: User) -> Select:
    """Enrolments whose practice `user` supervises (the query form of "practice.supervise")."""
    coordinating = [m.organisation_id for m in memberships_of(user) if m.role == Role.COORDINATOR]
    staff_of = [m.organisation_id for m in memberships_of(user) if m.role in SUPERVISOR_ROLES]
    named = select(SupervisorAssignment.enrolment_id).where(
        SupervisorAssignment.supervisor_id == user.id
    )
    return select(Enrolment.id).where(
        Enrolment.user_id != user.id,
        or_(
            Enrolment.organisation_id.in_(coordinating),
            Enrolment.id.in_(named) & Enrolment.organisation_id.in_(staff_of),
        ),
    )


@twin("practice.view")
def practice_enrolment_ids(user: User) -> Select:
    """Enrolments whose practice `user` may see: her own, and those she supervises."""
    return select(Enrolment.id).where(
        or_(Enrolment.user_id == user.id, Enrolment.id.in_(supervised_enrolment_ids(user)))
    )


@rule("practice.view")
def _view_practice(user: User, enrolment: Enrolment) -> bool:
    return enrolment.user_id == user.id or _supervises(user, enrolment)


@rule("practice.log")
def _log_practice(user: User, enrolment: Enrolment) -> bool:
    """Her own relationships and sessions, while enrolled and a trainee here."""
    return (
        enrolment.user_id == user.id
        and enrolment.is_active
        and Role.TRAINEE in user.roles_in(enrolment.organisation_id)
    )


@rule("practice.supervise")
def _supervise(user: User, enrolment: Enrolment) -> bool:
    """Record supervision, raise and follow up flags."""
    return _supervises(user, enrolment)


@rule("practice.assign_supervisor")
def _assign_supervisor(user: User, organisation: Organisation) -> bool:
    return _coordinates_here(user, organisation.id)


@rule("practice.coordinate")
def _coordinate(user: User, organisation: Organisation) -> bool:
    """The organisation's practice overview: hours, supervision, flags awaiting follow-up."""
    return _coordinates_here(user, organisation.id)


@rule("practice.supervise_here")
def _supervise_here(user: User, organisation: Organisation) -> bool:
    """Record a supervision session for trainees of the organisation (whom she supervises)."""
    return has_role(user, organisation.id, *SUPERVISOR_ROLES)


@twin("journal.read")
def journal_entry_ids(user: User) -> Select:
    """Journal entries `user` may read: her own, and no one else's."""
    return select(JournalEntry.id).where(JournalEntry.author_id == user.id)


@rule("journal.read")
def _read_journal(user: User, entry: JournalEntry) -> bool:
    return entry.author_id == user.id


@rule("journal.write")
def _write_journal(user: User, enrolment: Enrolment) -> bool:
    return enrolment.user_id == user.id and enrolment.is_active
