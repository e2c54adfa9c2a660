"""Who may use the privacy pages.

Everyone signed in has her own information, her own list of who has looked at her work and
her own download: the pages read only the person signed in, so nobody (staff included) can
reach another person's. An organisation's privacy settings are its administrators'."""

from __future__ import annotations

from lms.accounts.models import Organisation, User
from lms.permissions import administers, rule


@rule("privacy.own_information")
def _own_information(user: User, _: None) -> bool:
    return True


@rule("privacy.settings")
def _settings(user: User, organisation: Organisation) -> bool:
    return administers(user, organisation)
