"""Erasing a person, by an administrator, under a documented retention rule.

Her personal data goes: her name and e-mail become a pseudonym, her password, date of birth
and sign-in sessions go, and every capability removes what it holds about her through the
"erase_person" hook (evidence text and files, assessors' feedback, quiz answers, the name on
a certificate). What the awarding body must keep stays, pseudonymised: the fact of each unit
and award with its codes, credits and dates, decisions' outcomes, and the signed ledger, whose
entries hold only digests of the text that was removed, so every chain still verifies.

The erasure is audited without naming her: the event names the account by its number, the
rule, and who erased it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from lms import capabilities
from lms.accounts.models import AuthSession, User
from lms.audit.models import AuditEvent
from lms.audit.operations import record
from lms.db import utcnow
from lms.errors import DomainError
from lms.i18n import _, _l

PSEUDONYM_DOMAIN = "erased.example"


class ErasureRule(StrEnum):
    """The retention rules under which a person may be erased (see README, "Erasure")."""

    REQUEST = "request"
    RETENTION_ENDED = "retention_ended"

    @property
    def label(self) -> str:
        return {
            "request": _l("She asked for her personal data to be erased"),
            "retention_ended": _l("The retention period for her records has ended"),
        }[self.value]


@dataclass(frozen=True)
class Erasure:
    user_id: int
    pseudonym: str
    rule: ErasureRule


def pseudonym_for(user: User, secret_key: str) -> str:
    digest = hashlib.sha256(f"{secret_key}:erased:{user.id}".encode()).hexdigest()
    return f"Former member {digest[:8].upper()}"


def is_erased(user: User) -> bool:
    return user.email.endswith(f"@{PSEUDONYM_DOMAIN}")


def erase_person(
    session: Session, person: User, by: User | None, rule: ErasureRule | str, *, secret_key: str
) -> Erasure:
    """Erase `person` (flushes; the caller commits, then evidence files go, see
    lms.portfolio.erasure). `by` is the administrator (None from the command line); the
    permission is the caller's to check."""
    try:
        rule = ErasureRule(rule)
    except ValueError:
        raise DomainError(_("Please choose the rule this erasure follows."), field="rule") from None
    if by is not None and person.id == by.id:
        raise DomainError(_("You cannot erase your own account."))
    if is_erased(person):
        raise DomainError(_("This person's personal data has already been erased."))
    for hook in capabilities.hooks("erase_person"):
        hook(session, person)
    pseudonym = pseudonym_for(person, secret_key)
    token = pseudonym.rsplit(" ", 1)[-1].lower()
    person.display_name = pseudonym
    person.email = f"erased-{token}@{PSEUDONYM_DOMAIN}"
    person.password_hash = None
    person.date_of_birth = None
    person.is_disabled = True
    person.last_login_at = None
    session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == person.id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason="erased")
    )
    # Where she acted and what was written about her: the addresses and details go, the
    # fact of each event stays (the ledger keeps their digests, so the chain still holds).
    session.execute(
        update(AuditEvent)
        .where(
            or_(
                AuditEvent.actor_id == person.id,
                (AuditEvent.object_type == "User") & (AuditEvent.object_id == str(person.id)),
            )
        )
        .values(ip_address=None, detail=None)
    )
    session.flush()
    record(
        session,
        "person.erased",
        object_type="User",
        object_id=person.id,
        rule=rule.value,
        erased_by=by.id if by is not None else None,
    )
    return Erasure(person.id, pseudonym, rule)
