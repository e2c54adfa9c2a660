"""The optional second step at sign-in: a code from an authenticator app (TOTP, RFC 6238), or
one of her single-use recovery codes.

Staff may turn it on; in production (ALONGSIDE_ENV=production) an administrator must set it
up before she can use anything else. A code is accepted once only (the time step it belongs
to is remembered), wrong codes are slowed down like wrong passwords (accounts.throttle), and
recovery codes are kept only as argon2 hashes. Functions flush; the caller commits.
"""

from __future__ import annotations

import hmac
import re
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lms.accounts import throttle
from lms.accounts.models import RecoveryCode, User
from lms.accounts.passwords import hash_password, verify_password
from lms.accounts.roles import STAFF_ROLES, Role
from lms.audit.operations import record
from lms.db import utcnow
from lms.errors import DomainError
from lms.i18n import _, _l

ISSUER = "Alongside"
RECOVERY_CODES = 10
# A code from the step before or after the current one is accepted too (clocks drift).
_DRIFT_STEPS = 1
CODE_REFUSED = _l("That code did not work. Check the code in your app, or use a recovery code.")


def is_on(user: User) -> bool:
    return user.totp_confirmed_at is not None


def may_use(user: User) -> bool:
    """Staff may turn the second step on (and keep it, once on)."""
    return bool(user.roles & STAFF_ROLES) or is_on(user)


def required_for(user: User, environment: str) -> bool:
    return environment == "production" and Role.ADMIN in user.roles


def identity(user: User) -> str:
    return f"user:{user.id}"


# --- setting it up ----------------------------------------------------------------------------


def start_setup(session: Session, user: User) -> str:
    """A new secret for her app (not in force until she types a first code from it)."""
    if is_on(user):
        raise DomainError(_("The second step is already on for your account."))
    import pyotp

    user.totp_secret = pyotp.random_base32()
    user.totp_last_step = None
    session.flush()
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    import pyotp

    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_svg(user: User) -> str:
    """The set-up link as a QR code, an inline SVG made here (nothing fetched elsewhere)."""
    import segno  # loaded with the first QR code, not at start-up

    return segno.make(provisioning_uri(user), error="m").svg_inline(
        scale=5, dark="#000", light="#fff", title=_("QR code to scan with your app")
    )


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _digits(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "")


def _matching_step(user: User, code: str, now) -> int | None:
    code = _digits(code)
    if not user.totp_secret or not re.fullmatch(r"\d{6}", code):
        return None
    import pyotp

    totp = pyotp.TOTP(user.totp_secret)
    current = totp.timecode(now)
    for step in range(current - _DRIFT_STEPS, current + _DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def confirm_setup(session: Session, user: User, code: str) -> list[str]:
    """She typed a first code from her app: the second step is on. Returns her recovery
    codes, shown to her once."""
    if is_on(user) or not user.totp_secret:
        raise DomainError(_("Please start setting up again."))
    step = _matching_step(user, code, utcnow())
    if step is None:
        raise DomainError(
            _(
                "That code does not match. Check that the time on your phone is right and type "
                "the code your app shows now."
            ),
            field="code",
        )
    user.totp_confirmed_at = utcnow()
    user.totp_last_step = step
    codes = new_recovery_codes(session, user)
    record(session, "second_step.enabled", obj=user)
    return codes


def new_recovery_codes(session: Session, user: User) -> list[str]:
    """Ten new single-use recovery codes (any earlier ones stop working)."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=hash_password(c)) for c in codes)
    session.flush()
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def recovery_codes_left(session: Session, user: User) -> int:
    return len(_unused_codes(session, user))


def turn_off(session: Session, user: User, password: str, *, environment: str) -> None:
    if required_for(user, environment):
        raise DomainError(_("Administrators need the second step here: it cannot be turned off."))
    if not verify_password(user.password_hash, password):
        raise DomainError(_("Your password is not right."), field="password")
    _remove(session, user)
    record(session, "second_step.disabled", obj=user)


def remove_for_lost_phone(session: Session, user: User) -> None:
    """For someone who has lost her phone and her recovery codes, at the command line: her
    second step is removed (an administrator in production sets it up again at her next
    sign-in)."""
    _remove(session, user)
    record(session, "second_step.removed", obj=user)


def _remove(session: Session, user: User) -> None:
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.flush()


# --- at sign-in -------------------------------------------------------------------------------


def _unused_codes(session: Session, user: User) -> list[RecoveryCode]:
    return list(
        session.scalars(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
    )


def _use_recovery_code(session: Session, user: User, code: str) -> bool:
    typed = _digits(code).lower()
    if not re.fullmatch(r"[0-9a-f]{10}", typed):
        return False
    for stored in _unused_codes(session, user):
        if verify_password(stored.code_hash, typed):
            stored.used_at = utcnow()
            record(session, "second_step.recovery_code_used", obj=user)
            return True
    return False


def _use_app_code(user: User, code: str, now) -> bool:
    step = _matching_step(user, code, now)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False  # wrong, or a code already used (or an older one): never twice
    user.totp_last_step = step
    return True


def verify(
    session: Session, user: User, code: str, *, address: str, policy: throttle.Policy
) -> None:
    """Accept a code from her app, or one of her recovery codes, or raise DomainError."""
    now = utcnow()
    wait = throttle.required_wait(session, throttle.SECOND_STEP, address, identity(user), now)
    if wait:
        raise DomainError(throttle.wait_message(wait, about_passwords=False), field="code")
    if _use_app_code(user, code, now) or _use_recovery_code(session, user, code):
        throttle.clear_for_address(session, throttle.SECOND_STEP, address, identity(user))
        session.flush()
        return
    throttle.count_failure(session, throttle.SECOND_STEP, address, identity(user), now, policy)
    record(session, "login.second_step_failed", obj=user)
    raise DomainError(str(CODE_REFUSED), field="code")
