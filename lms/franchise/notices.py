"""Coordinators are told, once each, when a licence of theirs comes near its limits: few
places left, or its end date near (`notice_sweep`, run daily by the digest command)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import Organisation
from lms.accounts.roles import Role
from lms.franchise.licences import (
    EXPIRY_WARNING_DAYS,
    SEAT_WARNING_LEFT,
    SEAT_WARNING_SHARE,
    LicenceUsage,
    usages_for,
)
from lms.franchise.models import LicenceStatus
from lms.notifications.audiences import people_with_role
from lms.notifications.delivery import link
from lms.notifications.operations import notify


def _reminders(usage: LicenceUsage) -> list[tuple[str, str, dict]]:
    """(kind, about, params) for each limit the licence is near."""
    licence = usage.licence
    if usage.status != LicenceStatus.ACTIVE or usage.today < licence.starts_on:
        return []
    found = []
    if usage.share_used >= SEAT_WARNING_SHARE or usage.seats_left <= SEAT_WARNING_LEFT:
        found.append(
            (
                "licence.seats_low",
                f"licence:{licence.id}:seats:{licence.seats}",
                {"course": licence.course.title, "left": usage.seats_left},
            )
        )
    if usage.days_left <= EXPIRY_WARNING_DAYS:
        found.append(
            (
                "licence.ending",
                f"licence:{licence.id}:ends:{licence.expires_on.isoformat()}",
                {"course": licence.course.title, "ends_on": licence.expires_on.isoformat()},
            )
        )
    return found


def licences_near_limits(session: Session, today: date) -> int:
    organisations = {
        o.id: o for o in session.scalars(select(Organisation).order_by(Organisation.id))
    }
    told = 0
    for usage in usages_for(session, list(organisations), today):
        reminders = _reminders(usage)
        if not reminders:
            continue
        organisation = organisations[usage.licence.organisation_id]
        url = link("franchise.partner", slug=organisation.slug)
        for coordinator in people_with_role(session, organisation.id, Role.COORDINATOR):
            for kind, about, params in reminders:
                notice = notify(session, coordinator, kind, url=url, about=about, **params)
                told += notice is not None
    return told
