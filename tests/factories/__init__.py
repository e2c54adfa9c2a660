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
from tests.factories.franchise import (
    LicenceFactory,
    LicenceUnitFactory,
    api_token,
    enrol_new_trainee,
    expired_api_token,
    licensed_partner,
)
from tests.factories.portfolio import CohortStaffFactory, add_evidence, assessment_setting
from tests.factories.quizzes import QuizFactory, quiz_definition, quiz_for_unit
from tests.factories.surveys import answer, ending_cohort, synced_surveys, trainees_in

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
    # portfolio and assessment
    CohortStaffFactory,
    # quizzes
    QuizFactory,
    # franchise
    LicenceFactory,
    LicenceUnitFactory,
]

__all__ = [
    "ALL_FACTORIES",
    "AssessmentCriterionFactory",
    "CohortFactory",
    "CohortStaffFactory",
    "CourseFactory",
    "CourseUnitFactory",
    "EnrolmentFactory",
    "FranchisorFactory",
    "LearningOutcomeFactory",
    "LessonFactory",
    "LicenceFactory",
    "LicenceUnitFactory",
    "MembershipFactory",
    "PartnerFactory",
    "QuizFactory",
    "UnitFactory",
    "UserFactory",
    "add_evidence",
    "answer",
    "api_token",
    "assessment_setting",
    "course_with_content",
    "ending_cohort",
    "enrol_new_trainee",
    "expired_api_token",
    "licensed_partner",
    "member",
    "quiz_definition",
    "quiz_for_unit",
    "synced_surveys",
    "trainees_in",
]
