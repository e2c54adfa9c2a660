"""Who may see a portfolio, add to it and record evidence for a trainee.

Evidence is among the most sensitive things Alongside holds: a survivor's reflections. It is
seen by the trainee herself, the assessors of her cohort, the IQAs who quality-assure her
organisation, and an EQA given her records for a period, each as `lms.permissions.reads_learner`
defines them. Coordinators and administrators see progress elsewhere, not evidence.
"""

from __future__ import annotations

from sqlalchemy import Select

from lms.accounts.models import User
from lms.curriculum.models import Enrolment
from lms.permissions import Reader, learner_enrolment_ids, reads_learner, rule, session_of, twin
from lms.portfolio.models import Evidence, EvidenceType

EVIDENCE_READERS = Reader.TRAINEE | Reader.COHORT_ASSESSOR | Reader.IQA | Reader.EQA


@twin("portfolio.view")
def visible_enrolment_ids(user: User) -> Select:
    """Enrolments whose portfolio `user` may see (the query form of "portfolio.view")."""
    return learner_enrolment_ids(user, EVIDENCE_READERS)


@rule("portfolio.view")
def _view_portfolio(user: User, enrolment: Enrolment) -> bool:
    return reads_learner(user, enrolment, EVIDENCE_READERS)


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
        and reads_learner(user, enrolment, Reader.COHORT_ASSESSOR)
    )


@rule("portfolio.ask_witness")
def _ask_witness(user: User, evidence: Evidence) -> bool:
    """A witness testimony is sent to its witness by whoever may change it: the trainee for
    her own, the assessor who recorded it for hers."""
    if evidence.evidence_type != EvidenceType.WITNESS_TESTIMONY:
        return False
    if evidence.recorded_by_id is None:
        return _edit_evidence(user, evidence)
    enrolment = session_of(evidence).get(Enrolment, evidence.enrolment_id)
    return evidence.recorded_by_id == user.id and _record_for_trainee(user, enrolment)
