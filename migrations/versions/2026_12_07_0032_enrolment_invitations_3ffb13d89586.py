"""enrolment invitations

A person who holds no role in an organisation is no longer enrolled (or given an account) when
its coordinator types her address: she is sent an invitation and joins when she accepts it.
A pending invitation holds a seat on the licence; at most one is pending per organisation,
qualification and address. Nothing existing changes.

Revision ID: 3ffb13d89586
Revises: 605c1860b6ac
Create Date: 2026-12-07 00:32:56.442116
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lms.db


revision: str = '3ffb13d89586'
down_revision: str | None = '605c1860b6ac'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('enrolment_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('date_of_birth', sa.String(length=10), nullable=True),
    sa.Column('status', sa.Enum('pending', 'accepted', 'declined', 'withdrawn', name='invitation_status', native_enum=False, length=20), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('enrolment_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], name=op.f('fk_enrolment_invitation_cohort_id_cohort')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_enrolment_invitation_course_id_course')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_enrolment_invitation_enrolment_id_enrolment')),
    sa.ForeignKeyConstraint(['invited_by_id'], ['user_account.id'], name=op.f('fk_enrolment_invitation_invited_by_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_enrolment_invitation_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_enrolment_invitation_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment_invitation'))
    )
    with op.batch_alter_table('enrolment_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolment_invitation_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolment_invitation_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolment_invitation_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolment_invitation_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('uq_enrolment_invitation_pending', ['organisation_id', 'course_id', 'email'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))



def downgrade() -> None:
    with op.batch_alter_table('enrolment_invitation', schema=None) as batch_op:
        batch_op.drop_index('uq_enrolment_invitation_pending', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_enrolment_invitation_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_enrolment_invitation_email'))
        batch_op.drop_index(batch_op.f('ix_enrolment_invitation_course_id'))
        batch_op.drop_index(batch_op.f('ix_enrolment_invitation_cohort_id'))

    op.drop_table('enrolment_invitation')
