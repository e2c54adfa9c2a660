"""Signed records are chained and the database refuses to rewrite them

Adds the ledger (a head row per chain, a signed entry per record), lets erasure blank the
personal columns of append-only tables, signs and chains every record already present, and
creates the triggers that refuse UPDATE and DELETE on append-only tables.

Revision ID: 6b79f24624b9
Revises: 74b8633622bd
Create Date: 2026-12-07 02:48:04.397838
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sqlalchemy.orm import Session

import lms.db
from lms.ledger.triggers import create_triggers, drop_triggers

# The append-only tables as of this revision, with the columns erasure may set to NULL.
APPEND_ONLY = {
    "assessment_decision": ("feedback", "actions"),
    "audit_event": ("ip_address", "detail"),
    "certificate": ("trainee_name",),
    "certification_claim": (),
    "claim_line": (),
    "countersignature": ("comments",),
    "criterion_judgement": ("feedback",),
    "issued_credential": (),
    "ledger_entry": (),
    "qualification_award": (),
    "revocation": (),
    "submitted_evidence": ("title", "description"),
    "unit_achievement": ("evidence_summary",),
}

revision: str = '6b79f24624b9'
down_revision: str | None = '74b8633622bd'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ledger_chain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('length', sa.Integer(), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.Column('head_signature', sa.Text(), nullable=True),
    sa.Column('updated_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_chain')),
    sa.UniqueConstraint('scope', 'kind', name=op.f('uq_ledger_chain_scope_kind'))
    )
    op.create_table('ledger_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('table_name', sa.String(length=60), nullable=False),
    sa.Column('row_id', sa.Integer(), nullable=False),
    sa.Column('form', sa.Integer(), nullable=False),
    sa.Column('commitments', sa.JSON(), nullable=False),
    sa.Column('previous_hash', sa.String(length=64), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.Column('kid', sa.String(length=300), nullable=False),
    sa.Column('signature', sa.Text(), nullable=False),
    sa.Column('signed_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['chain_id'], ['ledger_chain.id'], name=op.f('fk_ledger_entry_chain_id_ledger_chain')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entry')),
    sa.UniqueConstraint('chain_id', 'position', name=op.f('uq_ledger_entry_chain_id_position')),
    sa.UniqueConstraint('table_name', 'row_id', name=op.f('uq_ledger_entry_table_name_row_id'))
    )
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entry_chain_id'), ['chain_id'], unique=False)

    with op.batch_alter_table('assessment_decision', schema=None) as batch_op:
        batch_op.alter_column('feedback',
               existing_type=sa.TEXT(),
               nullable=True)
        batch_op.alter_column('actions',
               existing_type=sa.TEXT(),
               nullable=True)

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.alter_column('detail',
               existing_type=sa.JSON(),
               nullable=True)

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.alter_column('trainee_name',
               existing_type=sa.VARCHAR(length=200),
               nullable=True)

    with op.batch_alter_table('countersignature', schema=None) as batch_op:
        batch_op.alter_column('comments',
               existing_type=sa.TEXT(),
               nullable=True)

    with op.batch_alter_table('criterion_judgement', schema=None) as batch_op:
        batch_op.alter_column('feedback',
               existing_type=sa.TEXT(),
               nullable=True)

    with op.batch_alter_table('submitted_evidence', schema=None) as batch_op:
        batch_op.alter_column('title',
               existing_type=sa.VARCHAR(length=200),
               nullable=True)
        batch_op.alter_column('description',
               existing_type=sa.TEXT(),
               nullable=True)

    with op.batch_alter_table('unit_achievement', schema=None) as batch_op:
        batch_op.alter_column('evidence_summary',
               existing_type=sa.TEXT(),
               nullable=True)

    # Records written before this revision are signed and chained now, in the order written,
    # so that an upgraded database verifies (signing needs the site's SECRET_KEY, so this runs
    # under `flask --app app db upgrade`).
    from lms.ledger.operations import seal_existing

    session = Session(bind=op.get_bind())
    seal_existing(session)
    session.close()
    create_triggers(op.get_bind(), APPEND_ONLY)


def downgrade() -> None:
    drop_triggers(op.get_bind(), APPEND_ONLY)
    with op.batch_alter_table('unit_achievement', schema=None) as batch_op:
        batch_op.alter_column('evidence_summary',
               existing_type=sa.TEXT(),
               nullable=False)

    with op.batch_alter_table('submitted_evidence', schema=None) as batch_op:
        batch_op.alter_column('description',
               existing_type=sa.TEXT(),
               nullable=False)
        batch_op.alter_column('title',
               existing_type=sa.VARCHAR(length=200),
               nullable=False)

    with op.batch_alter_table('criterion_judgement', schema=None) as batch_op:
        batch_op.alter_column('feedback',
               existing_type=sa.TEXT(),
               nullable=False)

    with op.batch_alter_table('countersignature', schema=None) as batch_op:
        batch_op.alter_column('comments',
               existing_type=sa.TEXT(),
               nullable=False)

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.alter_column('trainee_name',
               existing_type=sa.VARCHAR(length=200),
               nullable=False)

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.alter_column('detail',
               existing_type=sa.JSON(),
               nullable=False)

    with op.batch_alter_table('assessment_decision', schema=None) as batch_op:
        batch_op.alter_column('actions',
               existing_type=sa.TEXT(),
               nullable=False)
        batch_op.alter_column('feedback',
               existing_type=sa.TEXT(),
               nullable=False)

    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entry_chain_id'))

    op.drop_table('ledger_entry')
    op.drop_table('ledger_chain')
