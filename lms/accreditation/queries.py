"""Read-side queries: verification, published keys and lists, records and downloads."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from lms.accounts.models import Organisation, User
from lms.accreditation import award_status, descriptions, keys, verification
from lms.accreditation.issuing import IssuingContext, published_keys, signed_status_list
from lms.accreditation.models import (
    Certificate,
    IssuedCredential,
    QualificationAward,
    Revocation,
    UnitAchievement,
)
from lms.accreditation.operations import outcomes_by_unit, with_other_requirements
from lms.accreditation.record_details import CriterionEvidence, details_for
from lms.accreditation.statuslist import StatusListError
from lms.assessment.unit_status import NOT_SUBMITTED, UnitStatus, unit_standings
from lms.audit.models import AuditEvent
from lms.curriculum.models import (
    Cohort,
    Course,
    CourseUnit,
    Enrolment,
    LearningOutcome,
    Unit,
)
from lms.curriculum.rules import AchievedUnit, RulesResult, evaluate
from lms.db import utcnow
from lms.errors import NotFound
from lms.i18n import _
from lms.ledger import checks as ledger

# --- public verification ----------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateCheck:
    certificate: Certificate
    revoked_at: datetime | None
    # The award, its certificate and the organisation's revocations all verify against the
    # organisation's signed ledger: only then may a page call the certificate genuine.
    trusted: bool = False


def check_certificate(session: Session, code: str) -> CertificateCheck | None:
    """The certificate with this (normalised) verification code and whether it was revoked."""
    certificate = session.scalar(select(Certificate).where(Certificate.verification_code == code))
    if certificate is None:
        return None
    revoked_at = session.scalar(
        select(Revocation.revoked_at).where(Revocation.award_id == certificate.award_id)
    )
    return CertificateCheck(certificate, revoked_at, _trusted(session, certificate, revoked_at))


def _trusted(session: Session, certificate: Certificate, revoked_at: datetime | None) -> bool:
    """Whether what the page would say stands: the award and certificate unchanged since they
    were signed, the organisation's chain of revocations whole, and no revocation on the audit
    trail whose record is gone."""
    award_id = certificate.award_id
    organisation_id = session.scalar(
        select(QualificationAward.organisation_id).where(QualificationAward.id == award_id)
    )
    revoked_on_record = session.scalar(
        select(AuditEvent.id)
        .where(
            AuditEvent.action == "accreditation.revoked",
            AuditEvent.object_type == "QualificationAward",
            AuditEvent.object_id == str(award_id),
        )
        .limit(1)
    )
    return bool(
        ledger.verified(session, "qualification_award", [award_id])[award_id]
        and ledger.verified(session, "certificate", [certificate.id])[certificate.id]
        and ledger.chain_intact(session, organisation_id, "revocation")
        and (revoked_on_record is None or revoked_at is not None)
    )


def _organisation_for_issuer(
    session: Session, context: IssuingContext, issuer_id: str
) -> Organisation | None:
    prefix = f"{context.base_url}/issuers/"
    if not issuer_id.startswith(prefix):
        return None
    slug = issuer_id.removeprefix(prefix)
    if not slug or "/" in slug:
        return None
    return session.scalar(select(Organisation).where(Organisation.slug == slug))


def verify_submission(
    session: Session, submitted: str | bytes, context: IssuingContext, now: datetime | None = None
) -> verification.Verdict:
    """Check a pasted or uploaded credential against this site's issuers and status lists,
    the way any verifier would: keys as published, status lists as signed and served."""

    def keys_for_issuer(issuer_id: str):
        organisation = _organisation_for_issuer(session, context, issuer_id)
        if organisation is None:
            return []
        found = []
        for stored in published_keys(session, organisation):
            try:
                found.append((stored.kid, keys.public_key_from_jwk(stored.public_jwk)))
            except keys.SigningKeyError:
                continue
        return found

    def status_list(url: str) -> str:
        prefix = f"{context.base_url}/status-lists/"
        list_id = url.removeprefix(prefix) if url.startswith(prefix) else ""
        if not list_id.isdigit():
            raise StatusListError("it points at a status list this service does not publish.")
        try:
            # A check changes nothing: no key is made for it.
            return signed_status_list(session, context, int(list_id), make_key=False)
        except NotFound:
            raise StatusListError(
                "it points at a status list this service does not publish."
            ) from None

    return verification.verify(
        submitted,
        keys_for_issuer=keys_for_issuer,
        status_list=status_list,
        now=now or utcnow(),
    )


# The W3C Controlled Identifiers vocabulary: `verificationMethod`, `JsonWebKey`, `publicKeyJwk`.
CID_CONTEXT = "https://www.w3.org/ns/cid/v1"


def issuer_profile(session: Session, context: IssuingContext, organisation: Organisation) -> dict:
    """The issuer's Open Badges Profile, with the public keys its credentials name: each as a
    verification method whose id is the key's `kid` (so a `kid` from before, `<profile>#...`,
    resolves here too) and whose JWK is published; all may be used to check what they signed."""
    profile = context.issuer(organisation).profile()
    profile["@context"] = [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        CID_CONTEXT,
    ]
    methods = [
        {
            "id": stored.kid,
            "type": "JsonWebKey",
            "controller": profile["id"],
            "publicKeyJwk": {k: v for k, v in stored.public_jwk.items() if k != "kid"},
        }
        for stored in published_keys(session, organisation)
    ]
    profile["verificationMethod"] = methods
    profile["assertionMethod"] = [method["id"] for method in methods]
    return profile


def jwks(session: Session, organisation: Organisation) -> dict:
    """Every key the organisation has signed with, retired ones too (RFC 7517 JWK Set)."""
    return {"keys": [stored.public_jwk for stored in published_keys(session, organisation)]}


def public_key(session: Session, organisation: Organisation, thumbprint: str) -> dict:
    """The JWK an organisation's key id (`<profile>/keys/<thumbprint>`) dereferences to."""
    for stored in published_keys(session, organisation):
        try:
            if keys.thumbprint(keys.public_key_from_jwk(stored.public_jwk)) == thumbprint:
                return stored.public_jwk
        except keys.SigningKeyError:
            continue
    raise NotFound()


