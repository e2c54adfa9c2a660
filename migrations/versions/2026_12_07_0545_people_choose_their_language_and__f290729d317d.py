"""People choose their language and organisations their time zone

Revision ID: f290729d317d
Revises: b1619dd57e8a
Create Date: 2026-12-07 05:45:06.853920
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f290729d317d"
down_revision: str | None = "b1619dd57e8a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "time_zone", sa.String(length=64), server_default="Europe/London", nullable=False
            )
        )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("locale")
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
