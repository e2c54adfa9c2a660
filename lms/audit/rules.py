"""Who may read the audit log: the franchisor's administrators."""

from __future__ import annotations

from lms.accounts.models import User
from lms.permissions import is_admin, rule


@rule("audit.view")
def _view_audit(user: User, _: None) -> bool:
    return is_admin(user)
