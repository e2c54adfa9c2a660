"""Certification claims: what an organisation asks the awarding body to certificate.

A unit achievement or an award is claimed at most once. The unique constraints on
`ClaimLine` enforce it in the database, so two exports started at the same moment cannot
both claim the same thing: the second is refused and claims nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from lms.accounts.models import Organisation, User
from lms.accreditation import award_status
from lms.accreditation.models import (
    CertificationClaim,
    ClaimLine,
    QualificationAward,
    UnitAchievement,
)
from lms.audit.operations import record
from lms.curriculum.models import Course, Enrolment, Unit
from lms.errors import Conflict, DomainError, NotFound
from lms.i18n import _, _l

MAX_PERIOD_DAYS = 3 * 366
COLUMNS = [
    _l("Record"),
    _l("Learner name"),
    _l("Date of birth"),
    _l("Learner reference"),
    _l("Centre"),
    _l("Qualification code"),
    _l("Qualification"),
    _l("Unit code"),
    _l("Unit title"),
    _l("Level"),
    _l("Credits"),
    _l("Achieved on"),
    _l("Assessor"),
    _l("Signed off on"),
    _l("Internal quality assurer"),
    _l("Countersigned on"),
    # Filled in only when the award (or the award a unit was revoked with) was revoked after
    # it was claimed: the awarding body must be told.
    _l("Revoked on"),
]
# A cell a spreadsheet would read as a formula starts with one of these.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


@dataclass
class Claimable:
    units: list[UnitAchievement]
    awards: list[QualificationAward]

    def __bool__(self) -> bool:
        return bool(self.units or self.awards)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    if start is None or end is None:
        raise DomainError(
            _("Please give the first and last day of the period."), field="period_end"
        )
    if end < start:
        raise DomainError(
            _("The period must end on or after the day it starts."), field="period_end"
        )
    if (end - start).days > MAX_PERIOD_DAYS:
        raise DomainError(_("Please choose a period of three years or less."), field="period_start")
    return (
        datetime.combine(start, time.min, UTC),
        datetime.combine(end + timedelta(days=1), time.min, UTC),
    )


def claimable(session: Session, organisation: Organisation, start: date, end: date) -> Claimable:
    """Achievements of the period not yet claimed. Units count by sign-off date; revoked
    awards, and the units revoked with them, are never claimed."""
    begin, finish = _bounds(start, end)
    claimed_units = select(ClaimLine.unit_achievement_id).where(
        ClaimLine.unit_achievement_id.is_not(None)
    )
    claimed_awards = select(ClaimLine.award_id).where(ClaimLine.award_id.is_not(None))
    units = session.scalars(
        select(UnitAchievement)
        .where(
            UnitAchievement.organisation_id == organisation.id,
            UnitAchievement.signed_off_at >= begin,
            UnitAchievement.signed_off_at < finish,
            UnitAchievement.id.not_in(claimed_units),
            award_status.unit_is_current(),
        )
        .order_by(UnitAchievement.user_id, UnitAchievement.unit_code)
    ).all()
    awards = session.scalars(
        select(QualificationAward)
        .where(
            QualificationAward.organisation_id == organisation.id,
            QualificationAward.awarded_at >= begin,
            QualificationAward.awarded_at < finish,
            QualificationAward.id.not_in(claimed_awards),
            award_status.award_is_current(),
        )
        .order_by(QualificationAward.user_id)
    ).all()
    return Claimable(list(units), list(awards))


def create_claim(
    session: Session,
    organisation: Organisation,
    start: date,
    end: date,
    *,
    claimed_by: User | None,
    items: Claimable | None = None,
) -> CertificationClaim:
    """Claim everything ready in the period (or exactly `items`, found earlier)."""
    items = items if items is not None else claimable(session, organisation, start, end)
    if not items:
        raise DomainError(
            _(
                "Nothing is ready to claim for that period: there are no achievements in it, or "
                "every one has been claimed already."
            ),
            field="period_start",
        )
    claim = CertificationClaim(
        organisation_id=organisation.id,
        period_start=start,
        period_end=end,
        created_by_id=claimed_by.id if claimed_by else None,
    )
    try:
        with session.begin_nested():
            session.add(claim)
            session.flush()
            session.add_all(
                [ClaimLine(claim_id=claim.id, unit_achievement_id=a.id) for a in items.units]
                + [ClaimLine(claim_id=claim.id, award_id=a.id) for a in items.awards]
            )
            session.flush()
    except IntegrityError:
        raise Conflict(
            _(
                "Some of these achievements were claimed by another export a moment ago, so "
                "nothing was claimed this time. Please export again: you will get what is left."
            )
        ) from None
    record(
        session,
        "accreditation.claimed",
        obj=claim,
        organisation_id=organisation.id,
        units=len(items.units),
        awards=len(items.awards),
        period=f"{start.isoformat()}..{end.isoformat()}",
    )
    return claim


def revoked_since_claimed(session: Session, organisation: Organisation) -> dict[int, int]:
    """{claim id: lines revoked since the claim was made} for the organisation's claims that
    have any: the awarding body must be told of each. One query."""
    return dict(
        session.execute(
            select(ClaimLine.claim_id, func.count())
            .join(CertificationClaim, CertificationClaim.id == ClaimLine.claim_id)
            .where(
                CertificationClaim.organisation_id == organisation.id,
                or_(
                    award_status.award_revoked(ClaimLine.award_id),
                    award_status.unit_revoked(ClaimLine.unit_achievement_id),
                ),
            )
            .group_by(ClaimLine.claim_id)
        ).all()
    )


def claims_of(session: Session, organisation: Organisation) -> list[CertificationClaim]:
    return list(
        session.scalars(
            select(CertificationClaim)
            .options(joinedload(CertificationClaim.created_by))
            .where(CertificationClaim.organisation_id == organisation.id)
            .order_by(CertificationClaim.created_at.desc(), CertificationClaim.id.desc())
        )
    )


def claim_for(session: Session, organisation: Organisation, claim_id: int) -> CertificationClaim:
    claim = session.scalar(
        select(CertificationClaim).where(
            CertificationClaim.id == claim_id,
            CertificationClaim.organisation_id == organisation.id,
        )
    )
    if claim is None:
        raise NotFound()
    return claim


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet will show as text, never run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _day(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment else ""


def claim_rows(session: Session, claim: CertificationClaim) -> list[list[str]]:
    """One row per line of the claim, in the awarding body's columns (`COLUMNS`)."""
    organisation = session.get(Organisation, claim.organisation_id)
    lines = _claim_lines(session, claim)
    revoked_awards, revoked_units = _revocations_of(session, lines)
    rows = []
    for line in lines:
        if line.unit_achievement is not None:
            row = _unit_row(line.unit_achievement, organisation)
            revoked_on = revoked_units.get(line.unit_achievement_id)
        else:
            row = _qualification_row(line.award, organisation)
            revoked_on = revoked_awards.get(line.award_id)
        rows.append([*row, _day(revoked_on)])
    return rows


