"""Model factories (factory_boy). Each capability adds a module and lists its factories here."""

from tests.factories.accounts import (
    FranchisorFactory,
    MembershipFactory,
    PartnerFactory,
    UserFactory,
    member,
)
from tests.factories.curriculum import (
    AssessmentCriterionFactory,
    CohortFactory,
    CourseFactory,
    CourseUnitFactory,
    EnrolmentFactory,
    LearningOutcomeFactory,
    LessonFactory,
    UnitFactory,
    course_with_content,
)

ALL_FACTORIES = [
    FranchisorFactory,
    PartnerFactory,
    UserFactory,
    MembershipFactory,
    # curriculum
    CourseFactory,
    UnitFactory,
    CourseUnitFactory,
    LearningOutcomeFactory,
    AssessmentCriterionFactory,
    LessonFactory,
    CohortFactory,
    EnrolmentFactory,
]

__all__ = [
    "ALL_FACTORIES",
    "AssessmentCriterionFactory",
    "CohortFactory",
    "CourseFactory",
    "CourseUnitFactory",
    "EnrolmentFactory",
    "FranchisorFactory",
    "LearningOutcomeFactory",
    "LessonFactory",
    "MembershipFactory",
    "PartnerFactory",
    "UnitFactory",
    "UserFactory",
    "course_with_content",
    "member",
]
