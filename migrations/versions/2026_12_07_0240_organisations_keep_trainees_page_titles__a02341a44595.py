"""organisations keep trainees' page titles neutral

`organisation.neutral_page_titles`: when on, the organisation's trainees see every page
titled only "Alongside", so browser tabs and history say nothing of what they read. On for
every organisation, existing ones included, until an administrator turns it off.

Revision ID: a02341a44595
Revises: ad05b4ce49eb
Create Date: 2026-12-07 02:40:53.358037
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a02341a44595'
down_revision: str | None = 'ad05b4ce49eb'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, not batch mode: SQLite adds and drops a plain column in place, where a
# batch copy of `organisation` would be refused by the tables that refer to it.


def upgrade() -> None:
    op.add_column(
        'organisation',
        sa.Column('neutral_page_titles', sa.Boolean(), server_default=sa.true(), nullable=False),
    )


def downgrade() -> None:
    op.drop_column('organisation', 'neutral_page_titles')
