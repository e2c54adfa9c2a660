"""Recording achievements, awarding qualifications and revoking awards.
Functions flush; the caller commits.

The assessment track calls `record_unit_achievement` when a unit is signed off (and
countersigned, where the IQA sampled it). Everything after that is automatic: a unit badge,
the rules of combination, and, once they are met, the award with its certificate and
credential.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms import capabilities
from lms.accounts.models import Organisation, User
from lms.accreditation import award_status, codes, descriptions
from lms.accreditation.issuing import IssuingContext, issue_credential
from lms.accreditation.models import (
    Certificate,
    QualificationAward,
    Revocation,
    UnitAchievement,
)
from lms.audit.operations import record
from lms.curriculum.models import (
    Course,
    CourseUnit,
    Enrolment,
    EnrolmentStatus,
    LearningOutcome,
    Unit,
)
from lms.curriculum.rules import AchievedUnit, RulesResult, evaluate
from lms.db import utcnow
from lms.errors import Conflict, DomainError
from lms.i18n import _, format_date
from lms.notifications.delivery import link
from lms.notifications.operations import notify

REASON_MIN_LENGTH = 10
_FUTURE_TOLERANCE = timedelta(minutes=5)


def _when(moment: datetime | None, what: str) -> None:
    if moment is None:
        return
    if moment.tzinfo is None:
        raise DomainError(f"The {what} date must include a time zone.")
    if moment > utcnow() + _FUTURE_TOLERANCE:
        raise DomainError(f"The {what} date cannot be in the future.")


def achievements_of(session: Session, enrolment: Enrolment) -> list[UnitAchievement]:
    return list(
        session.scalars(
            select(UnitAchievement)
            .where(UnitAchievement.enrolment_id == enrolment.id)
            .order_by(UnitAchievement.unit_code)
        )
    )


def evaluate_enrolment(
    session: Session, enrolment: Enrolment, course: Course | None = None
) -> RulesResult:
    """The qualification's rules of combination applied to this trainee's achievements."""
    course = course or session.get(Course, enrolment.course_id)
    achieved = [
        AchievedUnit(code=a.unit_code, credits=a.credits, level=a.level)
        for a in achievements_of(session, enrolment)
    ]
    return with_other_requirements(
        session, enrolment, evaluate(course.rules_of_combination, achieved)
    )


def with_other_requirements(
    session: Session, enrolment: Enrolment, result: RulesResult
) -> RulesResult:
    """`result` with what other capabilities still ask before award (practice hours, say:
    the `award_requirements` hook): the rules are not met while any is listed."""
    needed = [
        line
        for hook in capabilities.hooks("award_requirements")
        for line in hook(session, enrolment)
    ]
    if not needed:
        return result
    return replace(result, met=False, still_needed=[*result.still_needed, *needed])


def award_for(session: Session, enrolment: Enrolment) -> QualificationAward | None:
    return session.scalar(
        select(QualificationAward).where(QualificationAward.enrolment_id == enrolment.id)
    )


def _course_unit_codes(session: Session, course: Course) -> set[str]:
    return set(
        session.scalars(
            select(Unit.code)
            .join(CourseUnit, CourseUnit.unit_id == Unit.id)
            .where(CourseUnit.course_id == course.id)
        )
    )


def outcomes_by_unit(session: Session, unit_ids: list[int]) -> dict[int, list[LearningOutcome]]:
    grouped: dict[int, list[LearningOutcome]] = defaultdict(list)
    for outcome in session.scalars(
        select(LearningOutcome)
        .where(LearningOutcome.unit_id.in_(unit_ids))
        .order_by(LearningOutcome.unit_id, LearningOutcome.position, LearningOutcome.number)
    ):
        grouped[outcome.unit_id].append(outcome)
    return grouped


def record_unit_achievement(
    session: Session,
    enrolment: Enrolment,
    unit: Unit,
    *,
    signed_off_by: User,
    signed_off_at: datetime,
    countersigned_by: User | None = None,
    countersigned_at: datetime | None = None,
    evidence_summary: str = "",
    context: IssuingContext | None = None,
) -> UnitAchievement:
    """Record that `unit` was achieved on `enrolment`, issue its badge, and award the
    qualification when its rules are met. Recording the same unit again returns the
    achievement already recorded."""
    if not enrolment.is_active:
        raise DomainError(_("This enrolment has been withdrawn, so nothing more can be recorded."))
    course = session.get(Course, enrolment.course_id)
    if unit.code not in _course_unit_codes(session, course):
        raise DomainError(
            _("Unit %(unit)s is not part of %(course)s.", unit=unit.code, course=course.title)
        )
    _require_plausible_sign_off(
        enrolment,
        signed_off_by=signed_off_by,
        signed_off_at=signed_off_at,
        countersigned_by=countersigned_by,
        countersigned_at=countersigned_at,
    )
    existing = session.scalar(
        select(UnitAchievement).where(
            UnitAchievement.enrolment_id == enrolment.id, UnitAchievement.unit_code == unit.code
        )
    )
    if existing is not None:
        return existing

    achievement = _insert_achievement(
        session,
        enrolment,
        unit,
        UnitAchievement(
            enrolment_id=enrolment.id,
            user_id=enrolment.user_id,
            organisation_id=enrolment.organisation_id,
            unit_id=unit.id,
            unit_code=unit.code,
            credits=unit.credits,
            level=unit.level,
            signed_off_by_id=signed_off_by.id,
            signed_off_at=signed_off_at,
            countersigned_by_id=countersigned_by.id if countersigned_by else None,
            countersigned_at=countersigned_at,
            evidence_summary=evidence_summary.strip(),
        ),
    )
    context = context or IssuingContext.from_app()
    _issue_unit_credential(session, context, enrolment, unit, course, achievement)
    if _qualification_newly_met(session, enrolment, course):
        issue_award(session, enrolment, context=context)
    return achievement


def _require_plausible_sign_off(
    enrolment: Enrolment,
    *,
    signed_off_by: User,
    signed_off_at: datetime,
    countersigned_by: User | None,
    countersigned_at: datetime | None,
) -> None:
    if (countersigned_by is None) != (countersigned_at is None):
        raise DomainError(_("A countersignature needs both the quality assurer and the date."))
    _when(signed_off_at, "sign-off")
    _when(countersigned_at, "countersignature")
    if signed_off_at < enrolment.enrolled_at:
        raise DomainError(_("A unit cannot be signed off before the trainee enrolled."))
    if countersigned_at is not None and countersigned_at < signed_off_at:
        raise DomainError(_("A unit cannot be countersigned before it was signed off."))
    if signed_off_by.id == enrolment.user_id or (
        countersigned_by is not None and countersigned_by.id == enrolment.user_id
    ):
        raise DomainError(_("A trainee cannot sign off or countersign her own unit."))


def _insert_achievement(
    session: Session, enrolment: Enrolment, unit: Unit, achievement: UnitAchievement
) -> UnitAchievement:
    # A savepoint, so that losing a race to record the same unit leaves the caller's
    # transaction usable for telling the person so.
    try:
        with session.begin_nested():
            session.add(achievement)
            session.flush()
    except IntegrityError:
        raise Conflict(
            _("Unit %(unit)s has just been recorded by someone else.", unit=unit.code)
        ) from None
    record(
        session,
        "accreditation.unit_recorded",
        obj=achievement,
        organisation_id=enrolment.organisation_id,
        user_id=enrolment.user_id,
        unit=unit.code,
        credits=unit.credits,
    )
    return achievement


def _issue_unit_credential(
    session: Session,
    context: IssuingContext,
    enrolment: Enrolment,
    unit: Unit,
    course: Course,
    achievement: UnitAchievement,
) -> None:
    issue_credential(
        session,
        context,
        organisation=session.get(Organisation, enrolment.organisation_id),
        holder=session.get(User, enrolment.user_id),
        achievement=descriptions.unit_achievement(
            context, unit, outcomes_by_unit(session, [unit.id]).get(unit.id, []), course
        ),
        awarded_at=achievement.countersigned_at or achievement.signed_off_at,
        credits_earned=unit.credits,
        unit_achievement=achievement,
    )


def _qualification_newly_met(session: Session, enrolment: Enrolment, course: Course) -> bool:
    return bool(
        course.is_qualification
        and course.rules_of_combination
        and award_for(session, enrolment) is None
        and evaluate_enrolment(session, enrolment, course).met
    )


def issue_award(
    session: Session,
    enrolment: Enrolment,
    *,
    awarded_by: User | None = None,
    context: IssuingContext | None = None,
) -> QualificationAward:
    """Award the qualification, with its certificate and Open Badges credential. Refused,
    with what is still needed, when the record does not yet meet the rules."""
    course = session.get(Course, enrolment.course_id)
    result = _require_awardable(session, enrolment, course)
    achievements = achievements_of(session, enrolment)
    award = _insert_award(
        session,
        QualificationAward(
            enrolment_id=enrolment.id,
            user_id=enrolment.user_id,
            course_id=course.id,
            organisation_id=enrolment.organisation_id,
            awarded_at=utcnow(),
            credits=result.credits,
            unit_codes=[a.unit_code for a in achievements],
            awarded_by_id=awarded_by.id if awarded_by else None,
        ),
    )

    context = context or IssuingContext.from_app()
    organisation = session.get(Organisation, enrolment.organisation_id)
    holder = session.get(User, enrolment.user_id)
    units = {
        unit.id: unit
        for unit in session.scalars(
            select(Unit).where(Unit.id.in_([a.unit_id for a in achievements]))
        )
    }
    certificate = _issue_certificate(
        session, award, course, organisation, holder, achievements, units
    )
    _issue_award_credential(
        session,
        context,
        award,
        course,
        organisation,
        holder,
        [units[a.unit_id] for a in achievements],
    )
    enrolment.status = EnrolmentStatus.ACHIEVED
    enrolment.achieved_at = award.awarded_at  # read by the franchise overview (time to award)
    session.flush()
    record(
        session,
        "accreditation.awarded",
        obj=award,
        organisation_id=organisation.id,
        user_id=holder.id,
        course=course.code,
        credits=award.credits,
        certificate=certificate.verification_code,
    )
    notify(session, holder, "award.made", url=link("accreditation.my_achievements"))
    return award


def _issue_award_credential(
    session: Session,
    context: IssuingContext,
    award: QualificationAward,
    course: Course,
    organisation: Organisation,
    holder: User,
    units: list[Unit],
) -> None:
    issue_credential(
        session,
        context,
        organisation=organisation,
        holder=holder,
        achievement=descriptions.qualification_achievement(
            context, course, units, outcomes_by_unit(session, [unit.id for unit in units])
        ),
        awarded_at=award.awarded_at,
        credits_earned=award.credits,
        award=award,
    )


def _require_awardable(session: Session, enrolment: Enrolment, course: Course) -> RulesResult:
    """The rules' result for an enrolment that may be awarded now; otherwise, why not."""
    if not course.is_qualification:
        raise DomainError(f"{course.title} is a short course: there is no qualification to award.")
    if not enrolment.is_active:
        raise DomainError(_("This enrolment has been withdrawn, so it cannot be awarded."))
    if not course.rules_of_combination:
        raise DomainError(
            _(
                "%(course)s has no rules of combination recorded, so we cannot tell when it "
                "is achieved. Please add them to the course before awarding it.",
                course=course.title,
            )
        )
    if (existing := award_for(session, enrolment)) is not None:
        raise DomainError(
            _(
                "This qualification was already awarded on %(date)s.",
                date=format_date(existing.awarded_at),
            )
        )
    result = evaluate_enrolment(session, enrolment, course)
    if not result.met:
        raise DomainError(
            _(
                "The record does not yet meet the qualification's rules, so it cannot be "
                "awarded. Still needed: %(needed)s.",
                needed="; ".join(result.still_needed),
            )
        )
    return result


