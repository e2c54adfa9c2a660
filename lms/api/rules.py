"""Who may make API tokens and what the partners' API may read and do."""

from __future__ import annotations

from lms.accounts.models import Membership, Organisation, User
from lms.accounts.roles import Role
from lms.franchise.rules import coordinates
from lms.permissions import has_role, rule


@rule("api_token.create")
def _create_api_token(user: User, membership: Membership) -> bool:
    return membership.user_id == user.id and membership.role == Role.COORDINATOR


@rule("api.use")
def _use_api(user: User, organisation: Organisation) -> bool:
    """The API speaks for a coordinator's organisation (the token's principal holds only the
    token's membership, so another organisation is never reachable)."""
    return has_role(user, organisation.id, Role.COORDINATOR)


@rule("trainee.view_record")
def _view_trainee_record(user: User, organisation: Organisation) -> bool:
    return coordinates(user, organisation)
