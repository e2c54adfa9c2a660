"""Who may read notifications: everyone signed in, each her own."""

from __future__ import annotations

from lms.accounts.models import User
from lms.permissions import rule


@rule("notifications.view")
def _view_notifications(user: User, _: None) -> bool:
    return True
