"""Writing an e-mail for one person: in her language and her organisation's time zone.

Every message is rendered inside `as_recipient(...)`, so its subject, text and dates are hers
whoever's request or command sends it. Someone who has not chosen a language yet (a person
being invited, a witness outside the site) is written to in the language of the person
writing to her: the two almost always share one, and it is the one the sender can check."""

from __future__ import annotations

from contextlib import contextmanager
from types import SimpleNamespace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, g
from flask_babel import force_locale
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.i18n import current_language, language


def recipient_locale(user: User | None) -> str:
    """The locale she reads in: her own choice, else the current reader's (the sender's)."""
    if user is not None and user.locale:
        return language(user.locale).locale
    return current_language().locale


def recipient_zone(user: User | None) -> ZoneInfo:
    """Her organisation's time zone (`User.organisation_zone`, as her pages show her times),
    else the site's (DISPLAY_TIMEZONE)."""
    own = user.organisation_zone if user is not None and user.id is not None else None
    name = own or current_app.config.get("DISPLAY_TIMEZONE", "UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@contextmanager
def as_recipient(session: Session, user: User | None):
    """Translate and format for `user` (or for someone with no account yet: None) until the
    block ends, then as before."""
    # Flask-Babel keeps the chosen locale and zone on `g`, and ignores force_locale while `g`
    # is still empty (a command's fresh app context): give it its place first.
    if not hasattr(g, "_flask_babel"):
        g._flask_babel = SimpleNamespace()
    babel_state = g._flask_babel
    locale = recipient_locale(user)
    zone_before = getattr(babel_state, "babel_tzinfo", None)
    babel_state.babel_tzinfo = recipient_zone(user)
    try:
        with force_locale(locale):
            yield
    finally:
        babel_state.babel_tzinfo = zone_before
