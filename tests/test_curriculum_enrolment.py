"""Cohorts, staff assignment, enrolment and lesson progress, as domain functions."""

import pytest
from sqlalchemy.exc import IntegrityError

from lms.accounts.roles import Role
from lms.curriculum import operations
from lms.curriculum.models import CohortRole, Enrolment, EnrolmentStatus
from lms.errors import DomainError
from tests.factories import (
    CourseFactory,
    FranchisorFactory,
    LessonFactory,
    PartnerFactory,
    course_with_content,
    member,
)


@pytest.fixture
def partner():
    return PartnerFactory()


def test_enrol_a_trainee_once(session, partner):
    course = CourseFactory()
    trainee = member(partner, Role.TRAINEE)
    enrolment = operations.enrol(session, trainee, course, partner)
    assert enrolment.status == EnrolmentStatus.ENROLLED
    with pytest.raises(DomainError, match="already enrolled"):
        operations.enrol(session, trainee, course, partner)


def test_a_withdrawn_trainee_can_be_enrolled_again(session, partner):
    course = CourseFactory()
    trainee = member(partner, Role.TRAINEE)
    first = operations.enrol(session, trainee, course, partner)
    operations.withdraw(session, first)
    second = operations.enrol(session, trainee, course, partner)
    assert first.withdrawn_at is not None
    assert second.id != first.id


def test_the_database_refuses_two_active_enrolments(session, partner):
    course = CourseFactory()
    trainee = member(partner, Role.TRAINEE)
    for _ in range(2):
        session.add(Enrolment(user_id=trainee.id, course_id=course.id, organisation_id=partner.id))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_only_trainees_of_the_organisation_are_enrolled(session, partner):
    course = CourseFactory()
    elsewhere = member(PartnerFactory(), Role.TRAINEE)
    with pytest.raises(DomainError, match="not a trainee"):
        operations.enrol(session, elsewhere, course, partner)


def test_cohort_must_match_course_and_organisation(session, partner):
    course, other_course = CourseFactory(), CourseFactory()
    cohort = operations.create_cohort(session, partner, other_course, "Spring")
    trainee = member(partner, Role.TRAINEE)
    with pytest.raises(DomainError, match="cohort"):
        operations.enrol(session, trainee, course, partner, cohort)
    ok = operations.create_cohort(session, partner, course, "Autumn")
    assert operations.enrol(session, trainee, course, partner, ok).cohort_id == ok.id


def test_cohort_names_are_unique_within_an_organisation(session, partner):
    course = CourseFactory()
    operations.create_cohort(session, partner, course, "Spring 2026")
    with pytest.raises(DomainError, match="already has a cohort"):
        operations.create_cohort(session, partner, course, "Spring 2026")


def test_assign_staff_needs_the_role(session):
    franchisor = FranchisorFactory()
    partner = PartnerFactory(franchisor=franchisor)
    cohort = operations.create_cohort(session, partner, CourseFactory(), "Spring")
    assessor = member(partner, Role.ASSESSOR)
    franchise_iqa = member(franchisor, Role.IQA)
    trainee = member(partner, Role.TRAINEE)
    operations.assign_staff(session, cohort, assessor, CohortRole.ASSESSOR)
    operations.assign_staff(session, cohort, franchise_iqa, CohortRole.IQA)
    with pytest.raises(DomainError, match="already assigned"):
        operations.assign_staff(session, cohort, assessor, CohortRole.ASSESSOR)
    with pytest.raises(DomainError, match="not an assessor"):
        operations.assign_staff(session, cohort, trainee, CohortRole.ASSESSOR)


def test_viewing_and_completing_lessons(session, partner):
    course = course_with_content(units=1, lessons=2)
    trainee = member(partner, Role.TRAINEE)
    enrolment = operations.enrol(session, trainee, course, partner)
    lesson = LessonFactory()
    progress = operations.record_lesson_view(session, enrolment, lesson)
    assert enrolment.status == EnrolmentStatus.IN_PROGRESS
    assert enrolment.last_lesson_id == lesson.id
    assert progress.completed_at is None
    operations.mark_lesson_complete(session, enrolment, lesson)
    assert progress.completed_at is not None
    operations.mark_lesson_complete(session, enrolment, lesson, complete=False)
    assert progress.completed_at is None


def test_content_note_acknowledged_once(session, partner):
    trainee = member(partner, Role.TRAINEE)
    lesson = LessonFactory(content_note="This lesson discusses coercive control.")
    first = operations.acknowledge_content_note(session, trainee, lesson)
    assert operations.acknowledge_content_note(session, trainee, lesson).id == first.id
