"""Who may change an organisation's own settings (its time zone): its administrators."""

from __future__ import annotations

from lms.accounts.models import Organisation, User
from lms.permissions import administers, rule


@rule("organisation.settings")
def _settings(user: User, organisation: Organisation) -> bool:
    return administers(user, organisation)
