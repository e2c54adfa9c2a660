"""Portfolio and notification routes. `build` makes, for partner A ("own") and partner C
("foreign"), a trainee's enrolment with evidence and a file, a submission waiting in the
queue, a signed-off unit waiting for the IQA, a standardisation exercise, and a grant of EQA
access (own: to the table's EQA; foreign: to an EQA of partner C)."""

from __future__ import annotations

from lms.accounts.roles import Role
from lms.assessment import operations as assessment
from lms.assessment import quality
from lms.assessment.models import IqaSample, Outcome
from lms.assessment.operations import Verdict
from lms.curriculum.models import CohortRole
from lms.db import utcnow
from lms.extensions import db
from lms.portfolio import operations as portfolio
from lms.portfolio.models import EvidenceFile
from tests.factories import (
    CohortFactory,
    CohortStaffFactory,
    EnrolmentFactory,
    add_evidence,
    course_with_content,
    member,
)
from tests.routes import EVERYONE_SIGNED_IN, Route, hiding_foreign

READERS = frozenset({"trainee", "assessor", "iqa", "eqa"})


def _make(world, scope: str) -> dict:
    from datetime import timedelta

    from sqlalchemy import select

    from lms.curriculum.models import AssessmentCriterion, CourseUnit, Unit
    from lms.notifications.models import Notification

    organisation = world.orgs["A" if scope == "own" else "C"]
    people = world.people
    trainee = people["trainee" if scope == "own" else "foreign_trainee"]
    assessor = people["assessor" if scope == "own" else "foreign_assessor"]
    iqa = people["iqa"] if scope == "own" else member(organisation, Role.IQA)
    second = member(organisation, Role.ASSESSOR)
    course = course_with_content(units=2, lessons=1, outcomes=2, criteria=2)
    cohort = CohortFactory(organisation=organisation, course=course)
    for person in (assessor, second):
        CohortStaffFactory(cohort=cohort, user=person, role=CohortRole.ASSESSOR)
    enrolment = EnrolmentFactory(
        user=trainee, course=course, organisation=organisation, cohort=cohort
    )
    units = list(
        db.session.scalars(
            select(Unit)
            .join(CourseUnit, CourseUnit.unit_id == Unit.id)
            .where(CourseUnit.course_id == course.id)
            .order_by(CourseUnit.position)
        )
    )

    def criteria(unit):
        return list(
            db.session.scalars(
                select(AssessmentCriterion).where(AssessmentCriterion.unit_id == unit.id)
            )
        )

    evidence = add_evidence(enrolment, criteria(units[0]))
    add_evidence(enrolment, criteria(units[1]), title="Session plan")
    waiting = portfolio.submit_unit(db.session, enrolment, units[0], declaration_confirmed=True)
    signed = portfolio.submit_unit(db.session, enrolment, units[1], declaration_confirmed=True)
    decision = assessment.judge(
        db.session,
        signed,
        second,
        expected_version=1,
        outcome=Outcome.SIGNED_OFF,
        verdicts={c.id: Verdict(True) for c in criteria(units[1])},
    )
    sample = db.session.scalar(select(IqaSample).where(IqaSample.decision_id == decision.id))
    exercise = quality.start_standardisation(
        db.session,
        organisation,
        iqa,
        title="Reflective accounts",
        submission=waiting,
        assessor_ids=[assessor.id, second.id],
    )
    today = utcnow().date()
    grant = quality.grant_eqa_access(
        db.session,
        organisation,
        iqa,
        email=(people["eqa"] if scope == "own" else member(organisation, Role.EQA)).email,
        enrolment_ids=[enrolment.id],
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=30),
    )
    db.session.commit()
    return {
        "organisation": organisation,
        "enrolment": enrolment,
        "unit": units[0],
        "evidence": evidence,
        "file": db.session.scalar(
            select(EvidenceFile).where(EvidenceFile.evidence_id == evidence.id)
        ),
        "submission": waiting,
        "decision": decision,
        "sample": sample,
        "exercise": exercise,
        "grant": grant,
        # Hers: the notice that her submission arrived.
        "notification": db.session.scalar(
            select(Notification).where(Notification.user_id == trainee.id).order_by(Notification.id)
        ),
    }


def build(world):
    world.objects["portfolio"] = {scope: _make(world, scope) for scope in ("own", "foreign")}


def _objects(world, scope):
    return world.objects["portfolio"][scope]


def _enrolment(world, scope):
    return {"enrolment_id": _objects(world, scope)["enrolment"].id}


def _unit(world, scope):
    return {**_enrolment(world, scope), "unit_id": _objects(world, scope)["unit"].id}


def _evidence(world, scope):
    return {**_enrolment(world, scope), "evidence_id": _objects(world, scope)["evidence"].id}


def _file(world, scope):
    return {**_enrolment(world, scope), "file_id": _objects(world, scope)["file"].id}


def _evidence_file(world, scope):
    return {**_evidence(world, scope), "file_id": _objects(world, scope)["file"].id}


def _notification(world, scope):
    return {"notification_id": _objects(world, scope)["notification"].id}


def _submission(world, scope):
    return {**_enrolment(world, scope), "submission_id": _objects(world, scope)["submission"].id}


TRAINEE = frozenset({"trainee"})

ROUTES = [
    Route("portfolio.index", allowed=EVERYONE_SIGNED_IN),
    Route("portfolio.overview", allowed=READERS, url_args=_enrolment),
    Route("portfolio.unit", allowed=READERS, url_args=_unit),
    Route("portfolio.evidence", allowed=READERS, url_args=_evidence),
    Route("portfolio.download", allowed=READERS, url_args=_file),
    Route("portfolio.submission", allowed=READERS, url_args=_submission),
    Route("portfolio.new_evidence", allowed=TRAINEE, url_args=_enrolment),
    Route("portfolio.edit_evidence", allowed=TRAINEE, url_args=_evidence),
    Route("portfolio.add_file", allowed=TRAINEE, url_args=_evidence),
    Route("portfolio.remove_file", allowed=TRAINEE, url_args=_evidence_file),
    Route("portfolio.submit", allowed=TRAINEE, url_args=_unit),
    Route("portfolio.record_evidence", allowed=frozenset({"assessor"}), url_args=_enrolment),
    Route("notifications.index", allowed=EVERYONE_SIGNED_IN),
    Route("notifications.mark_read", allowed=EVERYONE_SIGNED_IN),
    # Each marks only her own; anyone else's answers as a missing id.
    Route("notifications.mark_one_read", allowed=TRAINEE, url_args=_notification),
    Route("notifications.settings", allowed=EVERYONE_SIGNED_IN),
]
# Another organisation's records answer exactly as ids that name nothing.
ROUTES = hiding_foreign(ROUTES)
