"""Evidence files say when details that may name someone could not be taken out

Revision ID: eb4adc80777c
Revises: 5f56d0f83750
Create Date: 2026-12-07 02:41:22.991834
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "eb4adc80777c"
down_revision: str | None = "5f56d0f83750"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("evidence_file", schema=None) as batch_op:
        batch_op.add_column(sa.Column("metadata_warning", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evidence_file", schema=None) as batch_op:
        batch_op.drop_column("metadata_warning")