def achievement_description(session: Session, context: IssuingContext, code: str, version: int):
    """The published description of a qualification or unit version, for its Achievement id."""
    course = session.scalar(select(Course).where(Course.code == code))
    if course is not None and course.version == version and course.is_qualification:
        units = list(
            session.scalars(
                select(Unit)
                .join(CourseUnit, CourseUnit.unit_id == Unit.id)
                .where(CourseUnit.course_id == course.id)
                .order_by(CourseUnit.position)
            )
        )
        outcomes = outcomes_by_unit(session, [unit.id for unit in units])
        return descriptions.qualification_achievement(context, course, units, outcomes).to_json()
    unit = session.scalar(select(Unit).where(Unit.code == code, Unit.version == version))
    if unit is None:
        raise NotFound()
    course = session.scalar(
        select(Course)
        .join(CourseUnit, CourseUnit.course_id == Course.id)
        .join(Unit, Unit.id == CourseUnit.unit_id)
        .where(Unit.code == code)
        .order_by(Course.id)
        .limit(1)
    )
    if course is None:
        raise NotFound()
    outcomes = outcomes_by_unit(session, [unit.id]).get(unit.id, [])
    return descriptions.unit_achievement(context, unit, outcomes, course).to_json()


# --- the learner record -----------------------------------------------------------------------


@dataclass
class UnitRecord:
    unit: Unit
    mandatory: bool
    group_id: str | None
    outcomes: list[LearningOutcome]
    achievement: UnitAchievement | None = None
    # Where the unit stands (achieved exactly when `achievement` is recorded; otherwise
    # whether it is with an assessor, signed off and being checked, and so on).
    status: UnitStatus = UnitStatus.NOT_SUBMITTED

    @property
    def status_text(self) -> str:
        """ "Achieved", or "Not yet achieved" with where the unit is on its way."""
        if self.achievement is not None:
            return _("Achieved")
        if self.status in (UnitStatus.NOT_SUBMITTED, UnitStatus.ACHIEVED):
            return _("Not yet achieved")
        return _("Not yet achieved: %(status)s", status=self.status.label.lower())

    revoked_at: datetime | None = None  # revoked with the award (lms.accreditation.award_status)


