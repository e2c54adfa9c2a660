"""Neutral page titles: what a browser's tabs and history show of a trainee's visits.

An organisation that supports survivors keeps `neutral_page_titles` on (the default): its
trainees' pages are all titled "Alongside", so a history list shows no more than that the
site was visited, never "Responding to a disclosure"."""

from __future__ import annotations

from markupsafe import Markup, escape

from lms.accounts.models import memberships_of
from lms.accounts.roles import Role

SITE_NAME = "Alongside"
SEPARATOR = " \N{EN DASH} "


def wants_neutral_titles(user) -> bool:
    """True for a trainee of any organisation that keeps titles neutral (a person who is
    also staff somewhere is treated as the trainee she is)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return any(
        m.role == Role.TRAINEE and m.organisation.neutral_page_titles for m in memberships_of(user)
    )


def page_title(user, own_title: str | None) -> Markup:
    """The document title for `user`: the page's own title (already escaped, as a block
    renders it) and the site's name, or the site's name alone where titles are neutral."""
    own = escape(own_title or "").strip()
    if not own or wants_neutral_titles(user):
        return escape(SITE_NAME)
    return own + escape(SEPARATOR + SITE_NAME)
