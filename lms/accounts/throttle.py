"""Slowing down guessing, without ever locking anyone out.

Failed attempts are counted in the database (so every worker and instance shares the count)
twice over: per client address, and per e-mail address typed from that client address. A key
never depends on whether an account exists, so an address with an account and one without are
slowed down alike. After `free` failures each further attempt must wait, twice as long each
time up to `max_wait`; an attempt made while it must wait is not checked at all and does not
count.

Attempts at the same moment, in other workers or on other machines, are counted one after the
other: `required_wait` first locks both of an attempt's rows (one INSERT ... ON CONFLICT DO
UPDATE, making a row with no failures where there is none yet, always the client address's row
first), and the
lock is held until the attempt's transaction ends, after its password was checked and its
failure counted. Without it, attempts sent all at once would all read "no wait" before any
of them had been counted.

Nothing is kept on the account: someone guessing from elsewhere slows down only herself, and
the owner signs in from her own address as usual (a password reset also clears every count for
her address). A count is forgotten `forget_after` its last failure.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.accounts.models import SignInThrottle
from lms.i18n import _, ngettext

SIGN_IN = "sign_in"
SECOND_STEP = "second_step"
_ADDRESS_ONLY = ""


@dataclass(frozen=True)
class Limits:
    free: int
    first_wait: timedelta = timedelta(seconds=30)
    max_wait: timedelta = timedelta(minutes=15)
    forget_after: timedelta = timedelta(hours=24)

    def wait_after(self, failures: int) -> timedelta:
        if failures < self.free:
            return timedelta(0)
        return min(self.first_wait * 2 ** min(failures - self.free, 20), self.max_wait)


@dataclass(frozen=True)
class Policy:
    """The limits for one client address, and for one e-mail address typed from it."""

    per_address: Limits
    per_account: Limits


def policy_from_config(config) -> Policy:
    return Policy(
        per_address=Limits(
            free=config["LOGIN_ADDRESS_FREE_FAILURES"],
            max_wait=timedelta(seconds=config["LOGIN_MAX_WAIT_SECONDS"]),
        ),
        per_account=Limits(
            free=config["LOGIN_FREE_FAILURES"],
            max_wait=timedelta(seconds=config["LOGIN_MAX_WAIT_SECONDS"]),
        ),
    )


def digest(identity: str) -> str:
    """What a count is kept under: never the e-mail address itself."""
    return hashlib.sha256(identity.strip().lower().encode()).hexdigest()


def _keys(kind: str, address: str, identity: str) -> list[tuple[str, str, str]]:
    address = (address or "unknown")[:45]
    return [(kind, address, _ADDRESS_ONLY), (kind, address, digest(identity))]


def _where(key: tuple[str, str, str]) -> tuple:
    kind, address, key_digest = key
    return (
        SignInThrottle.kind == kind,
        SignInThrottle.address == address,
        SignInThrottle.email_digest == key_digest,
    )


def _either(keys: list[tuple[str, str, str]]):
    return or_(*(and_(*_where(key)) for key in keys))


def _lock(session: Session, keys: list[tuple[str, str, str]], now: datetime) -> None:
    """Hold the rows of `keys` until the transaction ends, made (with no failures) where
    missing: one INSERT ... ON CONFLICT DO UPDATE, which takes the lock of a row that is there
    as an UPDATE would and makes the one that is not, in the order given, so two attempts
    never wait for each other's second row while holding their first."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(SignInThrottle).values(
        [
            {
                "kind": kind,
                "address": address,
                "email_digest": key_digest,
                "failures": 0,
                "last_failure_at": now,
            }
            for kind, address, key_digest in keys
        ]
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["kind", "address", "email_digest"],
            set_={"failures": SignInThrottle.__table__.c.failures},
        ).execution_options(synchronize_session=False)
    )


def current_wait(
    session: Session, kind: str, address: str, identity: str, now: datetime
) -> timedelta:
    """How long an attempt must wait as things stand, read without taking any lock (zero: go
    ahead for now; `required_wait` decides, under the locks)."""
    waits = [timedelta(0)]
    for wait_until in session.scalars(
        select(SignInThrottle.wait_until).where(_either(_keys(kind, address, identity)))
    ):
        if wait_until is not None and wait_until > now:
            waits.append(wait_until - now)
    return max(waits)


