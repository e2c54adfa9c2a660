"""Where each unit stands for a trainee: one answer, shared by every page, export and API.

A unit is achieved when, and only when, the learner record holds its `UnitAchievement`, which
only the sign-off path makes (assessment announces a final sign-off; accreditation's listener
calls `record_unit_achievement`). Short of that, the unit's latest submission says where it is:
waiting for an assessor, referred back for more work, signed off and being checked (sampled by
an IQA, or a trainee assessor's sign-off waiting for a qualified assessor's countersignature),
or back with the assessor because that check returned it.

`unit_standings` reads any number of trainees and units in two queries. Units are matched by
code, so a unit achieved or submitted on an earlier version of the curriculum still counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache

from sqlalchemy import Select, bindparam, exists, select
from sqlalchemy.orm import Session, aliased

from lms.accreditation import award_status
from lms.accreditation.models import UnitAchievement
from lms.assessment.models import Decision
from lms.curriculum.models import Unit
from lms.i18n import _l
from lms.portfolio.models import Submission, SubmissionStatus


class UnitStatus(StrEnum):
    NOT_SUBMITTED = "not_submitted"
    WITH_ASSESSOR = "with_assessor"
    REFERRED = "referred"
    BEING_CHECKED = "being_checked"
    LOOKED_AT_AGAIN = "looked_at_again"
    ACHIEVED = "achieved"
    REVOKED = "revoked"  # achieved, then revoked with the whole award

    @property
    def label(self) -> str:
        return str(UNIT_STATUS_LABELS[self])

    @property
    def explanation(self) -> str:
        """What it means for the trainee, said to her."""
        return str(UNIT_STATUS_EXPLANATIONS[self])


UNIT_STATUS_LABELS = {
    UnitStatus.NOT_SUBMITTED: _l("Not submitted yet"),
    UnitStatus.WITH_ASSESSOR: _l("Waiting for an assessor"),
    UnitStatus.REFERRED: _l("Referred back for more work"),
    UnitStatus.BEING_CHECKED: _l("Signed off, being checked"),
    UnitStatus.LOOKED_AT_AGAIN: _l("Back with the assessor after a check"),
    UnitStatus.ACHIEVED: _l("Achieved"),
    UnitStatus.REVOKED: _l("Revoked with the award"),
}
UNIT_STATUS_EXPLANATIONS = {
    UnitStatus.NOT_SUBMITTED: _l(
        "When your evidence covers every criterion, you can submit this unit for assessment."
    ),
    UnitStatus.WITH_ASSESSOR: _l(
        "Your work is with your assessor. They will look at it and let you know what they think."
    ),
    UnitStatus.REFERRED: _l(
        "Your assessor has said what to add. When you are ready, you can submit it again."
    ),
    UnitStatus.BEING_CHECKED: _l(
        "Your assessor has signed this unit off; it is being checked. Many sign-offs are "
        "checked by a second person before they are final. You do not need to do anything, "
        "and we will let you know when it is done."
    ),
    UnitStatus.LOOKED_AT_AGAIN: _l(
        "Your assessor signed this unit off, and the check found something they need to look "
        "at again. Your work is back with your assessor: you do not need to do anything now, "
        "and they will let you know what happens next."
    ),
    UnitStatus.ACHIEVED: _l("This unit is achieved and on your record. Well done."),
    UnitStatus.REVOKED: _l(
        "This unit was withdrawn together with the qualification it was part of. Your "
        "coordinator can explain what this means for you and what can happen next."
    ),
}


@dataclass(frozen=True)
class UnitStanding:
    status: UnitStatus
    submitted_at: datetime | None = None  # of the latest submission, if there is one


NOT_SUBMITTED = UnitStanding(UnitStatus.NOT_SUBMITTED)

_FROM_SUBMISSION = {
    SubmissionStatus.SUBMITTED: UnitStatus.WITH_ASSESSOR,
    SubmissionStatus.REFERRED: UnitStatus.REFERRED,
    SubmissionStatus.AWAITING_COUNTERSIGN: UnitStatus.BEING_CHECKED,
    SubmissionStatus.AWAITING_IQA: UnitStatus.BEING_CHECKED,
    # Final in assessment, but not (yet) on the learner record: only the record says achieved.
    SubmissionStatus.ACHIEVED: UnitStatus.BEING_CHECKED,
}


def standing_of(
    *,
    achieved: bool,
    status: SubmissionStatus | None,
    decided: bool = False,
    submitted_at: datetime | None = None,
    revoked: bool = False,
) -> UnitStanding:
    """Where a unit stands, given whether it is on the record (and revoked with its award),
    the status of its latest submission (if any) and whether a decision was made on it."""
    if achieved:
        return UnitStanding(UnitStatus.REVOKED if revoked else UnitStatus.ACHIEVED, submitted_at)
    if status is None:
        return NOT_SUBMITTED
    # A submission waiting again after a decision was made on it: a countersigner or an IQA
    # returned that decision to its assessor.
    if status == SubmissionStatus.SUBMITTED and decided:
        return UnitStanding(UnitStatus.LOOKED_AT_AGAIN, submitted_at)
    return UnitStanding(_FROM_SUBMISSION[status], submitted_at)


def achieved_exists(enrolment_id, unit_code, *, revoked: bool = False):
    """An EXISTS clause: the unit (by code) is on the enrolment's learner record (and, with
    `revoked`, was revoked with her award)."""
    clause = exists().where(
        UnitAchievement.enrolment_id == enrolment_id, UnitAchievement.unit_code == unit_code
    )
    return clause.where(award_status.unit_revoked()) if revoked else clause


def decided_exists(submission_id):
    """An EXISTS clause: a decision has been made on the submission."""
    return exists().where(Decision.submission_id == submission_id)


@cache
def _standing_statements() -> tuple[Select, Select]:
    """The two statements `unit_standings` runs: the units' submissions, oldest first, and
    their achievements. Built once: asked on every trainee's home and for every page of a
    cohort, and building them costs as much as running them."""
    enrolment_ids = bindparam("enrolment_ids", expanding=True)
    unit_ids = bindparam("unit_ids", expanding=True)
    submitted = aliased(Unit)
    submissions = (
        select(
            Submission.enrolment_id,
            Unit.id,
            Submission.status,
            Submission.submitted_at,
            decided_exists(Submission.id),
        )
        .join(submitted, submitted.id == Submission.unit_id)
        .join(Unit, Unit.code == submitted.code)
        .where(Submission.enrolment_id.in_(enrolment_ids), Unit.id.in_(unit_ids))
        .order_by(Submission.submitted_at, Submission.id)
    )
    achievements = (
        select(UnitAchievement.enrolment_id, Unit.id, award_status.unit_revoked())
        .join(Unit, Unit.code == UnitAchievement.unit_code)
        .where(UnitAchievement.enrolment_id.in_(enrolment_ids), Unit.id.in_(unit_ids))
    )
    return submissions, achievements


def unit_standings(
    session: Session, enrolment_ids: Sequence[int], unit_ids: Sequence[int]
) -> dict[tuple[int, int], UnitStanding]:
    """{(enrolment id, unit id): standing} for the units (of `unit_ids`) that have a
    submission or an achievement; any other is `NOT_SUBMITTED`. Two queries."""
    submissions, achievements = _standing_statements()
    params = {"unit_ids": list(unit_ids), "enrolment_ids": list(enrolment_ids)}
    standings: dict[tuple[int, int], UnitStanding] = {}
    for enrolment_id, unit_id, status, submitted_at, decided in session.execute(
        submissions, params
    ):
        standings[(enrolment_id, unit_id)] = standing_of(
            achieved=False, status=status, decided=bool(decided), submitted_at=submitted_at
        )
    for enrolment_id, unit_id, revoked in session.execute(achievements, params):
        latest = standings.get((enrolment_id, unit_id), NOT_SUBMITTED)
        standings[(enrolment_id, unit_id)] = standing_of(
            achieved=True, status=None, submitted_at=latest.submitted_at, revoked=bool(revoked)
        )
    return standings


def unit_standing(session: Session, enrolment_id: int, unit_id: int) -> UnitStanding:
    """Where one unit stands for one enrolment."""
    return unit_standings(session, [enrolment_id], [unit_id]).get(
        (enrolment_id, unit_id), NOT_SUBMITTED
    )
