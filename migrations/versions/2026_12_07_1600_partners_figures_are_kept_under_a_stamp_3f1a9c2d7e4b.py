"""Each organisation's figures in the overviews are kept under a stamp that every change to
the rows they are made from writes afresh (lms.franchise.figures)

Revision ID: 3f1a9c2d7e4b
Revises: 6cdda3a2ca29
Create Date: 2026-12-07 16:00:00.000000
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3f1a9c2d7e4b"
down_revision: str | None = "6cdda3a2ca29"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    stamps = op.create_table(
        "figures_stamp",
        sa.Column("organisation_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_figures_stamp")),
    )
    ids = op.get_bind().scalars(sa.text("SELECT id FROM organisation")).all()
    if ids:
        op.bulk_insert(
            stamps, [{"organisation_id": i, "stamp": secrets.randbits(62)} for i in ids]
        )


def downgrade() -> None:
    op.drop_table("figures_stamp")
