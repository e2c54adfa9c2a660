"""Who may see a portfolio, add to it and record evidence for a trainee.

Evidence is among the most sensitive things Alongside holds: a survivor's reflections. It is
seen by the trainee herself, the assessors of her cohort, the IQAs of her organisation or its
franchisor, and an EQA given her records for a period. Coordinators and administrators see
progress elsewhere, not evidence.
"""

from __future__ import annotations

from sqlalchemy import Select, select

from lms.accounts.models import User
from lms.curriculum.models import Enrolment
from lms.permissions import (
    assesses_cohort,
    assessor_cohort_ids,
    iqa_organisation_ids,
    rule,
    session_of,
)
from lms.portfolio.models import Evidence


def visible_enrolment_ids(user: User) -> Select:
    """Enrolments whose portfolio `user` may see (the query form of "portfolio.view")."""
    from lms.assessment.models import EqaAccess
    from lms.db import utcnow

    today = utcnow().date()
    return (
        select(Enrolment.id)
        .where(Enrolment.user_id == user.id)
        .union(
            select(Enrolment.id).where(Enrolment.cohort_id.in_(assessor_cohort_ids(user))),
            select(Enrolment.id).where(Enrolment.organisation_id.in_(iqa_organisation_ids(user))),
            select(EqaAccess.enrolment_id).where(
                EqaAccess.user_id == user.id,
                EqaAccess.starts_on <= today,
                EqaAccess.ends_on >= today,
            ),
        )
    )


def sees_enrolment(user: User, enrolment_id: int, session) -> bool:
    ids = visible_enrolment_ids(user).subquery()
    return session.scalar(select(ids.c.id).where(ids.c.id == enrolment_id)) is not None


@rule("portfolio.view")
def _view_portfolio(user: User, enrolment: Enrolment) -> bool:
    return enrolment.user_id == user.id or sees_enrolment(user, enrolment.id, session_of(enrolment))


@rule("portfolio.contribute")
def _contribute(user: User, enrolment: Enrolment) -> bool:
    return enrolment.user_id == user.id and enrolment.is_active


@rule("portfolio.edit_evidence")
def _edit_evidence(user: User, evidence: Evidence) -> bool:
    if evidence.owner_id != user.id or evidence.recorded_by_id is not None:
        return False
    enrolment = session_of(evidence).get(Enrolment, evidence.enrolment_id)
    return enrolment.is_active


@rule("portfolio.record")
def _record_for_trainee(user: User, enrolment: Enrolment) -> bool:
    """Her cohort's assessor records evidence for her (an observation, a witness statement)."""
    return (
        enrolment.user_id != user.id
        and enrolment.is_active
        and assesses_cohort(user, enrolment.cohort_id, session_of(enrolment))
    )
