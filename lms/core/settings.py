"""A person's language and an organisation's time zone: the two settings lms.i18n reads."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lms.accounts.models import Organisation, User
from lms.audit.operations import record
from lms.errors import DomainError
from lms.i18n import LANGUAGE_CODES, _, is_time_zone


def set_language(session: Session, user: User, code: str | None) -> None:
    """Her own choice of language, kept with her account (None: as her browser asks)."""
    if code is not None and code not in LANGUAGE_CODES:
        raise DomainError(_("Please choose one of the languages offered."), field="language")
    if user.locale != code:
        user.locale = code
        session.flush()


def set_time_zone(session: Session, organisation: Organisation, name: str) -> None:
    """The time zone its people read dates and times in: an IANA name (`Europe/Madrid`)."""
    if not is_time_zone(name):
        raise DomainError(_("Please choose a time zone from the list."), field="time_zone")
    if organisation.time_zone == name:
        return
    before = organisation.time_zone
    organisation.time_zone = name
    session.flush()
    record(
        session,
        "organisation.time_zone_changed",
        obj=organisation,
        organisation_id=organisation.id,
        before=before,
        after=name,
    )
