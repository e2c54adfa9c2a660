"""Invitations to join a cohort, for people who are not (yet) one of the organisation's people.

Enrolling by e-mail (one by one, a CSV file, the API) must never show, attach or change a
person who belongs to another organisation, nor say whether an address is known at all. So
everyone who holds no role in the organisation yet is treated alike, whether the address is
new or another partner's trainee's: she is sent an invitation, the coordinator is told only
that it was sent, and it holds a seat until it is answered or expires. She joins only by
accepting it through the signed link in the e-mail (valid for INVITATION_DAYS): signed in as
herself when she has an account, or choosing her name and password when she has none. What
the coordinator typed (a name, a date of birth) is used only for a new account, never to
change an existing one. Every step is audited. Functions flush; the caller commits, and the
e-mail waits in the outbox until then.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.invitations import INVITATION_SUBJECT
from lms.accounts.models import Organisation, User
from lms.accounts.operations import find_user_by_email, grant_role, make_account_if_new
from lms.accounts.roles import Role
from lms.audit.context import current_actor
from lms.audit.operations import record
from lms.curriculum import operations as curriculum
from lms.curriculum.models import Cohort, CohortStatus, Course, Enrolment
from lms.db import utcnow
from lms.errors import DomainError, PermissionDenied
from lms.franchise.licences import check_can_enrol
from lms.franchise.models import EnrolmentInvitation, InvitationStatus
from lms.i18n import _, _l
from lms.mail.outbox import enqueue

INVITATION_DAYS = 14
_SALT = "alongside.enrolment-invitation"

NAME_NEEDED = _l("Please give her name: we need it to invite her.")
LINK_NOT_VALID = _l(
    "This link is not valid. Please check that it is complete, or ask the coordinator who "
    "invited you to send it again."
)
LINK_EXPIRED = _l(
    "This invitation has expired. Please ask the coordinator who invited you to send it again."
)
ANSWERED = {
    InvitationStatus.ACCEPTED: _l("This invitation has already been accepted."),
    InvitationStatus.DECLINED: _l("This invitation has been declined."),
    InvitationStatus.WITHDRAWN: _l("This invitation has been withdrawn by the organisation."),
}


# --- the link ---------------------------------------------------------------------------------


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def make_token(secret_key: str, invitation: EnrolmentInvitation) -> str:
    return _serializer(secret_key).dumps({"invitation": invitation.id})


def _require_pending(invitation: EnrolmentInvitation, now: datetime) -> None:
    if invitation.status != InvitationStatus.PENDING:
        raise DomainError(str(ANSWERED[invitation.status]))
    if invitation.expires_at <= now:
        raise DomainError(str(LINK_EXPIRED))


def invitation_for_token(session: Session, secret_key: str, token: str) -> EnrolmentInvitation:
    """The pending invitation a link names; a link altered, expired or already answered is
    refused with why."""
    try:
        data = _serializer(secret_key).loads(token, max_age=INVITATION_DAYS * 24 * 3600)
    except SignatureExpired:
        raise DomainError(str(LINK_EXPIRED)) from None
    except BadSignature:
        raise DomainError(str(LINK_NOT_VALID)) from None
    found = isinstance(data, dict) and session.get(EnrolmentInvitation, data.get("invitation"))
    if not found:
        raise DomainError(str(LINK_NOT_VALID))
    _require_pending(found, utcnow())
    return found


def _send(session: Session, invitation: EnrolmentInvitation) -> None:
    """E-mail the link, in her language where she has an account. It names neither who
    invites her nor the course: both are on the page it opens, after she follows it (someone
    else may read her mail, and an organisation's name may say what the site is about)."""
    token = make_token(current_app.config["SECRET_KEY"], invitation)
    enqueue(
        session,
        invitation.email,
        INVITATION_SUBJECT,
        "enrolment_invitation",
        recipient=find_user_by_email(session, invitation.email),
        name=invitation.name,
        link=url_for("franchise.invitation", token=token, _external=True),
        days=INVITATION_DAYS,
    )


# --- inviting ---------------------------------------------------------------------------------


def pending_invitation(
    session: Session, organisation_id: int, course_id: int, email: str
) -> EnrolmentInvitation | None:
    return session.scalar(
        select(EnrolmentInvitation).where(
            EnrolmentInvitation.organisation_id == organisation_id,
            EnrolmentInvitation.course_id == course_id,
            EnrolmentInvitation.email == email,
            EnrolmentInvitation.status == InvitationStatus.PENDING,
        )
    )


def invite(
    session: Session,
    cohort: Cohort,
    email: str,
    name: str | None,
    *,
    date_of_birth: date | None,
    today: date,
) -> EnrolmentInvitation:
    """Invite `email` (normalised, and not one of the organisation's people) into `cohort`.
    Inviting an address already invited to the qualification sends the invitation again
    (into this cohort, with a new expiry) and takes no second seat."""
    organisation = session.get(Organisation, cohort.organisation_id)
    course = session.get(Course, cohort.course_id)
    now = utcnow()
    invitation = pending_invitation(session, organisation.id, course.id, email)
    holds_seat = invitation is not None and invitation.holds_seat(now)
    check_can_enrol(session, organisation, course, today, extra=0 if holds_seat else 1)
    name = " ".join((name or "").split())
    if invitation is None:
        if not name:
            raise DomainError(str(NAME_NEEDED), field="display_name")
        invitation = EnrolmentInvitation(
            organisation_id=organisation.id,
            course_id=course.id,
            email=email,
            invited_by_id=current_actor().user_id,
        )
        session.add(invitation)
    invitation.cohort_id = cohort.id
    invitation.name = name or invitation.name
    if date_of_birth is not None:
        invitation.date_of_birth = date_of_birth.isoformat()
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=INVITATION_DAYS)
    session.flush()
    record(
        session,
        "enrolment.invited",
        obj=invitation,
        organisation_id=organisation.id,
        cohort_id=cohort.id,
        again=holds_seat,
    )
    _send(session, invitation)
    return invitation


