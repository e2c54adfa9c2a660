"""Two records signed at the same moment, in two transactions on two connections, never fork
a chain: each entry follows the other, and the chain verifies."""

from __future__ import annotations

import contextlib
import threading

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.audit.operations import record
from lms.ledger import operations as ledger
from lms.ledger.checks import verify_all
from lms.ledger.models import LedgerChain, LedgerEntry
from tests.factories import PartnerFactory

SECRET = "test-secret-key-that-is-long-enough-for-tests"


def test_two_appends_at_once_do_not_fork_the_chain(app, session, monkeypatch):
    partner = PartnerFactory()
    record(session, "example.first", organisation_id=partner.id)
    session.commit()  # the chain and the organisation's key exist before the race
    barrier = threading.Barrier(2)
    read_head = ledger._locked_chain

    def read_then_wait(*args, **kwargs):
        head = read_head(*args, **kwargs)
        # A broken barrier: the other append is waiting for this one's lock.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=1)
        return head

    monkeypatch.setattr(ledger, "_locked_chain", read_then_wait)
    engine = session.get_bind()
    outcomes: dict[int, str] = {}

    def append(index: int) -> None:
        with app.app_context(), Session(engine) as own:
            record(own, f"example.racer{index}", organisation_id=partner.id)
            own.commit()
            outcomes[index] = "signed"

    threads = [threading.Thread(target=append, args=(index,)) for index in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes == {0: "signed", 1: "signed"}
    chain = session.scalar(
        select(LedgerChain).where(LedgerChain.scope == partner.id, LedgerChain.kind == "audit")
    )
    positions = list(
        session.scalars(
            select(LedgerEntry.position)
            .where(LedgerEntry.chain_id == chain.id)
            .order_by(LedgerEntry.position)
        )
    )
    assert positions == list(range(1, chain.length + 1))
    assert chain.length >= 3
    assert verify_all(session, SECRET) == []
