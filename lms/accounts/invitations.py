"""E-mails with a link to set a password: inviting a person who has none yet, and resetting a
forgotten one. Each waits in the outbox until the request's transaction commits."""

from __future__ import annotations

from flask import current_app, url_for
from sqlalchemy.orm import Session

from lms.accounts.authentication import make_reset_token
from lms.accounts.models import Organisation, User
from lms.accounts.operations import find_user_by_email
from lms.audit.operations import record
from lms.errors import DomainError
from lms.i18n import _, _l
from lms.mail.outbox import enqueue

INVITATION_SUBJECT = _l("You are invited to Alongside")
RESET_SUBJECT = _l("Set a new password for Alongside")


def send_invitation(
    session: Session,
    user: User,
    organisation: Organisation,
    *,
    template: str = "invitation",
) -> None:
    """E-mail `user` a link to set her password, valid for INVITATION_DAYS (with
    `templates/mail/<template>.txt`, which says what she is invited to do).

    The message waits in the outbox until the caller's transaction commits, so nobody is ever
    invited to an account that was not created."""
    days = current_app.config["INVITATION_DAYS"]
    token = make_reset_token(current_app.config["SECRET_KEY"], user, valid_hours=days * 24)
    enqueue(
        session,
        user.email,
        # Never the organisation's name, here or in the text: it may say what the site is about.
        INVITATION_SUBJECT,
        template,
        recipient=user,
        user=user,
        link=url_for("accounts.reset_password", token=token, _external=True),
        days=days,
    )


def invite_again(session: Session, user: User, organisation: Organisation) -> None:
    """A fresh invitation for someone who has not set her password yet (an old link may have
    expired or gone astray); someone who has set one, or whose account is disabled, is not
    sent a link to set it."""
    if user.is_disabled:
        raise DomainError(_("The account of %(name)s is disabled.", name=user.display_name))
    if user.password_hash is not None:
        raise DomainError(_("%(name)s has already set a password.", name=user.display_name))
    send_invitation(session, user, organisation)
    record(session, "invitation.sent", obj=user, organisation_id=organisation.id)


def send_password_reset(session: Session, email: str) -> None:
    """E-mail the person with `email` a link to set a new password, when she has an account
    that is not disabled (and nothing otherwise: the caller answers the same either way)."""
    user = find_user_by_email(session, email)
    if user is None or user.is_disabled:
        return
    token = make_reset_token(current_app.config["SECRET_KEY"], user)
    enqueue(
        session,
        user.email,
        RESET_SUBJECT,
        "password_reset",
        recipient=user,
        user=user,
        link=url_for("accounts.reset_password", token=token, _external=True),
        hours=current_app.config["PASSWORD_RESET_HOURS"],
    )
    record(session, "password.reset_requested", obj=user)
