"""Imports every model module so that `Base.metadata` knows the whole schema.

Alembic's env.py and the test suite import this; each capability adds its models here.
"""

from lms.accounts.models import AuthSession, Membership, Organisation, User  # noqa: F401
from lms.accreditation.models import (  # noqa: F401
    Certificate,
    CertificationClaim,
    ClaimLine,
    IssuedCredential,
    OrganisationSigningKey,
    QualificationAward,
    Revocation,
    StatusList,
    UnitAchievement,
)
from lms.api.models import PersonalAccessToken  # noqa: F401

# Portfolio, assessment and notifications
from lms.assessment.models import (  # noqa: F401
    AssessorStanding,
    Countersignature,
    CriterionJudgement,
    Decision,
    EqaAccess,
    IqaSample,
    SamplingPlan,
    StandardisationExercise,
    StandardisationParticipant,
)
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
from lms.franchise.models import Licence, LicenceUnit  # noqa: F401
from lms.mail.models import OutboxMessage  # noqa: F401
from lms.notifications.models import Notification  # noqa: F401
from lms.portfolio.models import (  # noqa: F401
    Evidence,
    EvidenceCriterion,
    EvidenceFile,
    Submission,
    SubmittedEvidence,
)
from lms.quizzes.models import Quiz, QuizAnswer, QuizAttempt  # noqa: F401
