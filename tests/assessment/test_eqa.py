"""External quality assurance, as people use it: who an EQA may read (the dated grant, and
nothing else)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lms.accounts.roles import Role
from lms.assessment import operations as assessment
from lms.assessment import quality
from lms.assessment.models import Outcome
from lms.assessment.operations import Verdict
from lms.db import utcnow
from lms.extensions import db
from lms.portfolio import operations as portfolio
from lms.quizzes.operations import start_attempt, submit_attempt
from tests.factories import (
    FranchisorFactory,
    PartnerFactory,
    add_evidence,
    assessment_setting,
    member,
    quiz_for_unit,
)

TODAY = utcnow().date()


@pytest.fixture
def setting(app):
    """Partner A of franchisor F: a trainee with evidence, a signed-off (and sampled) unit and
    a quiz attempt; the franchisor's EQA; a coordinator of A; an administrator of F."""
    franchisor = FranchisorFactory(name="Franchisor F")
    partner = PartnerFactory(franchisor=franchisor, name="Partner A")
    setting = assessment_setting(partner)
    add_evidence(setting, setting.criteria())
    submission = portfolio.submit_unit(
        db.session, setting.enrolment, setting.unit, declaration_confirmed=True
    )
    assessment.judge(
        db.session,
        submission,
        setting.assessor,
        expected_version=1,
        outcome=Outcome.SIGNED_OFF,
        verdicts={c.id: Verdict(True) for c in setting.criteria()},
        feedback="A thoughtful account of listening.",
    )
    attempt = start_attempt(db.session, setting.enrolment, quiz_for_unit(setting.unit))
    submit_attempt(db.session, attempt)
    setting.extra.update(
        submission=submission,
        attempt=attempt,
        eqa=member(franchisor, Role.EQA, display_name="Eve External"),
        coordinator=member(partner, Role.COORDINATOR),
        admin=member(franchisor, Role.ADMIN),
    )
    db.session.commit()
    return setting


def _give(setting, eqa=None, *, starts: int = -1, ends: int = 30) -> None:
    """Give the EQA the setting's learner from `starts` to `ends` days from today."""
    quality.grant_eqa_access(
        db.session,
        setting.organisation,
        setting.extra["coordinator"],
        email=(eqa or setting.extra["eqa"]).email,
        enrolment_ids=[setting.enrolment.id],
        starts_on=TODAY + timedelta(days=starts),
        ends_on=TODAY + timedelta(days=ends),
    )
    db.session.commit()


def _learner_pages(setting) -> dict[str, str]:
    """The five things an EQA reads of a learner, each at its address."""
    enrolment_id = setting.enrolment.id
    return {
        "portfolio": f"/portfolio/{enrolment_id}",
        "learner record": f"/records/{enrolment_id}",
        "record PDF": f"/records/{enrolment_id}/record.pdf",
        "quiz attempt": f"/quizzes/attempts/{setting.extra['attempt'].id}",
        "decisions": f"/portfolio/{enrolment_id}/submissions/{setting.extra['submission'].id}",
    }


# --- one rule: the dated grant ----------------------------------------------------------------


def test_a_granted_eqa_reads_the_portfolio_record_pdf_quiz_attempts_and_decisions(
    setting, signed_in
):
    _give(setting)
    client = signed_in(setting.extra["eqa"])
    for name, url in _learner_pages(setting).items():
        response = client.get(url)
        assert response.status_code == 200, f"{name}: {response.status_code}"
    decisions = client.get(_learner_pages(setting)["decisions"]).get_data(as_text=True)
    assert "Unit signed off" in decisions
    assert "A thoughtful account of listening." in decisions
    assert "Quality assurance:" in decisions  # the IQA sample, too
    home = client.get("/eqa/").get_data(as_text=True)
    assert setting.trainee.display_name in home
    # From her list she reaches the learner's quiz results, which list the attempt.
    results = client.get(f"/quizzes/results?trainee={setting.trainee.id}")
    assert results.status_code == 200
    assert f"/quizzes/attempts/{setting.extra['attempt'].id}" in results.get_data(as_text=True)


WITHOUT_A_CURRENT_GRANT = {
    "no grant": lambda setting: None,
    "a grant to someone else": lambda setting: _give(
        setting, member(setting.organisation.franchisor, Role.EQA)
    ),
    "a grant that has ended": lambda setting: _give(setting, starts=-30, ends=-1),
    "a grant not begun yet": lambda setting: _give(setting, starts=1, ends=30),
}


@pytest.mark.parametrize("case", sorted(WITHOUT_A_CURRENT_GRANT))
def test_an_eqa_without_a_current_grant_sees_nothing(setting, signed_in, case):
    WITHOUT_A_CURRENT_GRANT[case](setting)
    client = signed_in(setting.extra["eqa"])
    for name, url in _learner_pages(setting).items():
        response = client.get(url)
        assert response.status_code == 404, f"{name}: {response.status_code}"
    assert setting.trainee.display_name not in client.get("/eqa/").get_data(as_text=True)
    results = client.get(f"/quizzes/results?trainee={setting.trainee.id}")
    assert f"/quizzes/attempts/{setting.extra['attempt'].id}" not in results.get_data(as_text=True)
