"""cohort names unique ignoring case

A cohort's name is compared by `name_key`: the name with runs of spaces made one, without
surrounding spaces, case-folded. Within an organisation, two cohorts whose names differ only
in case or spacing ("Spring 2027" and " spring 2027") could exist before; the first made keeps
its name and each later one is renamed with the first free number, "spring 2027 (2)".

Downgrading keeps the renamed names (they are unique as they are).

Revision ID: 605c1860b6ac
Revises: 0b47d8a0c3cc
Create Date: 2026-12-07 00:14:44.510424
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '605c1860b6ac'
down_revision: str | None = '0b47d8a0c3cc'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME_LENGTH = 120


def _key(name: str) -> str:
    # As lms.curriculum.models.cohort_name_key was when this was written.
    return " ".join(name.split()).casefold()


def _free_name(name: str, used: set[str]) -> str:
    base = " ".join(name.split())
    number = 2
    while True:
        suffix = f" ({number})"
        candidate = base[: NAME_LENGTH - len(suffix)] + suffix
        if _key(candidate) not in used:
            return candidate
        number += 1


def _fill_keys() -> None:
    cohort = sa.table(
        'cohort',
        sa.column('id', sa.Integer),
        sa.column('organisation_id', sa.Integer),
        sa.column('name', sa.String),
        sa.column('name_key', sa.String),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(cohort.c.id, cohort.c.organisation_id, cohort.c.name).order_by(cohort.c.id)
    ).all()
    used: dict[int, set[str]] = {}
    for _, organisation_id, name in rows:
        used.setdefault(organisation_id, set()).add(_key(name))
    kept: dict[int, set[str]] = {}
    for cohort_id, organisation_id, name in rows:
        key = _key(name)
        if key in kept.setdefault(organisation_id, set()):
            name = _free_name(name, used[organisation_id])
            key = _key(name)
            used[organisation_id].add(key)
        kept[organisation_id].add(key)
        connection.execute(
            sa.update(cohort).where(cohort.c.id == cohort_id).values(name=name, name_key=key)
        )


def upgrade() -> None:
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.String(length=240), nullable=True))
    _fill_keys()
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.alter_column('name_key', existing_type=sa.String(length=240), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_cohort_organisation_id_name'), type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_cohort_organisation_id_name_key'), ['organisation_id', 'name_key']
        )


def downgrade() -> None:
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_cohort_organisation_id_name_key'), type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_cohort_organisation_id_name'), ['organisation_id', 'name']
        )
        batch_op.drop_column('name_key')
