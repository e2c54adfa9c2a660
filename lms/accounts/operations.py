"""Changing people, organisations and memberships. Functions flush; the caller commits."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import Membership, Organisation, User, memberships_of
from lms.accounts.passwords import check_password_strength, hash_password
from lms.accounts.roles import OrganisationKind, Role
from lms.audit.operations import record
from lms.db import utcnow
from lms.errors import DomainError
from lms.i18n import _, _l

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise DomainError(
            _("That email address does not look right: %(reason)s", reason=error), field="email"
        ) from None


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def create_user(
    session: Session, email: str, display_name: str, password: str | None = None
) -> User:
    email = normalise_email(email)
    display_name = display_name.strip()
    if not display_name:
        raise DomainError(_("Please give a name."), field="display_name")
    if find_user_by_email(session, email) is not None:
        raise DomainError(
            _("Someone already has an account with that email address."), field="email"
        )
    user = User(email=email, display_name=display_name)
    if password is not None:
        check_password_strength(password, email=email, name=display_name)
        user.password_hash = hash_password(password)
        user.password_changed_at = utcnow()
    session.add(user)
    session.flush()
    record(session, "user.created", obj=user, email=email)
    return user


def create_organisation(
    session: Session,
    slug: str,
    name: str,
    *,
    franchisor: Organisation | None = None,
    neutral_page_titles: bool = True,
) -> Organisation:
    slug = slug.strip().lower()
    if not SLUG_PATTERN.match(slug):
        raise DomainError(
            _(
                "A short name uses lowercase letters, digits and hyphens "
                "(for example northside-women)."
            ),
            field="slug",
        )
    if not name.strip():
        raise DomainError(_("Please give the organisation's name."), field="name")
    if session.scalar(select(Organisation.id).where(Organisation.slug == slug)) is not None:
        raise DomainError(
            _("An organisation called '%(slug)s' already exists.", slug=slug), field="slug"
        )
    if franchisor is not None and not franchisor.is_franchisor:
        raise DomainError(
            _("'%(slug)s' is a partner, not a franchisor.", slug=franchisor.slug),
            field="franchisor",
        )
    organisation = Organisation(
        slug=slug,
        name=name.strip(),
        kind=OrganisationKind.PARTNER if franchisor else OrganisationKind.FRANCHISOR,
        franchisor=franchisor,
        neutral_page_titles=neutral_page_titles,
    )
    session.add(organisation)
    session.flush()
    record(session, "organisation.created", organisation_id=organisation.id, obj=organisation)
    return organisation


def grant_role(session: Session, user: User, organisation: Organisation, role: Role) -> Membership:
    """Give a person a role in an organisation; granting a role they hold changes nothing."""
    role = Role(role)
    if role == Role.ADMIN and not organisation.is_franchisor:
        raise DomainError(_("Administrators belong to the franchisor organisation."), field="role")
    for membership in memberships_of(user):
        if membership.organisation_id == organisation.id and membership.role == role:
            return membership
    membership = Membership(user=user, organisation=organisation, role=role)
    session.add(membership)
    session.flush()
    record(
        session, "membership.granted", organisation_id=organisation.id, obj=user, role=role.value
    )
    return membership


def revoke_role(session: Session, user: User, organisation: Organisation, role: Role) -> None:
    for membership in list(memberships_of(user)):
        if membership.organisation_id == organisation.id and membership.role == role:
            user.memberships.remove(membership)
            session.flush()
            record(
                session,
                "membership.revoked",
                organisation_id=organisation.id,
                obj=user,
                role=Role(role).value,
            )
            return
    raise DomainError(_("That person does not hold that role here."))


def set_account_disabled(session: Session, user: User, disabled: bool) -> None:
    from lms.accounts.sessions import revoke_all_sessions

    user.is_disabled = disabled
    if disabled:
        revoke_all_sessions(session, user, reason="account disabled")
    session.flush()
    record(session, "user.disabled" if disabled else "user.enabled", obj=user)


# What someone who chose a name and password on an invitation's page is told, whether the
# address was new (she has an account now, and has joined) or had an account already.
JOINED_OR_SIGN_IN = _l(
    "Thank you. Please sign in now. If this address already had an account, sign in with the "
    "password it already has, then open the invitation link again to accept."
)


def make_account_if_new(
    session: Session, email: str, display_name: str, password: str
) -> User | None:
    """An account with `email`, `display_name` and `password`, unless the address has one
    already (then None, and nothing changes). Both ways check the password alike and cost one
    argon2 hash, so whoever typed it cannot tell which it was."""
    email = normalise_email(email)
    if not display_name.strip():
        raise DomainError(_("Please give a name."), field="display_name")
    check_password_strength(password, email=email, name=display_name.strip())
    if find_user_by_email(session, email) is not None:
        hash_password(password)  # the same work as making the account
        return None
    return create_user(session, email, display_name, password)


def add_member(
    session: Session,
    organisation: Organisation,
    email: str,
    display_name: str | None,
    roles: list[Role],
) -> User | None:
    """Give roles in `organisation` to the person with `email` when she is one of its people
    already (and return her); anyone else (a new address, or someone of another organisation)
    is not attached here: the caller invites her (`member_invitations.invite`) and None is
    returned, whatever the address, so nothing tells whether it has an account."""
    if not roles:
        raise DomainError(_("Choose at least one role."), field="roles")
    user = find_user_by_email(session, normalise_email(email))
    if user is None or organisation.id not in {m.organisation_id for m in memberships_of(user)}:
        return None
    for role in roles:
        grant_role(session, user, organisation, Role(role))
    return user