def _insert_award(session: Session, award: QualificationAward) -> QualificationAward:
    # A savepoint, as for achievements: the loser of a race is told, not left with a broken
    # transaction.
    try:
        with session.begin_nested():
            session.add(award)
            session.flush()
    except IntegrityError:
        raise Conflict(_("This qualification has just been awarded by someone else.")) from None
    return award


def _issue_certificate(
    session: Session,
    award: QualificationAward,
    course: Course,
    organisation: Organisation,
    holder: User,
    achievements: list[UnitAchievement],
    units: dict[int, Unit],
) -> Certificate:
    franchisor = organisation.franchisor
    for _attempt in range(5):
        code = codes.new_code()
        if session.scalar(select(Certificate.id).where(Certificate.verification_code == code)):
            continue
        certificate = Certificate(
            award_id=award.id,
            verification_code=code,
            trainee_name=holder.display_name,
            qualification_title=course.title,
            qualification_code=course.code,
            level=course.level,
            credits=award.credits,
            awarded_on=award.awarded_at.date(),
            issuer_name=organisation.name,
            franchisor_name=franchisor.name if franchisor else None,
            awarding_body=course.awarding_body,
            units=[
                {"code": a.unit_code, "title": units[a.unit_id].title, "credits": a.credits}
                for a in achievements
            ],
        )
        session.add(certificate)
        session.flush()
        record(
            session,
            "accreditation.certificate_issued",
            obj=certificate,
            organisation_id=organisation.id,
            user_id=holder.id,
            code=code,
        )
        return certificate
    raise Conflict(_("A certificate could not be issued just now. Please try again."))


