"""Units and lessons may be read in other languages: a unit's language, and the translations
of units and lessons loaded from the course files.

Revision ID: 74b8633622bd
Revises: e8559ac3c6d8
Create Date: 2026-12-07 06:12:58.539617
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lms.db


revision: str = '74b8633622bd'
down_revision: str | None = 'e8559ac3c6d8'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('unit_translation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('content_note', sa.Text(), nullable=True),
    sa.Column('overview_html', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('synced_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_unit_translation_unit_id_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_translation')),
    sa.UniqueConstraint('unit_id', 'language', name=op.f('uq_unit_translation_unit_id_language'))
    )
    with op.batch_alter_table('unit_translation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_translation_unit_id'), ['unit_id'], unique=False)

    op.create_table('lesson_translation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('content_note', sa.Text(), nullable=True),
    sa.Column('html', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('synced_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lesson_id'], ['lesson.id'], name=op.f('fk_lesson_translation_lesson_id_lesson'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson_translation')),
    sa.UniqueConstraint('lesson_id', 'language', name=op.f('uq_lesson_translation_lesson_id_language'))
    )
    with op.batch_alter_table('lesson_translation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lesson_translation_lesson_id'), ['lesson_id'], unique=False)

    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=10), server_default='en', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('language')

    with op.batch_alter_table('lesson_translation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lesson_translation_lesson_id'))

    op.drop_table('lesson_translation')
    with op.batch_alter_table('unit_translation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_translation_unit_id'))

    op.drop_table('unit_translation')
