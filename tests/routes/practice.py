"""Practice routes. `build` makes, for partner A ("own") and partner C ("foreign"), a trainee's
enrolment with a mentoring relationship and a session, a supervision session with an agreed
action, a flag, and a journal entry. Partner A's IQA is named the trainee's supervisor.

A trainee's practice is seen by her, her supervisor and her organisation's coordinators;
nobody else, and nobody of another organisation (franchisor administrators included). The
journal is hers alone."""

from __future__ import annotations

from datetime import timedelta

from lms.accounts.roles import Role
from lms.db import utcnow
from lms.extensions import db
from lms.practice import operations
from tests.factories import CohortFactory, EnrolmentFactory, course_with_content, member
from tests.routes import EVERYONE_SIGNED_IN, Route, hiding_foreign

HERS = frozenset({"trainee"})
SUPERVISORS = frozenset({"iqa", "coordinator"})
SEERS = HERS | SUPERVISORS


def _make(world, scope: str) -> dict:
    organisation = world.orgs["A" if scope == "own" else "C"]
    trainee = world.people["trainee" if scope == "own" else "foreign_trainee"]
    supervisor = world.people["iqa"] if scope == "own" else member(organisation, Role.IQA)
    course = course_with_content(units=1, lessons=1, outcomes=1, criteria=1)
    cohort = CohortFactory(organisation=organisation, course=course)
    enrolment = EnrolmentFactory(
        user=trainee,
        course=course,
        organisation=organisation,
        cohort=cohort,
        enrolled_at=utcnow() - timedelta(days=30),
    )
    session = db.session
    today = utcnow().date()
    operations.assign_supervisor(session, enrolment, supervisor)
    mentoring = operations.start_relationship(
        session, enrolment, pseudonym="Bluebird", started_on=today, goals="To feel settled."
    )
    operations.log_session(
        session, mentoring, enrolment, held_on=today, minutes=60, mode="phone", support="emotional"
    )
    supervision = operations.record_supervision(
        session,
        organisation,
        supervisor,
        [enrolment],
        held_on=today,
        topics="Boundaries.",
        actions=[("Read the boundaries guide", today + timedelta(days=7))],
    )
    flag = operations.raise_flag(
        session, enrolment, supervisor, kind="wellbeing", follow_up_on=today + timedelta(days=3)
    )
    entry = operations.write_entry(
        session, enrolment, trainee, title="First week", headings=[""], answers=["It went well."]
    )
    return {
        "enrolment": enrolment,
        "relationship": mentoring,
        "action": supervision.actions[0],
        "flag": flag,
        "entry": entry,
        "organisation": organisation,
    }


def build(world) -> None:
    world.objects["practice"] = {scope: _make(world, scope) for scope in ("own", "foreign")}
    db.session.commit()


def _get(world, scope):
    return world.objects["practice"][scope]


def _enrolment(world, scope):
    return {"enrolment_id": _get(world, scope)["enrolment"].id}


def _relationship(world, scope):
    objects = _get(world, scope)
    return {"enrolment_id": objects["enrolment"].id, "relationship_id": objects["relationship"].id}


def _flag(world, scope):
    objects = _get(world, scope)
    return {"enrolment_id": objects["enrolment"].id, "flag_id": objects["flag"].id}


def _action(world, scope):
    objects = _get(world, scope)
    return {"enrolment_id": objects["enrolment"].id, "action_id": objects["action"].id}


def _organisation(world, scope):
    return {"slug": _get(world, scope)["organisation"].slug}


def _entry(world, scope):
    return {"entry_id": _get(world, scope)["entry"].id}


ROUTES = [
    Route("practice.index", allowed=EVERYONE_SIGNED_IN),
    Route("practice.journal", allowed=EVERYONE_SIGNED_IN),
    Route("practice.enrolment", allowed=SEERS, url_args=_enrolment),
    Route("practice.new_relationship", allowed=HERS, url_args=_enrolment),
    Route("practice.relationship", allowed=SEERS, url_args=_relationship),
    Route("practice.log_session", allowed=HERS, url_args=_relationship),
    Route("practice.close_relationship", allowed=HERS, url_args=_relationship),
    Route("practice.assign_supervisor", allowed=frozenset({"coordinator"}), url_args=_enrolment),
    Route("practice.raise_flag", allowed=SUPERVISORS, url_args=_enrolment),
    Route("practice.follow_up", allowed=SUPERVISORS, url_args=_flag),
    Route("practice.new_supervision", allowed=SUPERVISORS, url_args=_enrolment),
    Route("practice.action_done", allowed=SUPERVISORS, url_args=_action),
    Route("practice.overview", allowed=frozenset({"coordinator"}), url_args=_organisation),
    Route("practice.journal_new", allowed=HERS, url_args=_enrolment),
    Route("practice.journal_entry", allowed=HERS, url_args=_entry),
    Route("practice.journal_evidence", allowed=HERS, url_args=_entry),
]
# Another organisation's records answer exactly as ids that name nothing.
ROUTES = hiding_foreign(ROUTES)
