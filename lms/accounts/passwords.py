"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import threading
from contextlib import suppress

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from lms.errors import DomainError
from lms.i18n import _

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Each hash takes its memory_cost (19 MiB) while it runs. A worker answers with several threads,
# and a class signing in together would have every one of them hashing at once; two at a time
# a worker keep both cores of a small server busy, and the others wait their turn.
_HASHING = threading.BoundedSemaphore(2)
# Verifying against this when the email is unknown keeps the timing of both answers alike.
_DUMMY_HASH = _hasher.hash("not-a-real-password-only-for-timing")


def configure_hasher(*, time_cost: int, memory_cost: int, parallelism: int = 1) -> None:
    """Set argon2id's cost (ARGON2_TIME_COST, ARGON2_MEMORY_COST_KIB, ARGON2_PARALLELISM).
    Lower it only for tests. A hash stored with other settings is made again at its owner's
    next sign-in (`needs_rehash`)."""
    global _hasher, _DUMMY_HASH
    wanted = (time_cost, memory_cost, parallelism)
    if (_hasher.time_cost, _hasher.memory_cost, _hasher.parallelism) == wanted:
        return
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    _DUMMY_HASH = _hasher.hash("not-a-real-password-only-for-timing")


MIN_LENGTH = 10
MAX_LENGTH = 256
_COMMON = frozenset(
    {
        "password",
        "password1",
        "password123",
        "passw0rd",
        "qwerty123",
        "1234567890",
        "12345678910",
        "iloveyou123",
        "letmein123",
        "welcome123",
        "abc1234567",
        "qwertyuiop",
        "football123",
        "monkey1234",
        "sunshine12",
        "princess12",
        "mentoring1",
        "alongside1",
        "changeme123",
        "administrator",
    }
)


def hash_password(password: str) -> str:
    with _HASHING:
        return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        _burn_time(password)
        return False
    try:
        with _HASHING:
            return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _burn_time(password: str) -> None:
    with _HASHING, suppress(VerificationError):
        _hasher.verify(_DUMMY_HASH, password)


def burn_time_for_unknown_user(password: str) -> None:
    _burn_time(password)


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made with other settings (or another argon2 variant) than
    the ones in use, and should be made again while the password is at hand."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def check_password_strength(password: str, *, email: str = "", name: str = "") -> None:
    """Raise DomainError explaining what to change when a password is too weak."""
    if len(password) < MIN_LENGTH:
        raise DomainError(
            _(
                "Choose a password of at least %(num)d characters. "
                "A few unrelated words together work well.",
                num=MIN_LENGTH,
            ),
            field="password",
        )
    if len(password) > MAX_LENGTH:
        raise DomainError(
            _("Passwords can be at most %(num)d characters.", num=MAX_LENGTH), field="password"
        )
    lowered = password.lower()
    if lowered in _COMMON or len(set(lowered)) < 4:
        raise DomainError(
            _("That password is too easy to guess. Try a few unrelated words together."),
            field="password",
        )
    local_part = email.split("@")[0].lower()
    if (local_part and len(local_part) >= 4 and local_part in lowered) or (
        name and len(name) >= 4 and name.lower().replace(" ", "") in lowered.replace(" ", "")
    ):
        raise DomainError(
            _("Your password should not contain your name or email address."), field="password"
        )
