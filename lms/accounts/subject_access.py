"""What the accounts hold about a person, for her own download (the `subject_access` hook)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import AuthSession, Membership, Organisation, User
from lms.privacy.records import Files, columns, table

# Secrets that are not information about her: the hash of her password and of each
# session's token, and the lock-out counter's internals.
_USER_SECRETS = ("password_hash",)
_SESSION_SECRETS = ("token_hash",)


def account_information(session: Session, user: User) -> Files:
    memberships = session.execute(
        select(Membership, Organisation.name)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id == user.id)
        .order_by(Membership.id)
    ).all()
    devices = session.scalars(
        select(AuthSession).where(AuthSession.user_id == user.id).order_by(AuthSession.id)
    )
    return [
        *table("account/profile", [columns(user, leave_out=_USER_SECRETS)]),
        *table(
            "account/memberships",
            [
                {**columns(m, leave_out=("user_id",)), "organisation": name}
                for m, name in memberships
            ],
        ),
        *table(
            "account/sign-ins",
            [columns(s, leave_out=(*_SESSION_SECRETS, "user_id")) for s in devices],
        ),
    ]
