"""Evidence of one organisation cannot be reached from another, by any route.

People of partner B (the same franchise as A) and of partner C (another franchise), in every
role, with their own cohorts, evidence and decisions, try every portfolio, assessment and
notification route on partner A's objects. Every attempt is refused and nothing changes."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import func, select

from lms.accounts.roles import Role
from lms.assessment.models import Countersignature, Decision, IqaSample
from lms.audit.models import AuditEvent
from lms.portfolio.models import Evidence, EvidenceFile, Submission
from tests.factories import add_evidence, assessment_setting, member
from tests.routes import all_routes
from tests.test_authorisation import app_routes, make_world

AREAS = ("portfolio.", "assessment.")


def counts(session):
    return [
        session.scalar(select(func.count()).select_from(model))
        for model in (Evidence, EvidenceFile, Submission, Decision, Countersignature, IqaSample)
    ]


def test_no_route_reaches_another_organisations_evidence(app, session, signed_in):
    world = make_world()
    outsiders = []
    for key in ("B", "C"):
        elsewhere = assessment_setting(world.orgs[key])
        add_evidence(elsewhere, elsewhere.criteria())
        outsiders += [elsewhere.trainee, elsewhere.assessor, elsewhere.iqa]
        outsiders.append(member(world.orgs[key], Role.COORDINATOR))
        outsiders.append(member(world.orgs[key], Role.EQA))
    outsiders.append(member(world.orgs["G"], Role.ADMIN))
    outsiders.append(member(world.orgs["G"], Role.IQA))

    routes = all_routes()
    methods = app_routes(app)
    before = counts(session)
    downloads_before = session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "evidence.downloaded")
    )
    failures, tried = [], 0
    for endpoint, route in sorted(routes.items()):
        if not endpoint.startswith(AREAS) or route.url_args is None:
            continue
        with app.test_request_context():
            url = url_for(endpoint, **route.url_args(world, "own"))
        for person in outsiders:
            client = signed_in(person)
            for method in sorted(methods[endpoint]):
                response = client.open(url, method=method, data=route.form or {"agrees": "yes"})
                response.close()
                tried += 1
                if response.status_code not in (403, 404):
                    failures.append(
                        f"{method} {url} as {person.display_name}: {response.status_code}"
                    )
    assert not failures, "\n".join(failures)
    assert tried > 150
    assert counts(session) == before
    assert (
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "evidence.downloaded")
        )
        == downloads_before
    )
