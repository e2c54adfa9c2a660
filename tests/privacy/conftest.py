"""A trainee with something of every kind held about her, and another trainee beside her."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from lms.accounts.models import User
from lms.assessment import operations as assessment
from lms.assessment.models import Outcome
from lms.assessment.operations import Verdict
from lms.curriculum.models import Enrolment
from lms.db import utcnow
from lms.extensions import db
from lms.portfolio import operations as portfolio
from lms.portfolio.models import Evidence, Submission
from tests.factories import EnrolmentFactory, add_evidence, assessment_setting
from tests.factories.accreditation import (
    ENROLLED_DAYS_AGO,
    complete,
    make_qualification,
    staff_for,
)
from tests.factories.portfolio import Setting


@dataclass
class Story:
    setting: Setting
    trainee: User
    assessor: User
    evidence: Evidence
    submission: Submission
    other: User
    other_evidence: Evidence
    qualification_enrolment: Enrolment


def _referred(setting: Setting, title: str, file: tuple[str, bytes]):
    evidence = add_evidence(setting, setting.criteria(), title=title, file=file)
    submission = portfolio.submit_unit(
        db.session, setting.enrolment, setting.unit, declaration_confirmed=True
    )
    assessment.judge(
        db.session,
        submission,
        setting.assessor,
        expected_version=1,
        outcome=Outcome.REFERRED,
        verdicts={c.id: Verdict(False, f"More on {c.number}, please") for c in setting.criteria()},
        feedback="A thoughtful start.",
        actions="Add an example from a session.",
    )
    db.session.commit()
    return evidence, submission


@pytest.fixture
def story(app) -> Story:
    setting = assessment_setting()
    evidence, submission = _referred(
        setting, "Notes from my first session", ("first-session.txt", b"HER-OWN-WORDS\n" * 10)
    )
    neighbour = assessment_setting(setting.organisation)
    other_evidence, _ = _referred(
        neighbour, "Someone else's reflection", ("theirs.txt", b"NOT-HERS-AT-ALL\n")
    )
    # Her qualification, with its certificate and credentials, on a second course.
    qualification = make_qualification()
    enrolment = EnrolmentFactory(
        user=setting.trainee,
        course=qualification.course,
        organisation=setting.organisation,
        enrolled_at=utcnow() - timedelta(days=ENROLLED_DAYS_AGO),
    )
    complete(db.session, qualification, enrolment, staff_for(setting.organisation))
    db.session.commit()
    return Story(
        setting=setting,
        trainee=setting.trainee,
        assessor=setting.assessor,
        evidence=evidence,
        submission=submission,
        other=neighbour.trainee,
        other_evidence=other_evidence,
        qualification_enrolment=enrolment,
    )
