"""Imports every model module so that `Base.metadata` knows the whole schema.

Alembic's env.py and the test suite import this; each capability adds its models here.
"""

from lms.accounts.models import AuthSession, Membership, Organisation, User  # noqa: F401
from lms.audit.models import AuditEvent  # noqa: F401
from lms.curriculum.models import (  # noqa: F401
    AssessmentCriterion,
    Cohort,
    CohortStaff,
    ContentNoteAcknowledgement,
    Course,
    CourseAsset,
    CourseUnit,
    Enrolment,
    LearningOutcome,
    Lesson,
    LessonProgress,
    Unit,
)
