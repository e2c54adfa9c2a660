"""Every signed kind of record is chained and signed as it is written, and `verify` says so."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.ledger import operations
from lms.ledger.checks import verify_all
from lms.ledger.models import LedgerChain, LedgerEntry

SECRET = "test-secret-key-that-is-long-enough-for-tests"


def test_a_whole_history_verifies(history, session):
    assert verify_all(session, SECRET) == []
    kinds = set(session.scalars(select(LedgerChain.kind)))
    assert {"decision", "iqa_review", "award", "revocation", "audit", "unit_achievement"} <= kinds
    entries = session.scalar(select(func.count()).select_from(LedgerEntry))
    assert entries > 20


def test_the_command_says_all_is_well(history, runner):
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 0, result.output
    assert "chains verify" in result.output


def test_a_record_is_sealed_once_however_often_it_is_offered(history, session):
    """Sealing takes only the records no entry holds yet: offered again (a record written in a
    transaction that is sealed in rounds, or sealed again by hand), nothing is appended."""
    entry = session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)).first()
    before = session.scalar(select(func.count()).select_from(LedgerEntry))
    session.info.setdefault(operations.PENDING, set()).add((entry.table_name, entry.row_id))
    assert operations.seal(session) == 0
    session.commit()
    assert session.scalar(select(func.count()).select_from(LedgerEntry)) == before
    assert verify_all(session, SECRET) == []