def pending_in_cohort(session: Session, cohort: Cohort) -> list[EnrolmentInvitation]:
    """The cohort's invitations waiting for an answer (expired ones too, to invite again)."""
    return list(
        session.scalars(
            select(EnrolmentInvitation)
            .where(
                EnrolmentInvitation.cohort_id == cohort.id,
                EnrolmentInvitation.status == InvitationStatus.PENDING,
            )
            .order_by(EnrolmentInvitation.email)
        )
    )


def withdraw_invitation(session: Session, cohort: Cohort, email: str) -> EnrolmentInvitation:
    """The coordinator takes back an invitation waiting in her cohort; its seat is free."""
    invitation = next(
        (i for i in pending_in_cohort(session, cohort) if i.email == email.strip().lower()), None
    )
    if invitation is None:
        raise DomainError(
            _(
                "No invitation to that address is waiting in this cohort: it may have been "
                "answered or withdrawn already."
            )
        )
    invitation.status = InvitationStatus.WITHDRAWN
    invitation.answered_at = utcnow()
    session.flush()
    record(
        session,
        "enrolment.invitation_withdrawn",
        obj=invitation,
        organisation_id=invitation.organisation_id,
    )
    return invitation


# --- answering ----------------------------------------------------------------------------------


def _check_cohort_open(
    session: Session, invitation: EnrolmentInvitation, today: date
) -> tuple[Organisation, Cohort, Course]:
    organisation = session.get(Organisation, invitation.organisation_id)
    cohort = session.get(Cohort, invitation.cohort_id)
    course = session.get(Course, invitation.course_id)
    cannot = _(
        "%(organisation)s cannot add you to %(cohort)s at the moment. Please ask the "
        "coordinator who invited you.",
        organisation=organisation.name,
        cohort=cohort.name,
    )
    if cohort.status == CohortStatus.CLOSED:
        raise DomainError(cannot)
    try:
        check_can_enrol(session, organisation, course, today, extra=0)  # her seat is held
    except DomainError:
        raise DomainError(cannot) from None
    return organisation, cohort, course


def _check_still_possible(
    session: Session, invitation: EnrolmentInvitation, person: User, today: date
) -> tuple[Organisation, Cohort, Course]:
    organisation, cohort, course = _check_cohort_open(session, invitation, today)
    if curriculum.active_enrolment(session, person, course) is not None:
        raise DomainError(
            _(
                "You are already enrolled on %(course)s, so you cannot join %(cohort)s as "
                "well. If you would like to move, please talk to your coordinator.",
                course=course.title,
                cohort=cohort.name,
            )
        )
    return organisation, cohort, course


def accept(
    session: Session, invitation: EnrolmentInvitation, person: User, today: date
) -> Enrolment:
    """She accepts, as herself: she becomes a trainee of the organisation, enrolled in the
    cohort. Her account is not changed otherwise."""
    _require_pending(invitation, utcnow())
    if person.email != invitation.email:
        raise PermissionDenied(_("This invitation was sent to someone else."))
    organisation, cohort, course = _check_still_possible(session, invitation, person, today)
    grant_role(session, person, organisation, Role.TRAINEE)
    enrolment = curriculum.enrol(session, person, course, organisation, cohort)
    invitation.status = InvitationStatus.ACCEPTED
    invitation.answered_at = utcnow()
    invitation.user_id = person.id
    invitation.enrolment_id = enrolment.id
    session.flush()
    record(
        session,
        "enrolment.invitation_accepted",
        actor_id=person.id,
        obj=invitation,
        organisation_id=organisation.id,
        user_id=person.id,
        enrolment_id=enrolment.id,
    )
    return enrolment


def accept_with_new_account(
    session: Session, invitation: EnrolmentInvitation, name: str, password: str, today: date
) -> User | None:
    """Someone with the link chooses a name and password. When the address has no account she
    makes one (her name, her password; the date of birth the coordinator gave) and accepts;
    when it has one, nothing changes (she signs in with the password she has and accepts
    then). Both take the same work and answer alike, so the page never says which it was."""
    _require_pending(invitation, utcnow())
    _check_cohort_open(session, invitation, today)  # before anything that differs
    person = make_account_if_new(session, invitation.email, name or invitation.name, password)
    if person is None:
        return None
    person.date_of_birth = invitation.date_of_birth
    accept(session, invitation, person, today)
    return person


def decline(session: Session, invitation: EnrolmentInvitation) -> None:
    """She says no (whoever follows the link may: it came to her address). Nothing of hers
    has been shared, and nothing is."""
    _require_pending(invitation, utcnow())
    invitation.status = InvitationStatus.DECLINED
    invitation.answered_at = utcnow()
    session.flush()
    record(
        session,
        "enrolment.invitation_declined",
        obj=invitation,
        organisation_id=invitation.organisation_id,
    )
