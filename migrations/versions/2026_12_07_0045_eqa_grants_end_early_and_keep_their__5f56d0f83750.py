"""EQA grants end early and keep their history

An EQA's access becomes a grant (`eqa_grant`: who, which organisation gave it, the period,
who gave it and when, and, once it ends, when and by whom it was ended early and when she was
told) with its learners (`eqa_access`, one row per enrolment). Each existing access row
becomes a grant of one learner with the same id, so nothing anyone could read changes. Giving
access again is now a new grant, so the one-row-per-EQA-and-learner constraint goes.

Downgrading keeps one row per EQA and learner (the latest grant's) and drops the learners of
grants ended early, so that going back never opens access that was ended.

Revision ID: 5f56d0f83750
Revises: 3ffb13d89586
Create Date: 2026-12-07 00:45:02.394362
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lms.db


revision: str = '5f56d0f83750'
down_revision: str | None = '3ffb13d89586'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GRANT_COLUMNS = ('user_id', 'organisation_id', 'starts_on', 'ends_on', 'granted_by_id', 'granted_at')


def upgrade() -> None:
    op.create_table('eqa_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=False),
    sa.Column('granted_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.Column('end_notified_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['ended_by_id'], ['user_account.id'], name=op.f('fk_eqa_grant_ended_by_id_user_account')),
    sa.ForeignKeyConstraint(['granted_by_id'], ['user_account.id'], name=op.f('fk_eqa_grant_granted_by_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_eqa_grant_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_eqa_grant_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eqa_grant'))
    )
    with op.batch_alter_table('eqa_grant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_eqa_grant_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_eqa_grant_user_id'), ['user_id'], unique=False)

    # Each access given so far becomes a grant of one learner, with the same id.
    columns = ', '.join(GRANT_COLUMNS)
    op.execute(f'INSERT INTO eqa_grant (id, {columns}) SELECT id, {columns} FROM eqa_access')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "SELECT setval(pg_get_serial_sequence('eqa_grant', 'id'), "
            "COALESCE((SELECT MAX(id) FROM eqa_grant), 0) + 1, false)"
        )
    with op.batch_alter_table('eqa_access', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grant_id', sa.Integer(), nullable=True))
    op.execute('UPDATE eqa_access SET grant_id = id')

    with op.batch_alter_table('eqa_access', schema=None) as batch_op:
        batch_op.alter_column('grant_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_index(batch_op.f('ix_eqa_access_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_eqa_access_user_id'))
        batch_op.drop_constraint(batch_op.f('uq_eqa_access_user_id_enrolment_id'), type_='unique')
        batch_op.create_index(batch_op.f('ix_eqa_access_grant_id'), ['grant_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_eqa_access_grant_id_enrolment_id'), ['grant_id', 'enrolment_id'])
        batch_op.drop_constraint(batch_op.f('fk_eqa_access_user_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_eqa_access_organisation_id_organisation'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_eqa_access_granted_by_id_user_account'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_eqa_access_grant_id_eqa_grant'), 'eqa_grant', ['grant_id'], ['id'])
        batch_op.drop_column('granted_by_id')
        batch_op.drop_column('user_id')
        batch_op.drop_column('ends_on')
        batch_op.drop_column('organisation_id')
        batch_op.drop_column('starts_on')
        batch_op.drop_column('granted_at')


def downgrade() -> None:
    # Never reopen access that was ended early; keep one row per EQA and learner.
    op.execute(
        'DELETE FROM eqa_access WHERE grant_id IN '
        '(SELECT id FROM eqa_grant WHERE ended_at IS NOT NULL)'
    )
    op.execute(
        'DELETE FROM eqa_access WHERE id NOT IN ('
        'SELECT MAX(a.id) FROM eqa_access a JOIN eqa_grant g ON g.id = a.grant_id '
        'GROUP BY g.user_id, a.enrolment_id)'
    )
    with op.batch_alter_table('eqa_access', schema=None) as batch_op:
        batch_op.add_column(sa.Column('granted_at', lms.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('starts_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('ends_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('granted_by_id', sa.Integer(), nullable=True))
    for column in GRANT_COLUMNS:
        op.execute(
            f'UPDATE eqa_access SET {column} = '
            f'(SELECT g.{column} FROM eqa_grant g WHERE g.id = eqa_access.grant_id)'
        )

    with op.batch_alter_table('eqa_access', schema=None) as batch_op:
        batch_op.alter_column('granted_at', existing_type=lms.db.UTCDateTime(timezone=True), nullable=False)
        batch_op.alter_column('starts_on', existing_type=sa.Date(), nullable=False)
        batch_op.alter_column('organisation_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('ends_on', existing_type=sa.Date(), nullable=False)
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('granted_by_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_eqa_access_grant_id_eqa_grant'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_eqa_access_granted_by_id_user_account'), 'user_account', ['granted_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_eqa_access_organisation_id_organisation'), 'organisation', ['organisation_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_eqa_access_user_id_user_account'), 'user_account', ['user_id'], ['id'])
        batch_op.drop_constraint(batch_op.f('uq_eqa_access_grant_id_enrolment_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_eqa_access_grant_id'))
        batch_op.create_unique_constraint(batch_op.f('uq_eqa_access_user_id_enrolment_id'), ['user_id', 'enrolment_id'])
        batch_op.create_index(batch_op.f('ix_eqa_access_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_eqa_access_organisation_id'), ['organisation_id'], unique=False)
        batch_op.drop_column('grant_id')

    with op.batch_alter_table('eqa_grant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_eqa_grant_user_id'))
        batch_op.drop_index(batch_op.f('ix_eqa_grant_organisation_id'))

    op.drop_table('eqa_grant')
