"""A token remembers the form that asked for it

Revision ID: b1619dd57e8a
Revises: 5ae042fc7b1c
Create Date: 2026-12-07 03:37:21.680232
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b1619dd57e8a"
down_revision: str | None = "5ae042fc7b1c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("personal_access_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_personal_access_token_request_key"), ["request_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("personal_access_token", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_personal_access_token_request_key"), type_="unique")
        batch_op.drop_column("request_key")
