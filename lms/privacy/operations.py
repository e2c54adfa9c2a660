"""Changes the privacy pages make: an organisation's setting, and the quick exit's end of a
session."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lms.accounts.models import Organisation, User
from lms.accounts.sessions import revoke_session
from lms.audit.operations import record


def set_neutral_page_titles(session: Session, organisation: Organisation, on: bool) -> None:
    if organisation.neutral_page_titles == on:
        return
    organisation.neutral_page_titles = on
    session.flush()
    record(
        session,
        "organisation.neutral_page_titles_changed",
        obj=organisation,
        organisation_id=organisation.id,
        on=on,
    )


def end_session_quickly(session: Session, user: User, token: str | None) -> None:
    """The quick exit: this browser's session ends on the server at once, so Back and an
    old cookie reach only the sign-in page."""
    if token:
        revoke_session(session, token, reason="quick exit")
    record(session, "logout", obj=user, how="quick exit")