@dataclass
class LearnerRecord:
    enrolment: Enrolment
    trainee: User
    course: Course
    organisation: Organisation
    units: list[UnitRecord]
    result: RulesResult
    award: QualificationAward | None
    certificate: Certificate | None
    revocation: Revocation | None
    credentials: list[IssuedCredential]
    evidence: dict[int, list[CriterionEvidence]] = field(default_factory=dict)
    # Whether the award (None without one) and each unit achievement (by id) match what the
    # organisation signed (lms.ledger).
    award_verified: bool | None = None
    achievements_verified: dict[int, bool] = field(default_factory=dict)

    @property
    def unverified_units(self) -> list[str]:
        return [
            u.achievement.unit_code
            for u in self.units
            if u.achievement is not None and not self.achievements_verified.get(u.achievement.id)
        ]

    @property
    def achieved_credits(self) -> int:
        return self.result.credits

    @property
    def required_credits(self) -> int:
        return int((self.course.rules_of_combination or {}).get("minimum_credits") or 0)

    def credential_for_unit(self, achievement_id: int) -> IssuedCredential | None:
        return next((c for c in self.credentials if c.unit_achievement_id == achievement_id), None)

    @property
    def award_credential(self) -> IssuedCredential | None:
        return next((c for c in self.credentials if c.award_id is not None), None)


# What the signed-in pages load with each record, for `load_or_404`: the permission rules
# read the record's organisation, and the pages its people.
ENROLMENT_WITH_PEOPLE = (joinedload(Enrolment.user), joinedload(Enrolment.organisation))
AWARD_WITH_CERTIFICATE = (
    joinedload(QualificationAward.organisation),
    selectinload(QualificationAward.certificate),
    selectinload(QualificationAward.revocation),
)
CREDENTIAL_WITH_ORGANISATION = (joinedload(IssuedCredential.organisation),)
COHORT_WITH_ORGANISATION = (joinedload(Cohort.organisation),)


def enrolments_of_user(session: Session, user: User) -> list[Enrolment]:
    """The person's own enrolments, latest first, with their course and organisation."""
    return list(
        session.scalars(
            select(Enrolment)
            .options(joinedload(Enrolment.course), joinedload(Enrolment.organisation))
            .where(Enrolment.user_id == user.id)
            .order_by(Enrolment.enrolled_at.desc())
        )
    )


def cohorts_of(session: Session, organisation: Organisation) -> list[Cohort]:
    return list(
        session.scalars(
            select(Cohort)
            .options(joinedload(Cohort.organisation))
            .where(Cohort.organisation_id == organisation.id)
            .order_by(Cohort.name)
        )
    )


def learner_record(session: Session, enrolment: Enrolment) -> LearnerRecord:
    """Everything an external verifier asks to see, in a fixed number of queries."""
    course = _course_down_to_criteria(session, enrolment.course_id)
    achievements = _achievements_by_unit_code(session, enrolment)
    standings = unit_standings(session, [enrolment.id], [cu.unit_id for cu in course.course_units])
    award = _award_with_certificate(session, enrolment)
    revoked = (
        award_status.revoked_units_of(session, [enrolment.id])
        if award is not None and award.revocation is not None
        else {}
    )
    units = [
        UnitRecord(
            unit=cu.unit,
            mandatory=cu.mandatory,
            group_id=cu.group_id,
            outcomes=list(cu.unit.outcomes),
            achievement=(achievement := achievements.get(cu.unit.code)),
            status=standings.get((enrolment.id, cu.unit_id), NOT_SUBMITTED).status,
            revoked_at=revoked.get(achievement.id) if achievement else None,
        )
        for cu in course.course_units
    ]
    credentials = _credentials_for(session, enrolment, list(achievements.values()), award)
    result = evaluate(
        course.rules_of_combination,
        [
            AchievedUnit(a.unit_code, a.credits, a.level)
            for a in achievements.values()
            if a.id not in revoked
        ],
    )
    result = with_other_requirements(session, enrolment, result)
    criterion_ids = [
        criterion.id for u in units for outcome in u.outcomes for criterion in outcome.criteria
    ]
    return LearnerRecord(
        enrolment=enrolment,
        trainee=enrolment.user,
        course=course,
        organisation=enrolment.organisation,
        units=units,
        result=result,
        award=award,
        certificate=award.certificate if award else None,
        revocation=award.revocation if award else None,
        credentials=credentials,
        evidence=details_for(session, enrolment, criterion_ids),
        award_verified=(
            ledger.verified(session, "qualification_award", [award.id])[award.id]
            if award is not None
            else None
        ),
        achievements_verified=ledger.verified(
            session, "unit_achievement", [a.id for a in achievements.values()]
        ),
    )


