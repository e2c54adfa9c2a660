"""Work that must wait for the database: run something only once the current transaction has
committed, or only if it does not.

    after_commit(session, lambda: move_into_place(...))   # the row is safely stored
    on_rollback(session, lambda: path.unlink(...))        # the row never existed

Both are keyed on the session (`session.info`), so they work wherever a transaction ends: the
request's one commit in `lms.web`, a CLI command's own commit, a test's `session.commit()`.
A savepoint that rolls back (`session.begin_nested()`) runs the rollback actions registered
inside it at once and forgets their commit actions; a transaction that ends without a commit
(a rollback, or the session closed) runs its rollback actions. An action that fails is logged
and does not stop the others: the database has already decided, so a failure here leaves at
worst a file for `flask --app app evidence check` to put right.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)

_KEY = "lms.aftercommit"

Action = Callable[[], object]


@dataclass
class _Pending:
    owner: SessionTransaction
    on_commit: Action | None
    on_rollback: Action | None


def _innermost(session: Session) -> SessionTransaction:
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is None:
        transaction = session.begin()
    return transaction


def _register(session: Session, on_commit: Action | None, on_rollback: Action | None) -> None:
    session.info.setdefault(_KEY, []).append(_Pending(_innermost(session), on_commit, on_rollback))


def after_commit(session: Session, action: Action) -> None:
    """Run `action` after the session's transaction commits (never if it rolls back)."""
    _register(session, action, None)


def on_rollback(session: Session, action: Action) -> None:
    """Run `action` if the session's transaction (or the savepoint it is in) rolls back."""
    _register(session, None, action)


def _run(actions: list[Action | None]) -> None:
    for action in actions:
        if action is None:
            continue
        try:
            action()
        except Exception:
            log.exception("An action waiting for the end of a transaction failed")


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    pending = session.info.pop(_KEY, [])
    _run([p.on_commit for p in pending])


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous: SessionTransaction) -> None:
    pending = session.info.get(_KEY)
    if not pending:
        return
    undone = [p for p in pending if _within(p.owner, previous)]
    session.info[_KEY] = [p for p in pending if not _within(p.owner, previous)]
    _run([p.on_rollback for p in undone])


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    # A transaction that ends with neither a commit nor a rollback (the session closed).
    if transaction.parent is None and (pending := session.info.pop(_KEY, [])):
        _run([p.on_rollback for p in pending])