def revoke_award(
    session: Session, award: QualificationAward, *, revoked_by: User, reason: str
) -> Revocation:
    """Withdraw an award: its certificate and credential stop verifying, and so do the
    badges of the units on her record for it (`lms.accreditation.award_status`). Said once
    only."""
    reason = (reason or "").strip()
    if (
        existing := session.scalar(select(Revocation).where(Revocation.award_id == award.id))
    ) is not None:
        raise DomainError(
            _(
                "This award was already revoked on %(date)s. Nothing has changed.",
                date=format_date(existing.revoked_at),
            )
        )
    if len(reason) < REASON_MIN_LENGTH:
        raise DomainError(
            _(
                "Please give the reason for revoking, in a sentence or two. It is kept for the "
                "awarding body and is never shown publicly."
            ),
            field="reason",
        )
    revocation = Revocation(award_id=award.id, revoked_by_id=revoked_by.id, reason=reason)
    try:
        with session.begin_nested():
            session.add(revocation)
            session.flush()
    except IntegrityError:
        raise DomainError(_("This award has just been revoked by someone else.")) from None
    record(
        session,
        "accreditation.revoked",
        obj=award,
        organisation_id=award.organisation_id,
        user_id=award.user_id,
        reason=reason,
        units=len(award_status.revoked_units_of(session, [award.enrolment_id])),
    )
    notify(
        session,
        session.get(User, award.user_id),
        "award.revoked",
        url=link("accreditation.my_achievements"),
    )
    return revocation
