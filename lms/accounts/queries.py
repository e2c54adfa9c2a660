"""Read-side queries for accounts and organisations, eager-loaded for the pages that use them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, selectinload

from lms import paging
from lms.accounts.models import Membership, Organisation, User
from lms.audit.models import AuditEvent
from lms.errors import NotFound
from lms.paging import decode_cursor, encode_cursor
from lms.permissions import can, organisation_ids_where


@cache
def _organisation_by_slug_statement() -> Select:
    # Built once and bound at each use: every page under /organisations/<slug> asks it.
    return select(Organisation).where(Organisation.slug == bindparam("slug"))


def organisation_by_slug(session: Session, slug: str) -> Organisation:
    organisation = session.scalar(_organisation_by_slug_statement(), {"slug": slug})
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
    # How many come before this page, and the cursors of the pages either side (None: none).
    before: int
    per_page: int
    next_cursor: str | None = None
    previous_cursor: str | None = None

    @property
    def page(self) -> int:
        return self.before // self.per_page + 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def members_of(
    session: Session,
    organisation: Organisation,
    *,
    search: str = "",
    after: str | None = None,
    before: str | None = None,
    per_page: int = 50,
) -> MemberPage:
    """One page of an organisation's people by name, optionally filtered by name or email:
    the first, the one after the cursor `after`, or the one before `before` (keyset paging,
    `lms.paging`)."""
    member_ids = select(Membership.user_id).where(Membership.organisation_id == organisation.id)
    condition = User.id.in_(member_ids)
    if search := search.strip():
        pattern = f"%{search.lower()}%"
        condition &= func.lower(User.display_name).like(pattern) | User.email.like(pattern)
    total = session.scalar(select(func.count()).select_from(User).where(condition))
    keys = [(User.display_name, False), (User.id, False)]
    statement = (
        select(User, User.display_name, User.id)
        .where(condition)
        .options(selectinload(User.memberships))
    )
    rows, earlier, later = paging.read_page(
        session, statement, keys, decode_cursor(after, 2), decode_cursor(before, 2), per_page
    )
    counted_before = 0
    if rows and earlier:
        counted_before = session.scalar(
            select(func.count())
            .select_from(User)
            .where(condition, paging.beyond(keys, tuple(rows[0])[1:], backwards=True))
        )
    return MemberPage(
        [row[0] for row in rows],
        total,
        counted_before,
        per_page,
        next_cursor=encode_cursor(tuple(rows[-1])[1:]) if rows and later else None,
        previous_cursor=encode_cursor(tuple(rows[0])[1:]) if rows and earlier else None,
    )


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
