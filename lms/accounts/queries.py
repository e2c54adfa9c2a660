"""Read-side queries for accounts and organisations, eager-loaded for the pages that use them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from lms.accounts.models import Membership, Organisation, User
from lms.audit.models import AuditEvent
from lms.errors import NotFound
from lms.permissions import can, organisation_ids_where


def organisation_by_slug(session: Session, slug: str) -> Organisation:
    organisation = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise NotFound()
    return organisation


def organisation_for(
    session: Session, user: User, slug: str, action: str = "organisation.view"
) -> Organisation:
    """The organisation `slug`, when `user` may do `action` there (by default see it: its
    staff, and its franchisor's administrators). Any other is not found, exactly like a slug
    that does not exist: an answer must never confirm that another organisation is there."""
    organisation = organisation_by_slug(session, slug)
    if not can(user, action, organisation):
        raise NotFound()
    return organisation


def organisations_for_admin(session: Session, user: User) -> list[tuple[Organisation, int]]:
    """Organisations the user administers, with how many people belong to each."""
    visible = organisation_ids_where(user, [])
    member_count = (
        select(func.count(func.distinct(Membership.user_id)))
        .where(Membership.organisation_id == Organisation.id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Organisation, member_count)
        .where(Organisation.id.in_(visible))
        .order_by(Organisation.kind, Organisation.name)
    )
    return [(organisation, count) for organisation, count in rows]


@dataclass
class MemberPage:
    people: list[User]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def members_of(
    session: Session,
    organisation: Organisation,
    *,
    search: str = "",
    page: int = 1,
    per_page: int = 50,
) -> MemberPage:
    """One page of an organisation's people, optionally filtered by name or email."""
    member_ids = select(Membership.user_id).where(Membership.organisation_id == organisation.id)
    condition = User.id.in_(member_ids)
    if search := search.strip():
        pattern = f"%{search.lower()}%"
        condition &= func.lower(User.display_name).like(pattern) | User.email.like(pattern)
    total = session.scalar(select(func.count()).select_from(User).where(condition))
    page = max(1, page)
    people = session.scalars(
        select(User)
        .where(condition)
        .options(selectinload(User.memberships))
        .order_by(User.display_name, User.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return MemberPage(list(people), total, page, per_page)


def member_of(session: Session, organisation: Organisation, user_id: int) -> User:
    """A person, found only through the organisation: an id from elsewhere is not found."""
    user = session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation.id, User.id == user_id)
        .limit(1)
    )
    if user is None:
        raise NotFound()
    return user


def recent_audit_events(
    session: Session, user: User, *, action_prefix: str = "", limit: int = 200
) -> list[AuditEvent]:
    visible = organisation_ids_where(user, [])
    statement = (
        select(AuditEvent)
        .where((AuditEvent.organisation_id.in_(visible)) | (AuditEvent.organisation_id.is_(None)))
        .options(selectinload(AuditEvent.actor), selectinload(AuditEvent.organisation))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    if action_prefix:
        statement = statement.where(AuditEvent.action.startswith(action_prefix))
    return list(session.scalars(statement))
