"""Notifications keep their kind and the parameters of their text (so it is shown in the
reader's language), what a once-only reminder is about, and whether it waits for a digest;
each person's choice of e-mails; and the digests sent.

Revision ID: e8559ac3c6d8
Revises: f290729d317d
Create Date: 2026-12-07 05:48:04.636430
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lms.db


revision: str = 'e8559ac3c6d8'
down_revision: str | None = 'f290729d317d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notification_digest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('outbox_message_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['outbox_message_id'], ['outbox_message.id'], name=op.f('fk_notification_digest_outbox_message_id_outbox_message'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_digest_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_digest')),
    sa.UniqueConstraint('user_id', 'period', name=op.f('uq_notification_digest_user_id_period'))
    )
    op.create_table('notification_setting',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('delivery', sa.Enum('now', 'daily', 'weekly', 'in_app', name='notification_delivery', native_enum=False, length=30), nullable=False),
    sa.Column('updated_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_setting_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_setting'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('about', sa.String(length=80), nullable=True))
        batch_op.add_column(
            sa.Column('awaiting_digest', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column('digest_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_notification_awaiting_digest', ['awaiting_digest', 'user_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_notification_user_id_kind_about'), ['user_id', 'kind', 'about'])
        batch_op.create_foreign_key(batch_op.f('fk_notification_digest_id_notification_digest'), 'notification_digest', ['digest_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notification_digest_id_notification_digest'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_notification_user_id_kind_about'), type_='unique')
        batch_op.drop_index('ix_notification_awaiting_digest')
        batch_op.drop_column('digest_id')
        batch_op.drop_column('awaiting_digest')
        batch_op.drop_column('about')
        batch_op.drop_column('params')

    op.drop_table('notification_setting')
    op.drop_table('notification_digest')
