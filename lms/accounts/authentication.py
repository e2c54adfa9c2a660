"""Checking who someone is: sign-in (slowed down, never locked: see accounts.throttle),
password changes and reset tokens, and ending everything a password vouched for."""

from __future__ import annotations

import hashlib
from typing import NoReturn

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from lms.accounts import second_step, throttle
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
from lms.i18n import _, _l

# One message for every failed sign-in, so the answer never says whether an email has an account.
SIGN_IN_FAILED = _l("That email and password do not match an account. Check them and try again.")

_RESET_SALT = "alongside.password-reset"


def authenticate(
    session: Session, email: str, password: str, *, address: str, policy: throttle.Policy
) -> User:
    """Return the user for a correct email and password, or raise DomainError.

    Every path costs one argon2 verification and answers from what was typed only: an unknown
    address, a wrong password, a disabled account and a wait all look alike from outside,
    except that a wait says how long it is (and is the same for any address typed)."""
    now = utcnow()
    typed = email.strip().lower()[:254]
    # A first look, with no lock taken: an attempt that must wait is refused at once.
    if wait := throttle.current_wait(session, throttle.SIGN_IN, address, typed, now):
        burn_time_for_unknown_user(password)
        _refuse_for_now(session, typed, wait)
    # The password is checked with nothing held, so sign-ins (a class signing in together
    # behind one address, say) are checked side by side rather than one at a time.
    user = find_user_by_email(session, email)
    if user is None:
        burn_time_for_unknown_user(password)
        good, reason = False, "unknown email"
    else:
        good = verify_password(user.password_hash, password) and not user.is_disabled
        reason = "disabled" if user.is_disabled else "wrong password"
    # Then the count, under the attempt's locks: when attempts checked at the same time have
    # filled the limit meanwhile, this one waits as they do, whatever its password, so no
    # more attempts are answered than the limit allows.
    if wait := throttle.required_wait(session, throttle.SIGN_IN, address, typed, now):
        _refuse_for_now(session, typed, wait)
    if not good:
        throttle.count_failure(session, throttle.SIGN_IN, address, typed, now, policy)
        if user is None:
            record(session, "login.failed", reason=reason, email=typed)
        else:
            record(session, "login.failed", obj=user, reason=reason)
        raise DomainError(str(SIGN_IN_FAILED))
    throttle.clear_for_address(session, throttle.SIGN_IN, address, typed)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _refuse_for_now(session: Session, typed: str, wait) -> NoReturn:
    record(session, "login.throttled", email=typed, seconds=int(wait.total_seconds()))
    raise DomainError(throttle.wait_message(wait))


def signed_in(session: Session, user: User, *, language: str | None = None) -> None:
    """She has proved who she is (her password, and her second step when she has one).

    `language` is the one the site spoke to her in; with no choice of her own yet, it becomes
    hers, so what is sent to her later (e-mail, digests) is in the language she reads."""
    user.last_login_at = utcnow()
    if user.locale is None and language:
        user.locale = language
    record(session, "login.succeeded", actor_id=user.id, obj=user)


def end_credentials(session: Session, user: User, *, reason: str, except_token: str | None = None):
    """End every session (but `except_token`'s) and every API token of `user`: what her
    password or her sessions vouched for no longer stands."""
    user.credentials_epoch = (user.credentials_epoch or 0) + 1
    count = revoke_all_sessions(session, user, reason=reason, except_token=except_token)
    session.flush()
    return count


def sign_out_everywhere(session: Session, user: User, *, except_token: str | None) -> int:
    """Sign out on every other device; her API tokens stop working too."""
    count = end_credentials(
        session, user, reason="signed out everywhere", except_token=except_token
    )
    record(session, "sessions.revoked", obj=user, count=count)
    return count


def set_password(session: Session, user: User, new_password: str, *, reason: str) -> None:
    """Set a new password and end every existing session of that person."""
    check_password_strength(new_password, email=user.email, name=user.display_name)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    end_credentials(session, user, reason=reason)
    record(session, "password.changed", obj=user, how=reason)


def change_password(session: Session, user: User, current_password: str, new_password: str) -> None:
    if not verify_password(user.password_hash, current_password):
        raise DomainError(_("Your current password is not right."), field="current_password")
    if current_password == new_password:
        raise DomainError(_("Choose a password different from your current one."), field="password")
    set_password(session, user, new_password, reason="password changed")


def _fingerprint(user: User) -> str:
    # Part of the token: once the password changes, every earlier reset link stops working.
    return hashlib.sha256((user.password_hash or "unset").encode()).hexdigest()[:16]


def make_reset_token(secret_key: str, user: User, *, valid_hours: int | None = None) -> str:
    """A single-use link token to set `user`'s password. A reset lasts the caller's default
    (`max_age_hours` when it is read); an invitation says in the signed token how long it
    lasts (`valid_hours`), since she may not read her e-mail for days."""
    serializer = URLSafeTimedSerializer(secret_key, salt=_RESET_SALT)
    payload = {"user": user.id, "fp": _fingerprint(user)}
    if valid_hours is not None:
        payload["hours"] = valid_hours
    return serializer.dumps(payload)


def _token_payload(secret_key: str, token: str, default_hours: int) -> dict:
    serializer = URLSafeTimedSerializer(secret_key, salt=_RESET_SALT)
    data = serializer.loads(token)  # the signature first: the age is read from the payload
    hours = data.get("hours", default_hours) if isinstance(data, dict) else default_hours
    if not isinstance(hours, int) or isinstance(hours, bool):
        raise BadSignature("unreadable lifetime")
    return serializer.loads(token, max_age=hours * 3600)


def user_for_reset_token(
    session: Session, secret_key: str, token: str, *, max_age_hours: int
) -> User:
    try:
        data = _token_payload(secret_key, token, max_age_hours)
    except SignatureExpired:
        raise DomainError(
            _(
                "This link has expired. Links to set a password last a short time to keep your "
                "account safe. Ask for a new one below."
            )
        ) from None
    except BadSignature:
        raise DomainError(_("This link is not valid. Ask for a new one below.")) from None
    user = session.get(User, data.get("user")) if isinstance(data, dict) else None
    if user is None or user.is_disabled or data.get("fp") != _fingerprint(user):
        raise DomainError(
            _("This link has already been used or is no longer valid. Ask for a new one below.")
        )
    return user


def reset_password(
    session: Session, secret_key: str, token: str, new_password: str, *, max_age_hours: int
) -> User:
    user = user_for_reset_token(session, secret_key, token, max_age_hours=max_age_hours)
    complete_reset(session, user, new_password)
    return user


def complete_reset(session: Session, user: User, new_password: str) -> None:
    """She followed the link e-mailed to her: her new password, and every wait on signing in
    to her account, from any address, is lifted."""
    set_password(session, user, new_password, reason="password reset")
    throttle.clear_everywhere(session, user.email)
    throttle.clear_everywhere(session, second_step.identity(user))
