"""Witness statements (a witness confirms by an e-mailed link) and what a trainee changed before submitting again

Revision ID: 5ae042fc7b1c
Revises: a02341a44595
Create Date: 2026-12-07 03:37:31.890562
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lms.db


revision: str = '5ae042fc7b1c'
down_revision: str | None = 'a02341a44595'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('witness_statement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('witness_name', sa.String(length=120), nullable=False),
    sa.Column('witness_role', sa.String(length=120), nullable=False),
    sa.Column('witness_email', sa.String(length=254), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('confirmed', sa.Boolean(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_witness_statement_evidence_id_evidence'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_witness_statement_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_witness_statement_requested_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_witness_statement')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_witness_statement_token_hash'))
    )
    with op.batch_alter_table('witness_statement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_witness_statement_evidence_id'), ['evidence_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_witness_statement_organisation_id'), ['organisation_id'], unique=False)

    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changes_note', sa.Text(), server_default='', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_column('changes_note')

    with op.batch_alter_table('witness_statement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_witness_statement_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_witness_statement_evidence_id'))

    op.drop_table('witness_statement')
