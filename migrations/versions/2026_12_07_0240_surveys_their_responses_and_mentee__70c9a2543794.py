"""Surveys, their responses and mentee feedback links

Revision ID: 70c9a2543794
Revises: eb4adc80777c
Create Date: 2026-12-07 02:40:02.096931
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lms.db


revision: str = '70c9a2543794'
down_revision: str | None = 'eb4adc80777c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('survey',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('audience', sa.Enum('trainee', 'mentee', name='survey_audience', native_enum=False, length=30), nullable=False),
    sa.Column('course_code', sa.String(length=40), nullable=True),
    sa.Column('unit_code', sa.String(length=40), nullable=True),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('synced_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey')),
    sa.UniqueConstraint('slug', 'version', name=op.f('uq_survey_slug_version'))
    )
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_slug'), ['slug'], unique=False)

    op.create_table('mentee_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=True),
    sa.Column('survey_slug', sa.String(length=80), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], name=op.f('fk_mentee_link_cohort_id_cohort')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_mentee_link_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['trainee_id'], ['user_account.id'], name=op.f('fk_mentee_link_trainee_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentee_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_mentee_link_token_hash'))
    )
    with op.batch_alter_table('mentee_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentee_link_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentee_link_trainee_id'), ['trainee_id'], unique=False)

    op.create_table('survey_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('survey_slug', sa.String(length=80), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=True),
    sa.Column('enrolment_id', sa.Integer(), nullable=True),
    sa.Column('respondent_id', sa.Integer(), nullable=True),
    sa.Column('mentee_link_id', sa.Integer(), nullable=True),
    sa.Column('moment', sa.Enum('start', 'end', 'follow_up', 'any', name='survey_moment', native_enum=False, length=30), nullable=False),
    sa.Column('on_paper', sa.Boolean(), nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], name=op.f('fk_survey_response_cohort_id_cohort')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_survey_response_enrolment_id_enrolment')),
    sa.ForeignKeyConstraint(['mentee_link_id'], ['mentee_link.id'], name=op.f('fk_survey_response_mentee_link_id_mentee_link')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_survey_response_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['respondent_id'], ['user_account.id'], name=op.f('fk_survey_response_respondent_id_user_account')),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_survey_response_survey_id_survey')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_response')),
    sa.UniqueConstraint('enrolment_id', 'survey_slug', 'moment', name=op.f('uq_survey_response_enrolment_id_survey_slug_moment'))
    )
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_response_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_response_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_response_mentee_link_id'), ['mentee_link_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_response_respondent_id'), ['respondent_id'], unique=False)
        batch_op.create_index('ix_survey_response_scope', ['organisation_id', 'survey_slug', 'moment'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_response_survey_id'), ['survey_id'], unique=False)

    op.create_table('survey_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=80), nullable=False),
    sa.Column('number', sa.Float(), nullable=True),
    sa.Column('choices', sa.JSON(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['response_id'], ['survey_response.id'], name=op.f('fk_survey_answer_response_id_survey_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answer')),
    sa.UniqueConstraint('response_id', 'question_id', name=op.f('uq_survey_answer_response_id_question_id'))
    )
    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_answer_response_id'), ['response_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_answer_response_id'))

    op.drop_table('survey_answer')
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_response_survey_id'))
        batch_op.drop_index('ix_survey_response_scope')
        batch_op.drop_index(batch_op.f('ix_survey_response_respondent_id'))
        batch_op.drop_index(batch_op.f('ix_survey_response_mentee_link_id'))
        batch_op.drop_index(batch_op.f('ix_survey_response_enrolment_id'))
        batch_op.drop_index(batch_op.f('ix_survey_response_cohort_id'))

    op.drop_table('survey_response')
    with op.batch_alter_table('mentee_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentee_link_trainee_id'))
        batch_op.drop_index(batch_op.f('ix_mentee_link_organisation_id'))

    op.drop_table('mentee_link')
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_slug'))

    op.drop_table('survey')
