"""Sealing: every signed kind of record added in a transaction gets its ledger entry just
before the transaction commits, whatever code added it.

Rows are noted as they are flushed; at commit they are read back as the database holds them,
grouped by chain (organisation and kind) and appended in id order. Each chain's head row is
locked first (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the transaction already holds
the database's write lock), and the head moves on by a conditional UPDATE that only matches
the length read, so two appends at once can never both extend the same entry.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import event, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.db import utcnow
from lms.errors import Conflict
from lms.i18n import _
from lms.ledger import records, signing
from lms.ledger.canonical import GENESIS
from lms.ledger.models import LedgerChain, LedgerEntry
from lms.ledger.specs import FORM, SPECS

PENDING = "ledger_pending"
# Sealing may itself add records to sign (making an organisation's first key is audited).
MAX_ROUNDS = 5


def _context():
    from lms.accreditation.issuing import IssuingContext

    return IssuingContext.from_app()


def site_secret() -> str:
    from flask import current_app, has_app_context

    if not has_app_context():
        raise RuntimeError(
            "Signed records can only be written inside the application (its SECRET_KEY "
            "unlocks the signing keys): use `with app.app_context():`."
        )
    return current_app.config["SECRET_KEY"]


@event.listens_for(Session, "after_flush")
def _note_new_rows(session: Session, flush_context) -> None:
    for obj in session.new:
        name = getattr(obj, "__tablename__", None)
        if name in SPECS:
            session.info.setdefault(PENDING, set()).add((name, obj.id))


@event.listens_for(Session, "before_commit")
def _seal_before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    seal(session)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(PENDING, None)


def seal(session: Session) -> int:
    """Append ledger entries for every signed record added in this transaction and not yet
    sealed. Returns how many entries were written."""
    written = 0
    for _round in range(MAX_ROUNDS):
        session.flush()
        pending = session.info.pop(PENDING, None)
        if not pending:
            return written
        written += _seal(session, pending)
    session.flush()
    if session.info.get(PENDING):
        raise RuntimeError("sealing kept adding records to seal")
    return written


def _seal(session: Session, pending: set[tuple[str, int]]) -> int:
    by_table: dict[str, list[int]] = defaultdict(list)
    for name, row_id in pending:
        by_table[name].append(row_id)
    groups: dict[tuple[int, str], list[tuple[str, dict]]] = defaultdict(list)
    judgements = {}
    for name, ids in by_table.items():
        spec = SPECS[name]
        # As the database holds them, leaving out any already sealed, in one statement.
        rows = records.load_rows(
            session,
            name,
            ids,
            unless=select(LedgerEntry.id).where(
                LedgerEntry.table_name == name, LedgerEntry.row_id == records.table(name).c.id
            ),
        )
        if name == "assessment_decision":
            judgements = records.load_judgements(session, rows)
        scope_of = records.scopes(session, spec, rows.values())
        for row_id, row in rows.items():
            groups[(scope_of[row_id], spec.kind(row))].append((name, row))
    secret_key = site_secret() if groups else ""
    for (scope, kind), items in sorted(groups.items()):
        signer = signing.signer_for(session, scope, secret_key, _context)
        items.sort(key=lambda item: (item[0], item[1]["id"]))
        _append(session, scope, kind, items, judgements, signer)
    return sum(len(items) for items in groups.values())


def _locked_chain(session: Session, scope: int, kind: str):
    chains = LedgerChain.__table__
    where = (chains.c.scope == scope) & (chains.c.kind == kind)
    found = session.execute(select(chains).where(where).with_for_update()).first()
    if found is not None:
        return found
    try:
        with session.begin_nested():
            session.execute(
                insert(chains).values(
                    scope=scope, kind=kind, length=0, head_hash=GENESIS, updated_at=utcnow()
                )
            )
    except IntegrityError:
        pass  # another transaction made the chain a moment ago
    return session.execute(select(chains).where(where).with_for_update()).one()


def _append(session, scope, kind, items, judgements, signer) -> None:
    chain = _locked_chain(session, scope, kind)
    previous, position = chain.head_hash, chain.length
    for name, row in items:
        spec = SPECS[name]
        payload, commitments = records.statement(spec, row, judgements.get(row["id"]))
        position += 1
        digest = records.entry_hash(
            scope=scope,
            kind=kind,
            position=position,
            previous=previous,
            table_name=name,
            payload=payload,
            commitments=commitments,
        )
        session.execute(
            insert(LedgerEntry.__table__).values(
                chain_id=chain.id,
                position=position,
                table_name=name,
                row_id=row["id"],
                form=FORM,
                commitments=commitments,
                previous_hash=previous,
                entry_hash=digest,
                kid=signer.kid,
                signature=signer.sign(digest),
                signed_at=utcnow(),
            )
        )
        previous = digest
    head_signer = signing.head_signer(site_secret(), scope)
    head = head_signer.sign(records.head_statement(scope, kind, position, previous))
    chains = LedgerChain.__table__
    moved = session.execute(
        update(chains)
        .where(chains.c.id == chain.id, chains.c.length == chain.length)
        .values(length=position, head_hash=previous, head_signature=head, updated_at=utcnow())
    )
    if moved.rowcount != 1:
        raise Conflict(_("Someone else was saving at the same moment. Please try again."))


def seal_existing(session: Session) -> int:
    """Sign and chain every record of a signed kind not yet in the ledger, oldest first (the
    upgrade that brought in the ledger does this once for what was already there)."""
    from lms.ledger.records import table

    pending = session.info.setdefault(PENDING, set())
    for name in SPECS:
        pending.update((name, row_id) for row_id in session.scalars(select(table(name).c.id)))
    return seal(session)
