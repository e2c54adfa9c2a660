"""Evidence of one organisation cannot be reached from another, by any route.

People of partner B (the same franchise as A) and of partner C (another franchise), in every
role, with their own cohorts, evidence and decisions, try every portfolio, assessment and
notification route on partner A's objects. Every attempt is answered "not found" (a 403
would confirm that the object is there) and nothing changes."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import func, select

from lms.accounts.roles import Role
from lms.assessment import operations as assessment
from lms.assessment import quality
from lms.assessment.models import Countersignature, Decision, IqaSample, Outcome
from lms.assessment.operations import Verdict
from lms.audit.models import AuditEvent
from lms.portfolio import operations as portfolio
from lms.portfolio.models import Evidence, EvidenceFile, Submission
from lms.web import MAX_ID
from tests.factories import add_evidence, assessment_setting, member
from tests.routes import all_routes, assert_answers_as_missing
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
                if response.status_code != 404:
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


def _worked_setting(session):
    """A partner whose trainee has evidence with a file, a unit waiting for the assessor, a
    signed-off unit in the IQA's sample and a standardisation exercise."""
    here = assessment_setting()
    evidence = add_evidence(here, here.criteria())
    waiting = portfolio.submit_unit(session, here.enrolment, here.unit, declaration_confirmed=True)
    add_evidence(here, here.criteria(here.units[1]), title="Session plan")
    signed = portfolio.submit_unit(
        session, here.enrolment, here.units[1], declaration_confirmed=True
    )
    decision = assessment.judge(
        session,
        signed,
        here.assessor,
        expected_version=1,
        outcome=Outcome.SIGNED_OFF,
        verdicts={c.id: Verdict(True) for c in here.criteria(here.units[1])},
    )
    sample = session.scalar(select(IqaSample).where(IqaSample.decision_id == decision.id))
    if sample is None:
        sample = assessment.pick_for_sampling(session, decision, here.iqa)
    exercise = quality.start_standardisation(
        session,
        here.organisation,
        here.iqa,
        title="Reflective accounts",
        submission=waiting,
        assessor_ids=[here.assessor.id, member(here.organisation, Role.ASSESSOR).id],
    )
    session.commit()
    file = session.scalar(select(EvidenceFile).where(EvidenceFile.evidence_id == evidence.id))
    return here, evidence, file, waiting, decision, sample, exercise


def test_another_organisations_portfolio_answers_as_if_it_did_not_exist(session, signed_in):
    """Not 403, which would confirm that the trainee, her evidence or her file is there."""
    here, evidence, file, waiting, *_ = _worked_setting(session)
    elsewhere = assessment_setting()
    e, m = here.enrolment.id, MAX_ID
    reads = [
        (f"/portfolio/{e}", f"/portfolio/{m}"),
        (f"/portfolio/{e}/units/{here.unit.id}", f"/portfolio/{m}/units/{m}"),
        (f"/portfolio/{e}/evidence/{evidence.id}", f"/portfolio/{m}/evidence/{m}"),
        (f"/portfolio/{e}/files/{file.id}", f"/portfolio/{m}/files/{m}"),
        (f"/portfolio/{e}/submissions/{waiting.id}", f"/portfolio/{m}/submissions/{m}"),
    ]
    for person in (elsewhere.trainee, elsewhere.assessor, elsewhere.iqa):
        for url, missing in reads:
            assert_answers_as_missing(signed_in(person), url, missing)
    trainee = signed_in(elsewhere.trainee)
    for url, missing in [
        (f"/portfolio/{e}/evidence/new", f"/portfolio/{m}/evidence/new"),
        (f"/portfolio/{e}/evidence/{evidence.id}/edit", f"/portfolio/{m}/evidence/{m}/edit"),
        (f"/portfolio/{e}/evidence/{evidence.id}/files", f"/portfolio/{m}/evidence/{m}/files"),
        (f"/portfolio/{e}/units/{here.unit.id}/submit", f"/portfolio/{m}/units/{m}/submit"),
    ]:
        assert_answers_as_missing(trainee, url, missing, "POST")


def test_another_organisations_assessment_answers_as_if_it_did_not_exist(session, signed_in):
    """Submissions, decisions, samples, exercises and plans of another organisation are "not
    found" for its assessors and IQAs, exactly like ids that name nothing."""
    here, _, _, waiting, decision, sample, exercise = _worked_setting(session)
    elsewhere = assessment_setting()
    assessor, iqa = signed_in(elsewhere.assessor), signed_in(elsewhere.iqa)
    m, slug = MAX_ID, here.organisation.slug
    for client, method, url, missing in [
        (assessor, "GET", f"/assessment/submissions/{waiting.id}", f"/assessment/submissions/{m}"),
        (
            assessor,
            "POST",
            f"/assessment/decisions/{decision.id}/countersign",
            f"/assessment/decisions/{m}/countersign",
        ),
        (assessor, "GET", f"/standardisation/{exercise.id}", f"/standardisation/{m}"),
        (iqa, "GET", f"/iqa/samples/{sample.id}", f"/iqa/samples/{m}"),
        (iqa, "POST", f"/iqa/decisions/{decision.id}/pick", f"/iqa/decisions/{m}/pick"),
        (iqa, "GET", f"/iqa/{slug}/report", "/iqa/nowhere/report"),
        (iqa, "GET", f"/iqa/{slug}/plan", "/iqa/nowhere/plan"),
        (iqa, "POST", f"/standardisation/{exercise.id}/close", f"/standardisation/{m}/close"),
    ]:
        assert_answers_as_missing(client, url, missing, method)
