"""Witness testimony: a witness (a placement supervisor, a colleague) confirms a statement by
an e-mailed link, without an account.

The link carries a random token; only its SHA-256 is stored. It works once and for
`WITNESS_LINK_DAYS` days. The page it opens shows the statement and the witness's own name,
nothing else about the trainee. A new request for the same evidence closes any earlier
unanswered link."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import url_for
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.accounts.operations import normalise_email
from lms.audit.operations import record
from lms.db import utcnow
from lms.errors import Conflict, DomainError
from lms.i18n import _, _l, format_number
from lms.mail.outbox import enqueue
from lms.portfolio.models import Evidence, EvidenceType, WitnessStatement

WITNESS_LINK_DAYS = 14
WITNESS_SUBJECT = _l("Please confirm a statement")
ALREADY_ANSWERED = _l("This statement has already been answered. Thank you.")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _required(value: str | None, field: str, message: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field)
    if len(value) > limit:
        raise DomainError(
            _("Please keep this to %(limit)s characters.", limit=format_number(limit)), field=field
        )
    return value


def ask_witness(
    session: Session,
    evidence: Evidence,
    requested_by: User,
    *,
    name: str,
    role: str,
    email: str,
    trainee_name: str,
) -> tuple[WitnessStatement, str]:
    """Ask the witness of `evidence` (witness testimony) to confirm its statement: a new
    request with a single-use link e-mailed to her, and its token."""
    if evidence.evidence_type != EvidenceType.WITNESS_TESTIMONY:
        raise DomainError(_("Only a witness testimony can be sent to a witness to confirm."))
    statement = (evidence.description or "").strip()
    if not statement:
        raise DomainError(
            _("Please write the statement in the description first, so the witness can read it.")
        )
    name = _required(name, "name", _("Please give the witness's name."), 120)
    role = _required(
        role, "role", _("Please say who the witness is, such as “placement supervisor”."), 120
    )
    email = normalise_email(email or "")
    now = utcnow()
    # An earlier link not yet answered stops working: only the newest request counts.
    session.execute(
        update(WitnessStatement)
        .where(WitnessStatement.evidence_id == evidence.id, WitnessStatement.answered_at.is_(None))
        .values(token_hash=None)
    )
    token = secrets.token_urlsafe(24)
    request = WitnessStatement(
        evidence_id=evidence.id,
        organisation_id=evidence.organisation_id,
        witness_name=name,
        witness_role=role,
        witness_email=email,
        statement=statement,
        token_hash=token_hash(token),
        requested_by_id=requested_by.id,
        requested_at=now,
        expires_at=now + timedelta(days=WITNESS_LINK_DAYS),
    )
    session.add(request)
    session.flush()
    enqueue(
        session,
        email,
        WITNESS_SUBJECT,
        "witness_confirmation",
        recipient=None,  # someone outside the site: the trainee's language
        witness_name=name,
        trainee_name=trainee_name,
        link=url_for("witness.confirm", token=token, _external=True),
        days=WITNESS_LINK_DAYS,
    )
    record(
        session,
        "evidence.witness_asked",
        obj=request,
        organisation_id=evidence.organisation_id,
        evidence_id=evidence.id,
    )
    return request, token


def statement_for_token(session: Session, token: str) -> WitnessStatement | None:
    """The unanswered, unexpired request `token` opens, or None (wrong, old, used alike)."""
    if not token or len(token) > 100:
        return None
    statement = session.scalar(
        select(WitnessStatement).where(WitnessStatement.token_hash == token_hash(token))
    )
    if statement is None or statement.answered or statement.expires_at <= utcnow():
        return None
    return statement


def answer(session: Session, statement: WitnessStatement, *, confirmed: bool, note: str) -> None:
    """The witness confirms the statement, or says it is not right (with a short note). The
    link is spent by a conditional UPDATE, so two answers at once count once."""
    note = (note or "").strip()
    if not confirmed and not note:
        raise DomainError(_("Please say briefly what is not right."), field="note")
    if len(note) > 2000:
        raise DomainError(
            _("Please keep the note to %(limit)s characters.", limit=format_number(2000)),
            field="note",
        )
    now = utcnow()
    spent = session.execute(
        update(WitnessStatement)
        .where(
            WitnessStatement.id == statement.id,
            WitnessStatement.answered_at.is_(None),
            WitnessStatement.token_hash.is_not(None),
        )
        .values(answered_at=now, confirmed=confirmed, note=note, token_hash=None)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        raise Conflict(str(ALREADY_ANSWERED))
    session.refresh(statement)
    record(
        session,
        "evidence.witness_confirmed" if confirmed else "evidence.witness_not_confirmed",
        obj=statement,
        organisation_id=statement.organisation_id,
        evidence_id=statement.evidence_id,
    )


def latest_statements(session: Session, evidence_ids) -> dict[int, WitnessStatement]:
    """{evidence id: its newest witness request} (one query)."""
    ids = list(evidence_ids)
    if not ids:
        return {}
    latest: dict[int, WitnessStatement] = {}
    for statement in session.scalars(
        select(WitnessStatement)
        .where(WitnessStatement.evidence_id.in_(ids))
        .order_by(WitnessStatement.requested_at, WitnessStatement.id)
    ):
        latest[statement.evidence_id] = statement
    return latest


def trainee_name(session: Session, statement: WitnessStatement) -> str:
    """The name of the person the statement is about, as the witness is shown it."""
    return session.scalar(
        select(User.display_name)
        .join(Evidence, Evidence.owner_id == User.id)
        .where(Evidence.id == statement.evidence_id)
    )