def required_wait(
    session: Session, kind: str, address: str, identity: str, now: datetime
) -> timedelta:
    """How long an attempt from `address` for `identity` must still wait (zero: go ahead).

    Locks the attempt's rows until the caller's transaction ends: another attempt from the
    same client address waits here until this one has been counted."""
    keys = _keys(kind, address, identity)
    _lock(session, keys, now)
    wait = current_wait(session, kind, address, identity, now)
    if wait:  # not checked, so not counted: a row made only to be locked is not kept
        _forget_unfailed(session, keys)
    return wait


def _forget_unfailed(session: Session, keys: list[tuple[str, str, str]]) -> None:
    session.execute(
        delete(SignInThrottle)
        .where(_either(keys), SignInThrottle.failures == 0)
        .execution_options(synchronize_session=False)
    )


def _count(session: Session, key: tuple[str, str, str], now: datetime, limits: Limits) -> None:
    kind, address, key_digest = key
    where = (
        SignInThrottle.kind == kind,
        SignInThrottle.address == address,
        SignInThrottle.email_digest == key_digest,
    )
    stale = SignInThrottle.last_failure_at < now - limits.forget_after
    statement = (
        update(SignInThrottle)
        .where(*where)
        .values(
            failures=case((stale, 1), else_=SignInThrottle.failures + 1),
            last_failure_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if session.execute(statement).rowcount == 0:
        try:
            with session.begin_nested():
                session.add(
                    SignInThrottle(
                        kind=kind,
                        address=address,
                        email_digest=key_digest,
                        failures=1,
                        last_failure_at=now,
                    )
                )
        except IntegrityError:  # another request counted the first failure at the same time
            session.execute(statement)
    failures = session.scalar(select(SignInThrottle.failures).where(*where))
    wait = limits.wait_after(failures or 0)
    session.execute(
        update(SignInThrottle)
        .where(*where)
        .values(wait_until=now + wait if wait else None)
        .execution_options(synchronize_session=False)
    )


def count_failure(
    session: Session, kind: str, address: str, identity: str, now: datetime, policy: Policy
) -> None:
    by_address, by_account = _keys(kind, address, identity)
    _count(session, by_address, now, policy.per_address)
    _count(session, by_account, now, policy.per_account)


def clear_for_address(session: Session, kind: str, address: str, identity: str) -> None:
    """After a success: the count for this identity from this address starts again (the
    address's own count does not: signing in to one's own account must not wipe it; a row
    with no failures, made only to be locked, is not kept)."""
    by_address, by_account = _keys(kind, address, identity)
    session.execute(
        delete(SignInThrottle)
        .where(
            or_(
                and_(*_where(by_account)),
                and_(*_where(by_address), SignInThrottle.failures == 0),
            )
        )
        .execution_options(synchronize_session=False)
    )


def clear_everywhere(session: Session, identity: str) -> None:
    """After a password reset through her e-mailed link: every count for her, from every
    address, starts again."""
    session.execute(
        delete(SignInThrottle)
        .where(SignInThrottle.email_digest == digest(identity))
        .execution_options(synchronize_session=False)
    )


def wait_message(wait: timedelta, *, about_passwords: bool = True) -> str:
    # Rounded up to ten seconds (or a minute), so that the message does not change with how
    # long the attempt itself took.
    seconds = max(1, int(wait.total_seconds() + 0.999))
    if seconds <= 90:
        tens = (seconds + 9) // 10 * 10
        message = ngettext(
            "For your safety, please wait %(num)d second before trying again.",
            "For your safety, please wait %(num)d seconds before trying again.",
            tens,
        )
    else:
        minutes = (seconds + 59) // 60
        message = ngettext(
            "For your safety, please wait %(num)d minute before trying again.",
            "For your safety, please wait %(num)d minutes before trying again.",
            minutes,
        )
    if about_passwords:
        message += " " + _(
            "If you have forgotten your password, you can set a new one with the link below."
        )
    return message
