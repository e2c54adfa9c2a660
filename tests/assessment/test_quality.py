"""Standardisation, EQA access, manual sampling and the IQA report, as people use them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.accounts.roles import Role
from lms.assessment import operations, quality, queries
from lms.assessment.models import (
    IqaSample,
    Outcome,
    SampleReason,
    StandardisationExercise,
)
from lms.assessment.operations import Verdict
from lms.curriculum.models import CohortRole
from lms.db import utcnow
from lms.errors import DomainError
from lms.extensions import db
from lms.portfolio import operations as portfolio
from tests.factories import (
    CohortStaffFactory,
    MembershipFactory,
    PartnerFactory,
    add_evidence,
    assessment_setting,
    member,
)


@pytest.fixture
def setting(app):
    setting = assessment_setting()
    add_evidence(setting, setting.criteria())
    setting.extra["submission"] = portfolio.submit_unit(
        db.session, setting.enrolment, setting.unit, declaration_confirmed=True
    )
    second = member(setting.organisation, Role.ASSESSOR)
    CohortStaffFactory(cohort=setting.cohort, user=second, role=CohortRole.ASSESSOR)
    setting.extra["second"] = second
    db.session.commit()
    return setting


def test_a_standardisation_exercise_compares_independent_judgements(setting, signed_in):
    iqa = signed_in(setting.iqa)
    criteria = setting.criteria()
    response = iqa.post(
        f"/iqa/{setting.organisation.slug}/standardisation/new",
        data={
            "title": "Reflective accounts, spring",
            "submission_id": str(setting.extra["submission"].id),
            "assessors": [str(setting.assessor.id), str(setting.extra["second"].id)],
        },
    )
    assert response.status_code == 302, response.data
    exercise = db.session.scalar(select(StandardisationExercise))

    # Each assessor judges without seeing the other's judgement.
    first = signed_in(setting.assessor)
    page = first.get(f"/standardisation/{exercise.id}")
    assert b"Your independent judgement" in page.data
    assert b"Judgements compared" not in page.data
    first.post(
        f"/standardisation/{exercise.id}/judge",
        data={"outcome": "signed_off", **{f"met-{c.id}": "yes" for c in criteria}},
    )
    verdicts = {f"met-{c.id}": "yes" for c in criteria}
    verdicts[f"met-{criteria[1].id}"] = "no"
    signed_in(setting.extra["second"]).post(
        f"/standardisation/{exercise.id}/judge", data={"outcome": "referred", **verdicts}
    )

    page = iqa.get(f"/standardisation/{exercise.id}")
    assert b"Judgements compared" in page.data
    db.session.expire_all()
    exercise = db.session.scalar(
        select(StandardisationExercise).options(selectinload(StandardisationExercise.participants))
    )
    table = quality.agreement(exercise, criteria)
    assert [table[c.id]["agreed"] for c in criteria] == [True, False, True, True]

    iqa.post(
        f"/standardisation/{exercise.id}/close",
        data={"outcome": "We read 1.2 differently.", "actions": "Share examples of 1.2."},
    )
    db.session.expire_all()
    assert exercise.closed_at is not None
    assert (
        b"Share examples of 1.2."
        in signed_in(setting.assessor).get(f"/standardisation/{exercise.id}").data
    )


def test_a_standardisation_exercise_claims_no_agreement_before_two_have_judged(setting, signed_in):
    iqa = signed_in(setting.iqa)
    criteria = setting.criteria()
    iqa.post(
        f"/iqa/{setting.organisation.slug}/standardisation/new",
        data={
            "title": "Reflective accounts, autumn",
            "submission_id": str(setting.extra["submission"].id),
            "assessors": [str(setting.assessor.id), str(setting.extra["second"].id)],
        },
    )
    exercise = db.session.scalar(select(StandardisationExercise))
    page = iqa.get(f"/standardisation/{exercise.id}").get_data(as_text=True)
    assert page.count("Not yet: 0 of 2 judged") == len(criteria)
    assert ">Yes<" not in page

    signed_in(setting.assessor).post(
        f"/standardisation/{exercise.id}/judge",
        data={"outcome": "signed_off", **{f"met-{c.id}": "yes" for c in criteria}},
    )
    page = iqa.get(f"/standardisation/{exercise.id}").get_data(as_text=True)
    assert page.count("Not yet: 1 of 2 judged") == len(criteria)


def test_standardisation_needs_two_assessors_of_the_organisation(setting):
    with pytest.raises(DomainError, match="at least two assessors"):
        quality.start_standardisation(
            db.session,
            setting.organisation,
            setting.iqa,
            title="Alone",
            submission=setting.extra["submission"],
            assessor_ids=[setting.assessor.id, setting.trainee.id],
        )


def test_an_eqa_sees_only_the_learners_given_and_only_for_the_period(setting, signed_in):
    eqa_person = member(setting.organisation, Role.EQA)
    other = assessment_setting(setting.organisation)
    add_evidence(other, other.criteria())
    coordinator = signed_in(member(setting.organisation, Role.COORDINATOR))
    today = utcnow().date()
    response = coordinator.post(
        f"/organisations/{setting.organisation.slug}/eqa",
        data={
            "email": eqa_person.email,
            "enrolments": [str(setting.enrolment.id)],
            "starts_on": (today - timedelta(days=1)).isoformat(),
            "ends_on": (today + timedelta(days=7)).isoformat(),
        },
    )
    assert response.status_code == 302, response.data
    eqa = signed_in(eqa_person)
    home = eqa.get("/eqa/")
    assert setting.trainee.display_name.encode() in home.data
    assert other.trainee.display_name.encode() not in home.data
    assert eqa.get(f"/portfolio/{setting.enrolment.id}").status_code == 200
    submission = setting.extra["submission"]
    assert (
        eqa.get(f"/portfolio/{setting.enrolment.id}/submissions/{submission.id}").status_code == 200
    )
    assert eqa.get(f"/portfolio/{other.enrolment.id}").status_code == 404
    # Read-only: nothing can be judged, added or changed.
    assert eqa.get(f"/assessment/submissions/{submission.id}").status_code in (403, 404)
    assert eqa.post(f"/portfolio/{setting.enrolment.id}/evidence/new").status_code == 403

    from lms.assessment.models import EqaGrant

    grant = db.session.scalar(select(EqaGrant))
    grant.starts_on, grant.ends_on = today - timedelta(days=30), today - timedelta(days=1)
    db.session.commit()
    assert eqa.get(f"/portfolio/{setting.enrolment.id}").status_code == 404


def test_eqa_access_is_only_for_eqa_accounts(setting):
    with pytest.raises(DomainError, match="could not find an external quality assurer"):
        quality.grant_eqa_access(
            db.session,
            setting.organisation,
            setting.iqa,
            email=setting.assessor.email,
            enrolment_ids=[setting.enrolment.id],
            starts_on=utcnow().date(),
            ends_on=utcnow().date(),
        )


def test_a_grant_records_who_gave_it_after_the_people_were_saved(setting):
    eqa_person = member(setting.organisation, Role.EQA)
    db.session.commit()  # every loaded person is now expired, as in a later request
    grant = quality.grant_eqa_access(
        db.session,
        setting.organisation,
        setting.iqa,
        email=eqa_person.email,
        enrolment_ids=[setting.enrolment.id],
        starts_on=utcnow().date(),
        ends_on=utcnow().date(),
    )
    assert grant.granted_by_id == setting.iqa.id


def test_an_iqa_picks_a_decision_the_plan_left_out(setting, signed_in):
    operations.save_sampling_plan(
        db.session, setting.organisation.id, setting.iqa, percentage=0, first_decisions=0
    )
    submission = setting.extra["submission"]
    decision = operations.judge(
        db.session,
        submission,
        setting.assessor,
        expected_version=1,
        outcome=Outcome.REFERRED,
        verdicts={c.id: Verdict(False, "More") for c in setting.criteria()},
        actions="More please.",
    )
    db.session.commit()
    assert db.session.scalar(select(IqaSample)) is None
    client = signed_in(setting.iqa)
    client.post(f"/iqa/decisions/{decision.id}/pick")
    sample = db.session.scalar(select(IqaSample))
    assert sample.reason == SampleReason.PICKED
    assert sample.picked_by_id == setting.iqa.id
    page = client.post(f"/iqa/decisions/{decision.id}/pick", follow_redirects=True)
    assert b"already in the sample" in page.data


def test_the_iqa_report_counts_decisions_coverage_agreement_and_time(setting, signed_in):
    submission = setting.extra["submission"]
    decision = operations.judge(
        db.session,
        submission,
        setting.assessor,
        expected_version=1,
        outcome=Outcome.SIGNED_OFF,
        verdicts={c.id: Verdict(True) for c in setting.criteria()},
    )
    sample = db.session.scalar(select(IqaSample).where(IqaSample.decision_id == decision.id))
    operations.review_sample(db.session, sample, setting.iqa, agrees=True)
    db.session.commit()
    [row] = queries.iqa_report(db.session, [setting.organisation.id])
    assert (row.decisions, row.signed_off, row.sampled, row.agreed) == (1, 1, 1, 1)
    assert row.coverage == 100
    assert row.agreement_rate == 100
    assert row.average_days == 0
    page = signed_in(setting.iqa).get(f"/iqa/{setting.organisation.slug}/report")
    assert setting.assessor.display_name.encode() in page.data
    assert b"100%" in page.data


def test_the_sampling_plan_is_kept_within_bounds(setting, signed_in):
    client = signed_in(setting.iqa)
    response = client.post(
        f"/iqa/{setting.organisation.slug}/plan", data={"percentage": "150", "first_decisions": "3"}
    )
    assert response.status_code == 400
    response = client.post(
        f"/iqa/{setting.organisation.slug}/plan", data={"percentage": "10", "first_decisions": "3"}
    )
    assert response.status_code == 302
    plan = operations.sampling_plan(db.session, setting.organisation.id)
    assert (plan.percentage, plan.first_decisions) == (10, 3)


def test_an_assessor_taking_part_sees_no_other_judgement_while_open_even_as_an_eqa_elsewhere(
    setting, signed_in
):
    iqa = signed_in(setting.iqa)
    response = iqa.post(
        f"/iqa/{setting.organisation.slug}/standardisation/new",
        data={
            "title": "Reflective accounts, spring",
            "submission_id": str(setting.extra["submission"].id),
            "assessors": [str(setting.assessor.id), str(setting.extra["second"].id)],
        },
    )
    assert response.status_code == 302, response.data
    exercise = db.session.scalar(select(StandardisationExercise))
    # The EQA role held for another organisation gives her nothing here.
    MembershipFactory(user=setting.assessor, organisation=PartnerFactory(), role=Role.EQA)
    db.session.commit()
    page = signed_in(setting.assessor).get(f"/standardisation/{exercise.id}")
    assert b"Your independent judgement" in page.data
    assert b"Judgements compared" not in page.data
