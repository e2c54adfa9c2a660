"""Who holds a role in an organisation: the people a notice about it goes to."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import Membership, User
from lms.accounts.roles import Role


def people_with_role(session: Session, organisation_id: int, role: Role) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id == organisation_id, Membership.role == role)
            .order_by(User.id)
        )
    )