def _course_down_to_criteria(session: Session, course_id: int) -> Course:
    return session.scalar(
        select(Course)
        .options(
            selectinload(Course.course_units)
            .joinedload(CourseUnit.unit)
            .selectinload(Unit.outcomes)
            .selectinload(LearningOutcome.criteria)
        )
        .where(Course.id == course_id)
    )


def _achievements_by_unit_code(
    session: Session, enrolment: Enrolment
) -> dict[str, UnitAchievement]:
    return {
        a.unit_code: a
        for a in session.scalars(
            select(UnitAchievement)
            .options(
                joinedload(UnitAchievement.signed_off_by),
                joinedload(UnitAchievement.countersigned_by),
                joinedload(UnitAchievement.unit),
            )
            .where(UnitAchievement.enrolment_id == enrolment.id)
        )
    }


def _award_with_certificate(session: Session, enrolment: Enrolment) -> QualificationAward | None:
    return session.scalar(
        select(QualificationAward)
        .options(
            joinedload(QualificationAward.organisation),
            joinedload(QualificationAward.certificate),
            joinedload(QualificationAward.revocation).joinedload(Revocation.revoked_by),
        )
        .where(QualificationAward.enrolment_id == enrolment.id)
    )


def _credentials_for(
    session: Session,
    enrolment: Enrolment,
    achievements: list[UnitAchievement],
    award: QualificationAward | None,
) -> list[IssuedCredential]:
    """The credentials issued for these achievements and this award (none: no query)."""
    if not achievements and award is None:
        return []
    belongs = IssuedCredential.unit_achievement_id.in_([a.id for a in achievements])
    if award is not None:
        belongs = belongs | (IssuedCredential.award_id == award.id)
    return list(
        session.scalars(
            select(IssuedCredential)
            .options(joinedload(IssuedCredential.organisation))
            .where(IssuedCredential.user_id == enrolment.user_id, belongs)
            .order_by(IssuedCredential.id)
        )
    )


def records_for_organisation(session: Session, organisation: Organisation) -> list[dict]:
    """Each enrolment of the organisation with its credits so far and its award, for the
    coordinators' list. Three queries, however many trainees."""
    enrolments = list(
        session.scalars(
            select(Enrolment)
            .options(joinedload(Enrolment.user), joinedload(Enrolment.course))
            .where(Enrolment.organisation_id == organisation.id)
            .order_by(Enrolment.id)
        )
    )
    ids = [e.id for e in enrolments]
    credits: dict[int, int] = defaultdict(int)
    for enrolment_id, unit_credits in session.execute(
        select(UnitAchievement.enrolment_id, UnitAchievement.credits).where(
            UnitAchievement.enrolment_id.in_(ids)
        )
    ):
        credits[enrolment_id] += unit_credits
    awards = (
        {
            award.enrolment_id: award
            for award in session.scalars(
                select(QualificationAward)
                .options(
                    selectinload(QualificationAward.revocation),
                    selectinload(QualificationAward.certificate),
                )
                .where(QualificationAward.enrolment_id.in_(ids))
            )
        }
        if ids
        else {}
    )
    rows = [
        {"enrolment": e, "credits": credits[e.id], "award": awards.get(e.id)} for e in enrolments
    ]
    rows.sort(key=lambda row: (row["enrolment"].user.display_name.lower(), row["enrolment"].id))
    return rows


def awards_of_user(session: Session, user: User) -> list[QualificationAward]:
    return list(
        session.scalars(
            select(QualificationAward)
            .options(
                joinedload(QualificationAward.course),
                selectinload(QualificationAward.certificate),
                selectinload(QualificationAward.revocation),
            )
            .where(QualificationAward.user_id == user.id)
            .order_by(QualificationAward.awarded_at.desc())
        )
    )


def cohort_certificates(session: Session, cohort: Cohort) -> list[Certificate]:
    """The certificates of a cohort's trainees that still stand (revoked ones are left out)."""
    return list(
        session.scalars(
            select(Certificate)
            .join(QualificationAward, QualificationAward.id == Certificate.award_id)
            .join(Enrolment, Enrolment.id == QualificationAward.enrolment_id)
            .where(Enrolment.cohort_id == cohort.id, award_status.award_is_current())
            .order_by(Certificate.trainee_name, Certificate.id)
        )
    )
