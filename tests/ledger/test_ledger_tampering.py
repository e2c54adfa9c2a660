"""Direct edits to the database, made as someone with psql or sqlite3 and the right to drop
triggers would make them, are each found by `flask --app app verify`, which names the row."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.accreditation import keys
from lms.ledger import records, signing
from lms.ledger.checks import first_per_chain, verify_all
from lms.ledger.models import LedgerChain, LedgerEntry
from lms.ledger.specs import SPECS
from tests.factories import PartnerFactory

SECRET = "test-secret-key-that-is-long-enough-for-tests"


def _entry(session, table, row_id) -> LedgerEntry:
    return session.scalar(
        select(LedgerEntry).where(LedgerEntry.table_name == table, LedgerEntry.row_id == row_id)
    )


def _first_audit_id(session, h) -> int:
    entry = session.scalar(
        select(LedgerEntry)
        .join(LedgerChain)
        .where(LedgerChain.kind == "audit", LedgerChain.scope == h.setting.organisation.id)
        .order_by(LedgerEntry.position)
        .offset(2)
        .limit(1)
    )
    return entry.row_id


# Each edit returns the (table, id) that `verify` must name first in the broken chain.
def edit_outcome(session, h, superuser):
    superuser(
        "UPDATE assessment_decision SET outcome = 'signed_off' WHERE id = :id", id=h.referred.id
    )
    return "assessment_decision", h.referred.id


def edit_feedback(session, h, superuser):
    superuser(
        "UPDATE assessment_decision SET feedback = 'Weak work.' WHERE id = :id", id=h.referred.id
    )
    return "assessment_decision", h.referred.id


def edit_judgement(session, h, superuser):
    superuser(
        "UPDATE criterion_judgement SET met = NOT met WHERE decision_id = :id", id=h.referred.id
    )
    return "assessment_decision", h.referred.id


def edit_judgement_feedback(session, h, superuser):
    superuser(
        "UPDATE criterion_judgement SET feedback = 'Not met at all.' WHERE decision_id = :id",
        id=h.signed_off.id,
    )
    return "assessment_decision", h.signed_off.id


def delete_judgement(session, h, superuser):
    superuser(
        "DELETE FROM criterion_judgement WHERE id = (SELECT MIN(id) FROM criterion_judgement "
        "WHERE decision_id = :id)",
        id=h.signed_off.id,
    )
    return "assessment_decision", h.signed_off.id


def edit_assessor(session, h, superuser):
    superuser(
        "UPDATE assessment_decision SET assessor_id = :who WHERE id = :id",
        who=h.setting.iqa.id,
        id=h.signed_off.id,
    )
    return "assessment_decision", h.signed_off.id


def swap_decisions(session, h, superuser):
    """Two decisions' outcomes and dates swapped, as if they had come the other way round."""
    superuser(
        "UPDATE assessment_decision SET outcome = CASE WHEN id = :a THEN 'signed_off' "
        "ELSE 'referred' END WHERE id IN (:a, :b)",
        a=h.referred.id,
        b=h.signed_off.id,
    )
    return "assessment_decision", h.referred.id


def edit_iqa_review(session, h, superuser):
    superuser("UPDATE countersignature SET agrees = NOT agrees WHERE id = :id", id=h.review.id)
    return "countersignature", h.review.id


def edit_iqa_comments(session, h, superuser):
    superuser("UPDATE countersignature SET comments = 'Fine.' WHERE id = :id", id=h.review.id)
    return "countersignature", h.review.id


def delete_iqa_review(session, h, superuser):
    review_id = h.review.id
    superuser("DELETE FROM countersignature WHERE id = :id", id=review_id)
    return "countersignature", review_id


def edit_award(session, h, superuser):
    superuser("UPDATE qualification_award SET credits = 99 WHERE id = :id", id=h.awards[1].id)
    return "qualification_award", h.awards[1].id


def edit_unit_achievement(session, h, superuser):
    first = session.scalar(
        select(LedgerEntry.row_id)
        .where(LedgerEntry.table_name == "unit_achievement")
        .order_by(LedgerEntry.position)
    )
    superuser("UPDATE unit_achievement SET unit_code = 'Z9' WHERE id = :id", id=first)
    return "unit_achievement", first


def delete_revocation(session, h, superuser):
    revocation_id = h.revocation.id
    superuser("DELETE FROM revocation WHERE id = :id", id=revocation_id)
    return "revocation", revocation_id


def edit_revocation_reason(session, h, superuser):
    superuser("UPDATE revocation SET reason = 'Clerical error.' WHERE id = :id", id=h.revocation.id)
    return "revocation", h.revocation.id


def delete_revocation_and_its_entry_and_rewind(session, h, superuser):
    """The revocation, its ledger entry and the chain's head all put back as before it."""
    entry = _entry(session, "revocation", h.revocation.id)
    entry_id, chain_id, previous = entry.id, entry.chain_id, entry.previous_hash
    superuser(
        "DELETE FROM revocation WHERE id = :id",
        "DELETE FROM ledger_entry WHERE id = :entry",
        "UPDATE ledger_chain SET length = length - 1, head_hash = :previous WHERE id = :chain",
        id=h.revocation.id,
        entry=entry_id,
        previous=previous,
        chain=chain_id,
    )
    return "ledger_chain", chain_id


def delete_audit_event(session, h, superuser):
    row_id = _first_audit_id(session, h)
    superuser("DELETE FROM audit_event WHERE id = :id", id=row_id)
    return "audit_event", row_id


