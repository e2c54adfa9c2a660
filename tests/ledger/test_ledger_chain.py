"""Every signed kind of record is chained and signed as it is written, and `verify` says so."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.ledger import operations, records, signing
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


def _head_problems(session):
    return [p for p in verify_all(session, SECRET) if p.table == "ledger_chain"]


def test_a_chain_head_is_signed_with_the_site_key_for_its_scope(history, session, superuser):
    """Heads are checked where the secret is: one signed with the organisation's key, as they
    were before, still holds; one moved to another chain, or signed without the secret,
    does not."""
    chains = list(session.scalars(select(LedgerChain).where(LedgerChain.scope != 0)))
    chain = chains[0]
    assert signing.kid_of(chain.head_signature) == signing.head_signer(SECRET, chain.scope).kid

    last = session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.chain_id == chain.id)
        .order_by(LedgerEntry.position.desc())
    ).first()
    statement = records.head_statement(chain.scope, chain.kind, chain.length, chain.head_hash)
    organisation_key = signing.signer_for(session, chain.scope, SECRET, context=None)
    assert organisation_key.kid == last.kid
    as_before = organisation_key.sign(statement)
    superuser(
        "UPDATE ledger_chain SET head_signature = :head WHERE id = :id", head=as_before, id=chain.id
    )
    assert _head_problems(session) == []

    other_scope = signing.head_signer(SECRET, chain.scope + 1000).sign(statement)
    superuser(
        "UPDATE ledger_chain SET head_signature = :head WHERE id = :id",
        head=other_scope,
        id=chain.id,
    )
    assert [p.what for p in _head_problems(session)] == [
        f"head: signed with a key other than this chain's head key ({signing.kid_of(other_scope)})"
    ]

    guessed = signing.head_signer("a guess at the secret" * 3, chain.scope).sign(statement)
    superuser(
        "UPDATE ledger_chain SET head_signature = :head WHERE id = :id", head=guessed, id=chain.id
    )
    assert len(_head_problems(session)) == 1
