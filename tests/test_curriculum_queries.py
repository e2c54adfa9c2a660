"""The learning pages make the same number of queries whatever the size of the course and
however many trainees there are."""

from __future__ import annotations

from sqlalchemy import select

from lms.accounts.roles import Role
from lms.curriculum import operations
from lms.curriculum.models import CourseUnit, Lesson, Unit
from lms.extensions import db
from tests.factories import PartnerFactory, course_with_content, member
from tests.factories.franchise import licence_whole_course


def _world(size: int):
    """A trainee on a course of `size` units of `size` lessons, among `size` other trainees
    with progress of their own."""
    session = db.session
    partner = PartnerFactory()
    course = course_with_content(units=size, lessons=size, outcomes=size, criteria=size)
    licence_whole_course(partner, course)  # a partner delivers a qualification under licence
    lessons = list(
        session.scalars(
            select(Lesson)
            .join(CourseUnit, CourseUnit.unit_id == Lesson.unit_id)
            .where(CourseUnit.course_id == course.id)
            .order_by(CourseUnit.position, Lesson.position)
        )
    )
    trainees = [member(partner, Role.TRAINEE) for _ in range(size + 1)]
    enrolments = [operations.enrol(session, t, course, partner) for t in trainees]
    for enrolment in enrolments:
        for lesson in lessons[: len(lessons) // 2]:
            operations.mark_lesson_complete(session, enrolment, lesson)
        operations.record_lesson_view(session, enrolment, lessons[0])
    session.commit()
    unit = session.scalar(select(Unit).where(Unit.id == lessons[0].unit_id))
    base = f"/learning/{enrolments[0].id}"
    return trainees[0], {
        "dashboard": "/learning",
        "course": base,
        "unit": f"{base}/units/{unit.code}",
        "lesson": f"{base}/units/{unit.code}/lessons/{lessons[0].slug}",
        "preview": f"/courses/{course.code}",
    }


def _counts(signed_in, count_queries, size: int, staff: bool = False) -> dict[str, int]:
    trainee, urls = _world(size)
    client = signed_in(trainee)
    preview = urls.pop("preview")
    if staff:
        client = signed_in(member(PartnerFactory(), Role.COORDINATOR))
        urls = {"preview": preview}
    counts = {}
    for name, url in urls.items():
        assert client.get(url).status_code == 200  # a first visit, so both sizes are alike
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        counts[name] = counter.count
    return counts


def test_learning_pages_make_a_fixed_number_of_queries(signed_in, count_queries):
    small = _counts(signed_in, count_queries, 1)
    large = _counts(signed_in, count_queries, 6)
    assert small == large
    # The unit and lesson pages also ask whether the partner's licence covers the unit.
    assert max(small.values()) <= 12, small
    # A lesson, exactly: her session with her memberships and her count of unread
    # notifications; the enrolment; the unit; the licence; the unit's lessons; the lesson with
    # her progress and the content note's acknowledgement; recording the view (two writes).
    assert small["lesson"] == 8, small


def test_course_preview_makes_a_fixed_number_of_queries(signed_in, count_queries):
    small = _counts(signed_in, count_queries, 1, staff=True)
    large = _counts(signed_in, count_queries, 6, staff=True)
    assert small == large