def edit_audit_event(session, h, superuser):
    row_id = _first_audit_id(session, h)
    superuser("UPDATE audit_event SET action = 'nothing.happened' WHERE id = :id", id=row_id)
    return "audit_event", row_id


def insert_audit_event(session, h, superuser):
    superuser(
        "INSERT INTO audit_event (id, occurred_at, action, organisation_id, detail) "
        "VALUES (999999, '2026-12-01 10:00:00.000000', 'assessment.decided', :org, '{}')",
        org=h.setting.organisation.id,
    )
    return "audit_event", 999999


def delete_decision_with_its_entry(session, h, superuser):
    """A decision and its entry gone from the middle of the chain."""
    entry = _entry(session, "assessment_decision", h.referred.id)
    superuser(
        "DELETE FROM iqa_sample WHERE decision_id = :id",
        "DELETE FROM criterion_judgement WHERE decision_id = :id",
        "DELETE FROM assessment_decision WHERE id = :id",
        "DELETE FROM ledger_entry WHERE id = :entry",
        id=h.referred.id,
        entry=entry.id,
    )
    following = _entry(session, "assessment_decision", h.signed_off.id)
    return "assessment_decision", following.row_id


def reorder_entries(session, h, superuser):
    """Two entries of a chain swap places."""
    first = _entry(session, "assessment_decision", h.referred.id)
    second = _entry(session, "assessment_decision", h.signed_off.id)
    superuser(
        "UPDATE ledger_entry SET position = -1 WHERE id = :a",
        "UPDATE ledger_entry SET position = :pa WHERE id = :b",
        "UPDATE ledger_entry SET position = :pb WHERE id = :a",
        a=first.id,
        b=second.id,
        pa=first.position,
        pb=second.position,
    )
    return "assessment_decision", h.signed_off.id


def _forge(session, h, superuser, private, kid):
    """The referred-back decision made a sign-off, its entry's hash recomputed and signed
    again, and the chain head moved on to match: only the key can give it away."""
    entry = _entry(session, "assessment_decision", h.signed_off.id)
    chain = session.get(LedgerChain, entry.chain_id)
    superuser(
        "UPDATE assessment_decision SET outcome = 'referred' WHERE id = :id", id=h.signed_off.id
    )
    row = records.load_rows(session, "assessment_decision", [h.signed_off.id])[h.signed_off.id]
    judgements = records.load_judgements(session, [h.signed_off.id])[h.signed_off.id]
    payload, commitments = records.statement(SPECS["assessment_decision"], row, judgements)
    digest = records.entry_hash(
        scope=chain.scope,
        kind=chain.kind,
        position=entry.position,
        previous=entry.previous_hash,
        table_name="assessment_decision",
        payload=payload,
        commitments=commitments,
    )
    signer = signing.Signer(kid, private)
    head = signer.sign(records.head_statement(chain.scope, chain.kind, chain.length, digest))
    superuser(
        "UPDATE ledger_entry SET entry_hash = :digest, signature = :signature, kid = :kid "
        "WHERE id = :id",
        "UPDATE ledger_chain SET head_hash = :digest, head_signature = :head WHERE id = :chain",
        digest=digest,
        signature=signer.sign(digest),
        kid=kid,
        id=entry.id,
        head=head,
        chain=chain.id,
    )
    return "assessment_decision", h.signed_off.id


def resign_with_a_new_key_claiming_the_real_one(session, h, superuser):
    kid = _entry(session, "assessment_decision", h.signed_off.id).kid
    return _forge(session, h, superuser, keys.generate_private_key(2048), kid)


def resign_with_an_unknown_key(session, h, superuser):
    return _forge(session, h, superuser, keys.generate_private_key(2048), "forger-key")


def resign_with_another_organisations_key(session, h, superuser):
    from lms.accreditation.issuing import IssuingContext, signing_key

    other = PartnerFactory(slug="elsewhere")
    stored, private = signing_key(session, other, IssuingContext.from_app())
    session.commit()
    return _forge(session, h, superuser, private, stored.kid)


TAMPERING = [
    edit_outcome,
    edit_feedback,
    edit_judgement,
    edit_judgement_feedback,
    delete_judgement,
    edit_assessor,
    swap_decisions,
    edit_iqa_review,
    edit_iqa_comments,
    delete_iqa_review,
    edit_award,
    edit_unit_achievement,
    delete_revocation,
    edit_revocation_reason,
    delete_revocation_and_its_entry_and_rewind,
    delete_audit_event,
    edit_audit_event,
    insert_audit_event,
    delete_decision_with_its_entry,
    reorder_entries,
    resign_with_a_new_key_claiming_the_real_one,
    resign_with_an_unknown_key,
    resign_with_another_organisations_key,
]


@pytest.mark.parametrize("tamper", TAMPERING, ids=[t.__name__ for t in TAMPERING])
def test_every_direct_edit_is_found_and_named(history, session, superuser, runner, tamper):
    assert verify_all(session, SECRET) == []
    table, row_id = tamper(session, history, superuser)
    problems = verify_all(session, SECRET)
    session.rollback()
    named = {(p.table, p.row_id) for p in first_per_chain(problems)}
    assert (table, row_id) in named, [str(p) for p in problems]
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 1
    assert f"{table} {row_id}:" in result.output


def test_the_count_of_edits_tried(history):
    """The issue asked for at least twelve."""
    assert len(TAMPERING) >= 12
