"""The demo gives one trainee the whole qualification, earned through sign-offs, so that
verification can be tried."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.accreditation.models import Certificate, QualificationAward, UnitAchievement
from lms.core.demo import load_demo
from lms.portfolio.models import Submission, SubmissionStatus
from tests.factories import (
    AssessmentCriterionFactory,
    CourseFactory,
    CourseUnitFactory,
    LearningOutcomeFactory,
    LessonFactory,
    UnitFactory,
)

UNITS = [
    ("RM301", 3, "3"),
    ("RM302", 3, "3"),
    ("RM303", 3, "3"),
    ("RM304", 3, "3"),
    ("RM305", 2, "3"),
    ("RM306", 3, "3"),
    ("RM307", 3, "3"),
    ("RM208", 2, "2"),
]
RULES = {
    "minimum_credits": 17,
    "minimum_credits_at_level": {"level": "3", "credits": 15},
    "mandatory": ["RM301", "RM302", "RM303", "RM304", "RM305"],
    "optional_groups": [
        {
            "id": "B",
            "title": "Optional units",
            "units": ["RM306", "RM307", "RM208"],
            "minimum_credits": 3,
        }
    ],
}


def _level_3_certificate():
    course = CourseFactory(
        code="ALRM3",
        title="Level 3 Certificate in Reintegrative Mentoring",
        rules_of_combination=RULES,
    )
    for position, (code, credits, level) in enumerate(UNITS):
        unit = UnitFactory(code=code, credits=credits, level=level)
        CourseUnitFactory(course=course, unit=unit, position=position, mandatory=position < 5)
        outcome = LearningOutcomeFactory(unit=unit, number=1)
        AssessmentCriterionFactory(outcome=outcome, unit=unit, number="1.1", position=1)
        LessonFactory(unit=unit)
    return course


def test_the_demo_awards_one_trainee_and_can_run_again(client, session):
    _level_3_certificate()
    load_demo(session)
    session.commit()
    award = session.scalar(select(QualificationAward))
    assert award is not None
    assert award.credits == 17
    certificate = session.scalar(select(Certificate))
    assert certificate.trainee_name == "Amira Hassan"
    assert certificate.issuer_name == "Northside Women's Centre"
    assert certificate.franchisor_name == "Alongside Mentoring Trust"
    page = client.get(f"/verify/{certificate.verification_code}")
    assert "genuine and current" in page.get_data(as_text=True)

    load_demo(session)
    session.commit()
    assert session.scalar(select(func.count(QualificationAward.id))) == 1
    assert session.scalar(select(func.count(UnitAchievement.id))) == 6
    # Each unit on her record was submitted and signed off first.
    achieved = session.scalar(
        select(func.count(Submission.id)).where(Submission.status == SubmissionStatus.ACHIEVED)
    )
    assert achieved == 6


def test_the_demo_waits_for_the_curriculum(session):
    load_demo(session)
    session.commit()
    assert session.scalar(select(func.count(QualificationAward.id))) == 0
