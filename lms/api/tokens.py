"""Making, listing, revoking and checking personal access tokens. Functions flush; the caller
commits."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Update, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from lms.accounts.models import Membership, User, memberships_of
from lms.api.models import PersonalAccessToken
from lms.audit.operations import record
from lms.db import utcnow
from lms.errors import DomainError, NotFound
from lms.i18n import _

TOKEN_START = "alg_"  # noqa: S105 - how our tokens start, not a secret
NAME_MAX_LENGTH = 80
_TOUCH_INTERVAL = timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(
    session: Session,
    user: User,
    membership: Membership,
    name: str,
    *,
    expires_at: datetime | None = None,
    request_key: str | None = None,
) -> tuple[PersonalAccessToken, str]:
    """A new token for `user` acting as `membership`; returns it and the token itself, which
    is never stored and so can be shown only now. `request_key` is the asking form's own
    random key (see `create_token_once`)."""
    name = " ".join(name.split())
    if not name:
        raise DomainError(_("Please name the token after what will use it."), field="name")
    if len(name) > NAME_MAX_LENGTH:
        raise DomainError(
            _("Please keep the name under %(count)s characters.", count=NAME_MAX_LENGTH),
            field="name",
        )
    if membership.user_id != user.id:
        raise DomainError(_("A token can only speak for your own role."), field="membership")
    if expires_at is not None and expires_at <= utcnow():
        raise DomainError(_("The expiry must be in the future."), field="expires_in")
    raw = TOKEN_START + secrets.token_urlsafe(32)
    token = PersonalAccessToken(
        user_id=user.id,
        organisation_id=membership.organisation_id,
        role=membership.role,
        name=name,
        prefix=raw[:12],
        token_hash=hash_token(raw),
        expires_at=expires_at,
        user_epoch=user.credentials_epoch or 0,
        request_key=request_key,
    )
    session.add(token)
    session.flush()
    record(
        session,
        "api_token.created",
        obj=token,
        organisation_id=membership.organisation_id,
        role=membership.role.value,
        name=name,
    )
    return token, raw


def token_for_request(session: Session, user: User, request_key: str) -> PersonalAccessToken | None:
    return session.scalar(
        select(PersonalAccessToken).where(
            PersonalAccessToken.user_id == user.id,
            PersonalAccessToken.request_key == request_key,
        )
    )


def create_token_once(
    session: Session,
    user: User,
    membership: Membership,
    name: str,
    *,
    request_key: str,
    expires_at: datetime | None = None,
) -> tuple[PersonalAccessToken, str | None]:
    """Like `create_token`, but a form sent twice (a double click, a resend, two tabs racing)
    makes one token: the second sending gets the first token back and `None` for the token
    itself, which was shown only to the first."""
    earlier = token_for_request(session, user, request_key)
    if earlier is not None:
        return earlier, None
    try:
        with session.begin_nested():
            return create_token(
                session, user, membership, name, expires_at=expires_at, request_key=request_key
            )
    except IntegrityError:
        earlier = token_for_request(session, user, request_key)
        if earlier is None:
            raise
        return earlier, None


def tokens_of(session: Session, user: User) -> list[PersonalAccessToken]:
    return list(
        session.scalars(
            select(PersonalAccessToken)
            .where(PersonalAccessToken.user_id == user.id)
            .options(selectinload(PersonalAccessToken.organisation))
            .order_by(PersonalAccessToken.revoked_at.is_not(None), PersonalAccessToken.id.desc())
        )
    )


def token_of(session: Session, user: User, token_id: int) -> PersonalAccessToken:
    token = session.scalar(
        select(PersonalAccessToken).where(
            PersonalAccessToken.id == token_id, PersonalAccessToken.user_id == user.id
        )
    )
    if token is None:
        raise NotFound()
    return token


def revoke_token(session: Session, token: PersonalAccessToken) -> None:
    if token.revoked_at is not None:
        raise DomainError(_("This token has already been revoked."))
    token.revoked_at = utcnow()
    session.flush()
    record(session, "api_token.revoked", obj=token, organisation_id=token.organisation_id)


def authenticate(
    session: Session,
    raw: str,
    now: datetime,
    *,
    touch: Callable[[Update], object] | None = None,
) -> tuple[PersonalAccessToken, User, Membership] | None:
    """The token, its owner and the membership it speaks for, if the token is good now: not
    revoked or expired, its owner's account enabled, her role still held, and her password
    not changed or reset nor her sessions all ended since it was made (`user_epoch`).

    At most once a minute the token's last-used time is moved on by one small UPDATE, run by
    `touch` (by default in `session`'s transaction; the API runs it in a transaction of its
    own, so that a request answered with an error still counts as a use)."""
    if not raw.startswith(TOKEN_START) or len(raw) > 200:
        return None
    token = session.scalar(
        select(PersonalAccessToken)
        .where(PersonalAccessToken.token_hash == hash_token(raw))
        .options(selectinload(PersonalAccessToken.user))
    )
    if token is None or not token.is_usable(now) or not still_vouched_for(token, token.user):
        return None
    membership = next(
        (
            m
            for m in memberships_of(token.user)
            if m.organisation_id == token.organisation_id and m.role == token.role
        ),
        None,
    )
    if membership is None:
        return None
    if token.last_used_at is None or now - token.last_used_at > _TOUCH_INTERVAL:
        statement = (
            update(PersonalAccessToken)
            .where(PersonalAccessToken.id == token.id)
            .values(last_used_at=now)
        )
        (touch or session.execute)(statement)
    return token, token.user, membership


def still_vouched_for(token: PersonalAccessToken, user: User) -> bool:
    """Her account is enabled and nothing has ended her credentials since the token was made."""
    return not user.is_disabled and token.user_epoch == (user.credentials_epoch or 0)


class TokenPrincipal:
    """Who an API request acts as: the token's owner, holding only the token's role in the
    token's organisation. Permission rules see nothing else, so another organisation, or a
    role the token was not made for, is never reachable through it."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, user: User, membership: Membership):
        self.user = user
        self.id = user.id
        self.email = user.email
        self.display_name = user.display_name
        self.memberships = [membership]
        self.organisation_id = membership.organisation_id

    @property
    def is_active(self) -> bool:
        return not self.user.is_disabled

    def roles_in(self, organisation_id: int):
        return {m.role for m in self.memberships if m.organisation_id == organisation_id}

    @property
    def roles(self):
        return {m.role for m in self.memberships}
