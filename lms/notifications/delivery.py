"""Writing an e-mail for one person: in her language and her organisation's time zone.

Everything sent to a person about her notifications is rendered inside `as_recipient(...)`,
so its subject, text and dates are hers whoever's request or command sends it."""

from __future__ import annotations

from contextlib import contextmanager
from types import SimpleNamespace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, g, has_request_context, request, url_for
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import Membership, Organisation, User
from lms.i18n import language


def recipient_locale(user: User) -> str:
    """The locale she reads in: her own choice (English, written the British way, if none)."""
    return language(user.locale).locale


def recipient_zone(session: Session, user: User) -> ZoneInfo:
    """Her organisation's time zone where it has one, else the site's (DISPLAY_TIMEZONE)."""
    organisation = session.scalar(
        select(Organisation)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == user.id)
        .order_by(Membership.id)
        .limit(1)
    )
    name = (organisation.time_zone if organisation else None) or current_app.config.get(
        "DISPLAY_TIMEZONE", "UTC"
    )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@contextmanager
def as_recipient(session: Session, user: User):
    """Translate and format for `user` until the block ends (then as before)."""
    # Flask-Babel keeps the chosen locale and zone on `g`, and ignores force_locale while `g`
    # is still empty (a command's fresh app context): give it its place first.
    if not hasattr(g, "_flask_babel"):
        g._flask_babel = SimpleNamespace()
    babel_state = g._flask_babel
    zone_before = getattr(babel_state, "babel_tzinfo", None)
    babel_state.babel_tzinfo = recipient_zone(session, user)
    try:
        with force_locale(recipient_locale(user)):
            yield
    finally:
        babel_state.babel_tzinfo = zone_before


def link(endpoint: str, **values) -> str | None:
    """The path of a page, in a request or a command alike (None if it cannot be built)."""
    if has_request_context():
        return url_for(endpoint, **values)
    try:
        return current_app.url_map.bind("localhost").build(endpoint, values)
    except Exception:
        return None


def absolute(url: str | None) -> str | None:
    """`url` with the site's address: the request's, or PUBLIC_BASE_URL in a command."""
    if not url:
        return url
    if has_request_context():
        return request.host_url.rstrip("/") + url
    return current_app.config.get("PUBLIC_BASE_URL", "") + url
