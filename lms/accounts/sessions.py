"""Server-side sign-in sessions.

The browser holds only a random token (inside Flask's signed cookie, or Flask-Login's
remember-me cookie). The `AuthSession` row decides whether it is still good, so signing out,
changing a password or disabling an account can end every session at once, and an old cookie
replayed later is refused.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import ColumnElement, Select, Update, bindparam, select, update
from sqlalchemy.orm import Session, joinedload

from lms.accounts.models import AuthSession, User, memberships_of
from lms.db import utcnow

# Writing last_seen on every request would turn each page view into a write.
_TOUCH_INTERVAL = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    session: Session,
    user: User,
    *,
    remember: bool,
    idle_minutes: int,
    remember_days: int,
    ip_address: str | None = None,
    user_agent: str | None = None,
) -> str:
    """Create a session for `user` and return its token (shown to the browser once)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    lifetime = timedelta(days=remember_days) if remember else timedelta(minutes=idle_minutes)
    session.add(
        AuthSession(
            token_hash=_hash(token),
            user=user,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
            remember=remember,
            ip_address=ip_address,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    session.flush()
    user.current_session_token = token
    return token


@lru_cache(maxsize=8)
def _session_statement(
    figures: tuple[tuple[str, Callable[[ColumnElement[int]], ColumnElement]], ...],
) -> Select:
    """The statement that finds a session by its token's hash, with its person, her
    memberships and `figures`: built once (every request sends it), bound at each use."""
    return (
        select(AuthSession, *(build(AuthSession.user_id).label(name) for name, build in figures))
        .options(joinedload(AuthSession.user).joinedload(User.memberships))
        .where(AuthSession.token_hash == bindparam("token_hash"))
    )


def load_session_user(
    session: Session,
    token: str,
    *,
    idle_minutes: int,
    now: datetime | None = None,
    touch: Callable[[Update], object] | None = None,
    figures: Mapping[str, Callable[[ColumnElement[int]], ColumnElement]] | None = None,
) -> User | None:
    """The user a token belongs to, or None when it is unknown, revoked, expired or idle.

    At most once a minute the session's last-seen time is moved on by one small UPDATE, run by
    `touch` (by default in `session`'s transaction; the web layer runs it in a transaction of
    its own, so a page view never commits anything else that happens to be pending).

    `figures`: {name: a scalar subquery about the person whose id it is given}, read in the
    same statement and kept in `user.session_figures` (what every page shows of her, such as
    her unread notifications, without a statement of its own)."""
    now = now or utcnow()
    figures = figures or {}
    # Her memberships come in the same statement: every permission asked in the request
    # reads them, and a person holds a handful at most.
    found = (
        session.execute(_session_statement(tuple(figures.items())), {"token_hash": _hash(token)})
        .unique()
        .first()
    )
    auth_session = found[0] if found is not None else None
    if auth_session is None or auth_session.revoked_at is not None:
        return None
    if auth_session.expires_at <= now:
        return None
    if not auth_session.remember and now - auth_session.last_seen_at > timedelta(
        minutes=idle_minutes
    ):
        return None
    user = auth_session.user
    if user.is_disabled:
        return None
    if now - auth_session.last_seen_at > _TOUCH_INTERVAL:
        values = {"last_seen_at": now}
        if not auth_session.remember:
            values["expires_at"] = now + timedelta(minutes=idle_minutes)
        statement = update(AuthSession).where(AuthSession.id == auth_session.id).values(**values)
        (touch or session.execute)(statement)
    user.current_session_token = token
    user.session_figures = dict(zip(figures, found[1:], strict=True))
    memberships_of(user)  # loaded with her above: this only reads them
    return user


def revoke_session(session: Session, token: str, reason: str = "signed out") -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.token_hash == _hash(token), AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )


def revoke_all_sessions(
    session: Session, user: User, *, reason: str, except_token: str | None = None
) -> int:
    statement = (
        update(AuthSession)
        .where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    if except_token is not None:
        statement = statement.where(AuthSession.token_hash != _hash(except_token))
    return session.execute(statement).rowcount


def active_sessions(session: Session, user: User) -> list[AuthSession]:
    now = utcnow()
    return list(
        session.scalars(
            select(AuthSession)
            .where(
                AuthSession.user_id == user.id,
                AuthSession.revoked_at.is_(None),
                AuthSession.expires_at > now,
            )
            .order_by(AuthSession.last_seen_at.desc())
        )
    )


def is_current(auth_session: AuthSession, token: str | None) -> bool:
    return token is not None and auth_session.token_hash == _hash(token)
