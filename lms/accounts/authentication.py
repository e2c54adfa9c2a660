"""Checking who someone is: sign-in with lockout, password changes and reset tokens."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.accounts.operations import find_user_by_email
from lms.accounts.passwords import (
    burn_time_for_unknown_user,
    check_password_strength,
    hash_password,
    needs_rehash,
    verify_password,
)
from lms.accounts.sessions import revoke_all_sessions
from lms.audit.operations import record
from lms.db import utcnow
from lms.errors import DomainError

# One message for every failed sign-in, so the answer never says whether an email has an account.
SIGN_IN_FAILED = "That email and password do not match an account. Check them and try again."
LOCKED = (
    "This account is paused for a few minutes after several unsuccessful attempts. "
    "Please try again later, or reset your password."
)

_RESET_SALT = "alongside.password-reset"


def authenticate(
    session: Session, email: str, password: str, *, max_failures: int, lockout_minutes: int
) -> User:
    """Return the user for a correct email and password, or raise DomainError.

    After `max_failures` wrong passwords in a row the account is paused for `lockout_minutes`.
    """
    user = find_user_by_email(session, email)
    now = utcnow()
    if user is None:
        burn_time_for_unknown_user(password)
        record(session, "login.failed", reason="unknown email", email=email.strip().lower()[:254])
        raise DomainError(SIGN_IN_FAILED)
    if user.locked_until is not None and user.locked_until > now:
        burn_time_for_unknown_user(password)
        record(session, "login.refused", obj=user, reason="locked")
        raise DomainError(LOCKED)
    if not verify_password(user.password_hash, password) or user.is_disabled:
        user.failed_login_count += 1
        reason = "disabled" if user.is_disabled else "wrong password"
        if user.failed_login_count >= max_failures:
            user.locked_until = now + timedelta(minutes=lockout_minutes)
            user.failed_login_count = 0
            record(session, "login.locked", obj=user, minutes=lockout_minutes)
        record(session, "login.failed", obj=user, reason=reason)
        raise DomainError(SIGN_IN_FAILED)
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    record(session, "login.succeeded", actor_id=user.id, obj=user)
    return user


def set_password(session: Session, user: User, new_password: str, *, reason: str) -> None:
    """Set a new password and end every existing session of that person."""
    check_password_strength(new_password, email=user.email, name=user.display_name)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.failed_login_count = 0
    user.locked_until = None
    revoke_all_sessions(session, user, reason=reason)
    session.flush()
    record(session, "password.changed", obj=user, how=reason)


def change_password(session: Session, user: User, current_password: str, new_password: str) -> None:
    if not verify_password(user.password_hash, current_password):
        raise DomainError("Your current password is not right.", field="current_password")
    if current_password == new_password:
        raise DomainError("Choose a password different from your current one.", field="password")
    set_password(session, user, new_password, reason="password changed")


def _fingerprint(user: User) -> str:
    # Part of the token: once the password changes, every earlier reset link stops working.
    return hashlib.sha256((user.password_hash or "unset").encode()).hexdigest()[:16]


def make_reset_token(secret_key: str, user: User) -> str:
    serializer = URLSafeTimedSerializer(secret_key, salt=_RESET_SALT)
    return serializer.dumps({"user": user.id, "fp": _fingerprint(user)})


def user_for_reset_token(
    session: Session, secret_key: str, token: str, *, max_age_hours: int
) -> User:
    serializer = URLSafeTimedSerializer(secret_key, salt=_RESET_SALT)
    try:
        data = serializer.loads(token, max_age=max_age_hours * 3600)
    except SignatureExpired:
        raise DomainError(
            "This link has expired. Links to set a password last a short time to keep your "
            "account safe. Ask for a new one below."
        ) from None
    except BadSignature:
        raise DomainError("This link is not valid. Ask for a new one below.") from None
    user = session.get(User, data.get("user")) if isinstance(data, dict) else None
    if user is None or user.is_disabled or data.get("fp") != _fingerprint(user):
        raise DomainError(
            "This link has already been used or is no longer valid. Ask for a new one below."
        )
    return user


def reset_password(
    session: Session, secret_key: str, token: str, new_password: str, *, max_age_hours: int
) -> User:
    user = user_for_reset_token(session, secret_key, token, max_age_hours=max_age_hours)
    set_password(session, user, new_password, reason="password reset")
    return user