def _revocations_of(
    session: Session, lines: list[ClaimLine]
) -> tuple[dict[int, datetime], dict[int, datetime]]:
    """When each award and unit of these lines was revoked, if it was: two queries."""
    enrolment_ids = {line.award.enrolment_id for line in lines if line.award is not None} | {
        line.unit_achievement.enrolment_id for line in lines if line.unit_achievement is not None
    }
    revoked = award_status.revocations(session, enrolment_ids)
    awards = {
        line.award_id: revoked[line.award.enrolment_id]
        for line in lines
        if line.award is not None and line.award.enrolment_id in revoked
    }
    units = award_status.revoked_units_of(session, list(revoked)) if revoked else {}
    return awards, units


def _claim_lines(session: Session, claim: CertificationClaim) -> list[ClaimLine]:
    return list(
        session.scalars(
            select(ClaimLine)
            .options(
                joinedload(ClaimLine.unit_achievement).joinedload(UnitAchievement.user),
                joinedload(ClaimLine.unit_achievement).joinedload(UnitAchievement.unit),
                joinedload(ClaimLine.unit_achievement).joinedload(UnitAchievement.signed_off_by),
                joinedload(ClaimLine.unit_achievement).joinedload(UnitAchievement.countersigned_by),
                joinedload(ClaimLine.unit_achievement)
                .joinedload(UnitAchievement.enrolment)
                .joinedload(Enrolment.course),
                joinedload(ClaimLine.award).joinedload(QualificationAward.user),
                joinedload(ClaimLine.award).joinedload(QualificationAward.course),
            )
            .where(ClaimLine.claim_id == claim.id)
            .order_by(ClaimLine.id)
        )
    )


def _learner_cells(person: User, organisation: Organisation) -> list[str]:
    return [person.display_name, person.date_of_birth or "", f"L{person.id:06d}", organisation.name]


def _unit_row(achievement: UnitAchievement, organisation: Organisation) -> list[str]:
    course: Course = achievement.enrolment.course
    unit: Unit = achievement.unit
    countersigner = achievement.countersigned_by
    return [
        _("Unit"),
        *_learner_cells(achievement.user, organisation),
        course.code,
        course.title,
        unit.code,
        unit.title,
        achievement.level or "",
        str(achievement.credits),
        achievement.achieved_on.isoformat(),
        achievement.signed_off_by.display_name,
        _day(achievement.signed_off_at),
        countersigner.display_name if countersigner else "",
        _day(achievement.countersigned_at),
    ]


def _qualification_row(award: QualificationAward, organisation: Organisation) -> list[str]:
    return [
        _("Qualification"),
        *_learner_cells(award.user, organisation),
        award.course.code,
        award.course.title,
        "",
        "",
        award.course.level or "",
        str(award.credits),
        _day(award.awarded_at),
        "",
        "",
        "",
        "",
    ]


def claim_csv(session: Session, claim: CertificationClaim) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([str(column) for column in COLUMNS])
    for row in claim_rows(session, claim):
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()
