"""Trainees by status and seats taken are counted from an index of the enrolments

Revision ID: 6cdda3a2ca29
Revises: 6b79f24624b9
Create Date: 2026-12-07 05:59:22.587614
"""

from collections.abc import Sequence

from alembic import op

revision: str = "6cdda3a2ca29"
down_revision: str | None = "6b79f24624b9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_enrolment_organisation_status_course",
        "enrolment",
        ["organisation_id", "status", "course_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_enrolment_organisation_status_course", table_name="enrolment")
