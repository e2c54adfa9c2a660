"""Whether an award is current: the one answer every reader gives.

An award is current from the moment it is made until it is revoked. The `Revocation` row
(append-only, never undone) is the only record of a revocation: nothing else is changed or
stored, so the enrolment keeps the status `achieved` it was given when the award was made.
Every reader therefore asks here rather than reading `Enrolment.status` alone: the API, the
franchise and partner overviews, cohort progress with its exports and charts, certificate
downloads, the cohort archive, claims and the published status lists.

When a whole award is revoked, the units on her record for that qualification are revoked with
it: every `UnitAchievement` of the enrolment recorded up to the moment of revocation, for the
same reason and on the same date (docs/accreditation.md says why). A unit signed off after the
revocation is a fresh judgement and stands.

What readers show for an enrolment is its status, except that an achieved enrolment whose
award was revoked shows as `revoked` ("Award revoked"): `status_value`, `status_label` and
`STATUS_LABELS` in Python, `status_is` and `status_order` in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, ScalarSelect, Select, and_, case, select
from sqlalchemy.orm import Session

from lms.accreditation.models import QualificationAward, Revocation, UnitAchievement
from lms.curriculum.models import Enrolment, EnrolmentStatus
from lms.i18n import _l

REVOKED = "revoked"
REVOKED_LABEL = _l("Award revoked")


def _labels() -> dict[str, str]:
    """Every status a reader shows, in the order of a trainee's way through: `revoked` comes
    straight after `achieved`, which it once was."""
    labels = {}
    for status in EnrolmentStatus:
        labels[status.value] = status.label
        if status == EnrolmentStatus.ACHIEVED:
            labels[REVOKED] = REVOKED_LABEL
    return labels


STATUS_LABELS = _labels()
STATUS_VALUES = list(STATUS_LABELS)


# --- awards and units -------------------------------------------------------------------------


def revoked_awards() -> Select:
    """(award_id, enrolment_id, revoked_at) of every revoked award."""
    return select(
        QualificationAward.id.label("award_id"),
        QualificationAward.enrolment_id.label("enrolment_id"),
        Revocation.revoked_at.label("revoked_at"),
    ).join(Revocation, Revocation.award_id == QualificationAward.id)


def revoked_units() -> Select:
    """(unit_achievement_id, revoked_at) of every unit achievement revoked with its award:
    those of the award's enrolment recorded up to the revocation."""
    return (
        select(
            UnitAchievement.id.label("unit_achievement_id"),
            Revocation.revoked_at.label("revoked_at"),
        )
        .join(QualificationAward, QualificationAward.enrolment_id == UnitAchievement.enrolment_id)
        .join(Revocation, Revocation.award_id == QualificationAward.id)
        .where(UnitAchievement.recorded_at <= Revocation.revoked_at)
    )


def award_is_current(award_id=QualificationAward.id) -> ColumnElement[bool]:
    """SQL: the award (by id) has not been revoked."""
    return award_id.not_in(select(Revocation.award_id))


def award_revoked(award_id=QualificationAward.id) -> ColumnElement[bool]:
    return award_id.in_(select(Revocation.award_id))


def unit_is_current(unit_achievement_id=UnitAchievement.id) -> ColumnElement[bool]:
    """SQL: the unit achievement (by id) was not revoked with its award."""
    return unit_achievement_id.not_in(select(revoked_units().subquery().c.unit_achievement_id))


def unit_revoked(unit_achievement_id=UnitAchievement.id) -> ColumnElement[bool]:
    return unit_achievement_id.in_(select(revoked_units().subquery().c.unit_achievement_id))


def revoked_units_of(session: Session, enrolment_ids: Iterable[int]) -> dict[int, datetime]:
    """{unit achievement id: revoked at} for these enrolments' revoked units. One query."""
    ids = list(enrolment_ids)
    if not ids:
        return {}
    return dict(session.execute(revoked_units().where(UnitAchievement.enrolment_id.in_(ids))).all())


# --- enrolments -------------------------------------------------------------------------------


def revoked_at(enrolment_id=Enrolment.id) -> ScalarSelect:
    """SQL: when the enrolment's award was revoked, or NULL (it has none, or it stands)."""
    return (
        select(Revocation.revoked_at)
        .join(QualificationAward, QualificationAward.id == Revocation.award_id)
        .where(QualificationAward.enrolment_id == enrolment_id)
        .scalar_subquery()
    )


def revocations(session: Session, enrolment_ids: Iterable[int]) -> dict[int, datetime]:
    """{enrolment id: when its award was revoked} for those of these enrolments whose award
    was revoked. One query (none for no enrolments)."""
    ids = list(enrolment_ids)
    if not ids:
        return {}
    statement = revoked_awards().where(QualificationAward.enrolment_id.in_(ids))
    return {row.enrolment_id: row.revoked_at for row in session.execute(statement)}


def _award_revoked_for(enrolment_id) -> ColumnElement[bool]:
    return enrolment_id.in_(select(revoked_awards().subquery().c.enrolment_id))


def holds_award(enrolment=Enrolment) -> ColumnElement[bool]:
    """SQL: she achieved the qualification and it stands (what completion rates count)."""
    return and_(enrolment.status == EnrolmentStatus.ACHIEVED, ~_award_revoked_for(enrolment.id))


def achieved_but_revoked(enrolment=Enrolment) -> ColumnElement[bool]:
    """SQL: she achieved the qualification, and the award was revoked."""
    return and_(enrolment.status == EnrolmentStatus.ACHIEVED, _award_revoked_for(enrolment.id))


# --- the status readers show ------------------------------------------------------------------


def status_value(status: EnrolmentStatus, revoked: datetime | bool | None) -> str:
    """The status to show: `revoked` for an achieved enrolment whose award was revoked
    (`revoked`: when it was, or whether it was)."""
    if status == EnrolmentStatus.ACHIEVED and revoked:
        return REVOKED
    return status.value


def status_label(status: EnrolmentStatus, revoked: datetime | bool | None) -> str:
    return str(STATUS_LABELS[status_value(status, revoked)])


def labels_to_show(any_revoked: bool) -> dict[str, str]:
    """`STATUS_LABELS`, without "Award revoked" where no award was revoked (for columns and
    charts that would otherwise show a row of noughts)."""
    return {
        value: str(label)
        for value, label in STATUS_LABELS.items()
        if value != REVOKED or any_revoked
    }


def status_is(value: str, enrolment=Enrolment) -> ColumnElement[bool]:
    """SQL: the enrolment shows as `value` (one of `STATUS_VALUES`)."""
    if value == EnrolmentStatus.ACHIEVED:
        return holds_award(enrolment)
    if value == REVOKED:
        return achieved_but_revoked(enrolment)
    return enrolment.status == EnrolmentStatus(value)


def status_order(enrolment=Enrolment) -> ColumnElement[int]:
    """SQL: the position of the status shown in `STATUS_VALUES`, for sorting."""
    by_status = case(
        {status.value: STATUS_VALUES.index(status.value) for status in EnrolmentStatus},
        value=enrolment.status,
    )
    return case((achieved_but_revoked(enrolment), STATUS_VALUES.index(REVOKED)), else_=by_status)
