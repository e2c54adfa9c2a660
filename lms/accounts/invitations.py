"""Inviting a person who has no password yet: an e-mail with a link to set one."""

from __future__ import annotations

from flask import current_app, url_for
from sqlalchemy.orm import Session

from lms.accounts.authentication import make_reset_token
from lms.accounts.models import Organisation, User
from lms.mail.outbox import enqueue


def send_invitation(session: Session, user: User, organisation: Organisation) -> None:
    """E-mail `user` a link to set her password, valid for PASSWORD_RESET_HOURS.

    The message waits in the outbox until the caller's transaction commits, so nobody is ever
    invited to an account that was not created."""
    token = make_reset_token(current_app.config["SECRET_KEY"], user)
    enqueue(
        session,
        user.email,
        f"You are invited to Alongside by {organisation.name}",
        "invitation",
        user=user,
        organisation=organisation,
        link=url_for("accounts.reset_password", token=token, _external=True),
        hours=current_app.config["PASSWORD_RESET_HOURS"],
    )
