"""Assessment, IQA and EQA routes; their objects are made by tests/routes/portfolio.py."""

from __future__ import annotations

from tests.routes import Route, hiding_foreign


def _objects(world, scope):
    return world.objects["portfolio"][scope]


def _submission(world, scope):
    return {"submission_id": _objects(world, scope)["submission"].id}


def _decision(world, scope):
    return {"decision_id": _objects(world, scope)["decision"].id}


def _sample(world, scope):
    return {"sample_id": _objects(world, scope)["sample"].id}


def _organisation(world, scope):
    return {"slug": _objects(world, scope)["organisation"].slug}


def _assessor(world, scope):
    person = world.people["assessor" if scope == "own" else "foreign_assessor"]
    return {**_organisation(world, scope), "user_id": person.id}


def _exercise(world, scope):
    return {"exercise_id": _objects(world, scope)["exercise"].id}


def _grant(world, scope):
    return {**_organisation(world, scope), "grant_id": _objects(world, scope)["grant"].id}


ASSESSOR = frozenset({"assessor"})
IQA = frozenset({"iqa"})
COORDINATOR_OR_ADMIN = frozenset({"coordinator", "admin"})

ROUTES = [
    Route("assessment.queue", allowed=ASSESSOR),
    Route("assessment.judge", allowed=ASSESSOR, url_args=_submission),
    Route("assessment.countersign", allowed=ASSESSOR, url_args=_decision),
    Route("assessment.iqa_home", allowed=IQA),
    Route("assessment.review", allowed=IQA, url_args=_sample),
    Route("assessment.pick_sample", allowed=IQA, url_args=_decision),
    Route("assessment.sampling_plan", allowed=IQA, url_args=_organisation),
    Route("assessment.report", allowed=IQA, url_args=_organisation),
    Route(
        "assessment.assessor_standing",
        allowed=IQA,
        url_args=_assessor,
        form={"trainee": "1"},
    ),
    Route("assessment.new_standardisation", allowed=IQA, url_args=_organisation),
    Route(
        "assessment.standardisation",
        allowed=frozenset({"iqa", "assessor", "eqa"}),
        url_args=_exercise,
    ),
    Route("assessment.standardisation_judge", allowed=ASSESSOR, url_args=_exercise),
    Route("assessment.close_standardisation", allowed=IQA, url_args=_exercise),
    Route(
        "assessment.eqa_access",
        allowed=frozenset({"iqa", "coordinator", "admin"}),
        url_args=_organisation,
    ),
    # Coordinators of the partner and administrators of its franchisor invite EQAs and end
    # grants early; IQAs, who may give access, do neither.
    Route(
        "assessment.invite_eqa",
        allowed=COORDINATOR_OR_ADMIN,
        url_args=_organisation,
        form={"invite-display_name": "Olu Okafor", "invite-email": "olu@example.org"},
    ),
    Route("assessment.end_eqa_grant", allowed=COORDINATOR_OR_ADMIN, url_args=_grant),
    Route("assessment.eqa_home", allowed=frozenset({"eqa"})),
]
# Another organisation's records answer exactly as ids that name nothing.
ROUTES = hiding_foreign(ROUTES)
