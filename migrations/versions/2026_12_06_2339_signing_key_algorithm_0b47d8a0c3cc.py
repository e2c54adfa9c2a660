"""signing key algorithm

Every key made before this revision is Ed25519 and signs with EdDSA; keys made from now on are
RSA and sign with RS256. The column records which, for each key. Existing keys keep working:
they stay published and are retired the next time their organisation signs something.

Downgrading after RSA keys have been made leaves keys that the earlier code cannot unlock.

Revision ID: 0b47d8a0c3cc
Revises: c411f4cdb87b
Create Date: 2026-12-06 23:39:37.924469
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0b47d8a0c3cc'
down_revision: str | None = 'c411f4cdb87b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The default fills in the keys there are; it is dropped again, so that a new key always
    # says which algorithm it is for.
    with op.batch_alter_table('organisation_signing_key', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('algorithm', sa.String(length=10), nullable=False, server_default='EdDSA')
        )
    with op.batch_alter_table('organisation_signing_key', schema=None) as batch_op:
        batch_op.alter_column('algorithm', existing_type=sa.String(length=10), server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('organisation_signing_key', schema=None) as batch_op:
        batch_op.drop_column('algorithm')
