"""Invitations to hold roles in an organisation, for addresses that hold none there yet.

Adding a member by e-mail must never attach a person of another organisation, nor say whether
an address has an account. So everyone who is not yet one of the organisation's people is
treated alike, whether the address is new or belongs to someone elsewhere: she is sent an
invitation, the coordinator is told only that it was sent, and she joins only by accepting it
through the signed link in the e-mail (valid for INVITATION_DAYS): signed in as herself when
she has an account, or choosing her name and password when she has none. The page the link
opens answers the same either way too. Every step is audited. Functions flush; the caller
commits, and the e-mail waits in the outbox until then.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.invitations import INVITATION_SUBJECT
from lms.accounts.models import MembershipInvitation, Organisation, User
from lms.accounts.operations import (
    add_member,
    find_user_by_email,
    grant_role,
    make_account_if_new,
    normalise_email,
)
from lms.accounts.roles import Role
from lms.audit.context import current_actor
from lms.audit.operations import record
from lms.db import utcnow
from lms.errors import DomainError, NotFound, PermissionDenied
from lms.i18n import _, _l
from lms.mail.outbox import enqueue

INVITATION_DAYS = 14
_SALT = "alongside.membership-invitation"

ACCEPTED, DECLINED, WITHDRAWN = "accepted", "declined", "withdrawn"
LINK_NOT_VALID = _l(
    "This link is not valid. Please check that it is complete, or ask the person who invited "
    "you to send it again."
)
LINK_EXPIRED = _l(
    "This invitation has expired. Please ask the person who invited you to send it again."
)
ANSWERED = {
    ACCEPTED: _l("This invitation has already been accepted."),
    DECLINED: _l("This invitation has been declined."),
    WITHDRAWN: _l("This invitation has been withdrawn by the organisation."),
}


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def make_token(secret_key: str, invitation: MembershipInvitation) -> str:
    return _serializer(secret_key).dumps({"invitation": invitation.id})


def _require_pending(invitation: MembershipInvitation) -> None:
    if invitation.outcome is not None:
        raise DomainError(str(ANSWERED[invitation.outcome]))
    if invitation.expires_at <= utcnow():
        raise DomainError(str(LINK_EXPIRED))


def invitation_for_token(session: Session, secret_key: str, token: str) -> MembershipInvitation:
    try:
        data = _serializer(secret_key).loads(token, max_age=INVITATION_DAYS * 24 * 3600)
    except SignatureExpired:
        raise DomainError(str(LINK_EXPIRED)) from None
    except BadSignature:
        raise DomainError(str(LINK_NOT_VALID)) from None
    found = isinstance(data, dict) and session.get(MembershipInvitation, data.get("invitation"))
    if not found:
        raise DomainError(str(LINK_NOT_VALID))
    _require_pending(found)
    return found


def pending_for(session: Session, organisation: Organisation) -> list[MembershipInvitation]:
    return list(
        session.scalars(
            select(MembershipInvitation)
            .where(
                MembershipInvitation.organisation_id == organisation.id,
                MembershipInvitation.outcome.is_(None),
            )
            .order_by(MembershipInvitation.email)
        )
    )


def invite(
    session: Session, organisation: Organisation, email: str, name: str, roles: list[Role]
) -> MembershipInvitation:
    """Invite `email` (normalised) to hold `roles` in `organisation`, and e-mail the link.
    Inviting an address already invited there adds the roles and sends the link again."""
    name = " ".join((name or "").split())
    if Role.ADMIN in roles and not organisation.is_franchisor:
        raise DomainError(_("Administrators belong to the franchisor organisation."), field="roles")
    invitation = session.scalar(
        select(MembershipInvitation).where(
            MembershipInvitation.organisation_id == organisation.id,
            MembershipInvitation.email == email,
            MembershipInvitation.outcome.is_(None),
        )
    )
    if invitation is None:
        if not name:
            raise DomainError(
                _("Please give their name: we need it to invite them."), field="display_name"
            )
        invitation = MembershipInvitation(
            organisation=organisation,
            email=email,
            roles="",
            invited_by_id=current_actor().user_id,
        )
        session.add(invitation)
    wanted = {*invitation.role_list, *roles}
    invitation.roles = ",".join(role.value for role in Role if role in wanted)
    invitation.name = name or invitation.name
    invitation.expires_at = utcnow() + timedelta(days=INVITATION_DAYS)
    session.flush()
    record(
        session,
        "membership.invited",
        obj=invitation,
        organisation_id=organisation.id,
        roles=invitation.roles,
    )
    _send(session, invitation)
    return invitation


def add_or_invite(
    session: Session, organisation: Organisation, email: str, name: str | None, roles: list[Role]
) -> User | MembershipInvitation:
    """The members page's "add": roles at once for one of the organisation's people (she is
    returned); an invitation for anyone else, whatever the address (it is returned)."""
    person = add_member(session, organisation, email, name, roles)
    if person is not None:
        return person
    return invite(session, organisation, normalise_email(email), name or "", roles)


def _send(session: Session, invitation: MembershipInvitation) -> None:
    """The e-mail names neither who invites her nor the roles: they are on the page it opens
    (an organisation's name may say what the site is about), in her language where she has an
    account."""
    token = make_token(current_app.config["SECRET_KEY"], invitation)
    enqueue(
        session,
        invitation.email,
        INVITATION_SUBJECT,
        "membership_invitation",
        recipient=find_user_by_email(session, invitation.email),
        name=invitation.name,
        link=url_for("organisations.join", token=token, _external=True),
        days=INVITATION_DAYS,
    )


def accept(session: Session, invitation: MembershipInvitation, person: User) -> None:
    """She accepts, signed in as herself: she holds the roles. Nothing else of hers changes."""
    _require_pending(invitation)
    if person.email != invitation.email:
        raise PermissionDenied(_("This invitation was sent to someone else."))
    organisation = invitation.organisation
    for role in invitation.role_list:
        grant_role(session, person, organisation, role)
    invitation.outcome = ACCEPTED
    invitation.answered_at = utcnow()
    invitation.user_id = person.id
    session.flush()
    record(
        session,
        "membership.invitation_accepted",
        actor_id=person.id,
        obj=invitation,
        organisation_id=organisation.id,
        user_id=person.id,
    )


def accept_with_new_account(
    session: Session, invitation: MembershipInvitation, name: str, password: str
) -> None:
    """Someone with the link chooses a name and password. When the address has no account
    she gets one and has joined; when it has one, nothing changes (she signs in with the
    password she has and accepts then). Both take the same work and answer alike."""
    _require_pending(invitation)
    person = make_account_if_new(session, invitation.email, name or invitation.name, password)
    if person is not None:
        accept(session, invitation, person)


def decline(session: Session, invitation: MembershipInvitation) -> None:
    _require_pending(invitation)
    invitation.outcome = DECLINED
    invitation.answered_at = utcnow()
    session.flush()
    record(
        session,
        "membership.invitation_declined",
        obj=invitation,
        organisation_id=invitation.organisation_id,
    )


def withdraw(
    session: Session, organisation: Organisation, invitation_id: int
) -> MembershipInvitation:
    invitation = session.scalar(
        select(MembershipInvitation).where(
            MembershipInvitation.id == invitation_id,
            MembershipInvitation.organisation_id == organisation.id,
        )
    )
    if invitation is None:
        raise NotFound()
    if invitation.outcome is not None:
        raise DomainError(str(ANSWERED[invitation.outcome]))
    invitation.outcome = WITHDRAWN
    invitation.answered_at = utcnow()
    session.flush()
    record(
        session,
        "membership.invitation_withdrawn",
        obj=invitation,
        organisation_id=organisation.id,
    )
    return invitation
