import factory

from lms.accounts.models import Organisation
from lms.curriculum.models import (
    AssessmentCriterion,
    Cohort,
    Course,
    CourseKind,
    CourseUnit,
    Enrolment,
    LearningOutcome,
    Lesson,
    Unit,
)
from tests.factories.accounts import BaseFactory, PartnerFactory, UserFactory


class CourseFactory(BaseFactory):
    class Meta:
        model = Course

    code = factory.Sequence(lambda n: f"C{n:03d}")
    title = factory.Sequence(lambda n: f"Level 3 Certificate {n}")
    kind = CourseKind.QUALIFICATION
    level = "3"
    awarding_body = "Open College Network (example)"
    version = 1
    language = "en"
    summary = "A course for people learning to walk alongside."
    rules_of_combination = None
    folder = factory.LazyAttribute(lambda o: o.code.lower())
    content_hash = "0" * 64


class UnitFactory(BaseFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:03d}")
    version = 1
    is_current = True
    title = factory.Sequence(lambda n: f"Unit {n}")
    level = "3"
    credits = 3
    guided_learning_hours = 24
    overview_html = "<p>What this unit covers.</p>"
    content_note = None
    quiz_ref = None
    folder = factory.LazyAttribute(lambda o: f"units/{o.code}")
    structure_hash = "0" * 64
    content_hash = "0" * 64


class CourseUnitFactory(BaseFactory):
    class Meta:
        model = CourseUnit

    course = factory.SubFactory(CourseFactory)
    unit = factory.SubFactory(UnitFactory)
    position = factory.Sequence(int)
    mandatory = True


class LearningOutcomeFactory(BaseFactory):
    class Meta:
        model = LearningOutcome

    unit = factory.SubFactory(UnitFactory)
    number = 1
    text = "Understand the role of a peer mentor"
    position = factory.LazyAttribute(lambda o: o.number)


class AssessmentCriterionFactory(BaseFactory):
    class Meta:
        model = AssessmentCriterion

    outcome = factory.SubFactory(LearningOutcomeFactory)
    unit = factory.LazyAttribute(lambda o: o.outcome.unit)
    number = factory.LazyAttribute(lambda o: f"{o.outcome.number}.1")
    text = "Describe the limits of the peer mentor's role"
    position = 1


class LessonFactory(BaseFactory):
    class Meta:
        model = Lesson

    unit = factory.SubFactory(UnitFactory)
    slug = factory.Sequence(lambda n: f"lesson-{n}")
    position = factory.Sequence(int)
    title = factory.Sequence(lambda n: f"Lesson {n}")
    minutes = 20
    content_note = None
    html = "<p>Some lesson text.</p>"
    content_hash = "0" * 64


class CohortFactory(BaseFactory):
    class Meta:
        model = Cohort

    organisation = factory.SubFactory(PartnerFactory)
    course = factory.SubFactory(CourseFactory)
    name = factory.Sequence(lambda n: f"Cohort {n}")


class EnrolmentFactory(BaseFactory):
    """An enrolment made directly. A partner delivering a qualification needs a licence that
    covers its units (or its trainees may not open them): when the partner has none for the
    course, one is issued covering the units the course has now."""

    class Meta:
        model = Enrolment

    user = factory.SubFactory(UserFactory)
    course = factory.SubFactory(CourseFactory)
    organisation = factory.SubFactory(PartnerFactory)

    @factory.post_generation
    def licence(self, create, extracted, **kwargs):
        if create:
            from lms.extensions import db
            from tests.factories.franchise import licence_whole_course

            licence_whole_course(
                db.session.get(Organisation, self.organisation_id),
                db.session.get(Course, self.course_id),
            )


def course_with_content(
    *, units: int = 2, lessons: int = 2, outcomes: int = 2, criteria: int = 2, **course_fields
) -> Course:
    """A course with `units` units, each with outcomes, criteria and lessons."""
    course = CourseFactory(**course_fields)
    for position in range(units):
        unit = UnitFactory()
        CourseUnitFactory(course=course, unit=unit, position=position)
        for number in range(1, outcomes + 1):
            outcome = LearningOutcomeFactory(unit=unit, number=number)
            for sub in range(1, criteria + 1):
                AssessmentCriterionFactory(
                    outcome=outcome, unit=unit, number=f"{number}.{sub}", position=sub
                )
        for index in range(lessons):
            LessonFactory(unit=unit, position=index, slug=f"lesson-{index + 1}")
    return course
