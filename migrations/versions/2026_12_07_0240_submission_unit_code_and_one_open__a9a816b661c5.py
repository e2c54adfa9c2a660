"""submission unit code and one open submission per unit

A submission now carries its unit's code (the same in every version of the unit), filled in
from the unit it points at, and a partial unique index lets a trainee have only one open
submission (submitted, awaiting countersignature, awaiting IQA) per unit code: a double click
or two tabs submitting at once cannot make two. If a database already holds two open
submissions of one unit for one enrolment, the upgrade stops and names them, so that a person
decides which one stays open.

Revision ID: a9a816b661c5
Revises: 70238f3cb76e
Create Date: 2026-12-07 02:40:52.024679
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'a9a816b661c5'
down_revision: str | None = '70238f3cb76e'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status IN ('submitted', 'awaiting_countersign', 'awaiting_iqa')")


def upgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_code', sa.String(length=40), nullable=True))
    op.execute(
        "UPDATE submission SET unit_code = (SELECT unit.code FROM unit WHERE unit.id = submission.unit_id)"
    )
    doubled = op.get_bind().execute(
        sa.text(
            "SELECT enrolment_id, unit_code FROM submission WHERE "
            "status IN ('submitted', 'awaiting_countersign', 'awaiting_iqa') "
            "GROUP BY enrolment_id, unit_code HAVING COUNT(*) > 1"
        )
    ).all()
    if doubled:
        raise RuntimeError(
            "These enrolments have two open submissions of one unit; close all but one, "
            f"then upgrade again: {[tuple(row) for row in doubled]}"
        )
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.alter_column('unit_code', existing_type=sa.String(length=40), nullable=False)
        batch_op.create_index(
            'uq_submission_open_unit',
            ['enrolment_id', 'unit_code'],
            unique=True,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        )


def downgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index('uq_submission_open_unit')
        batch_op.drop_column('unit_code')
