"""What trainees and staff see, through HTTP, on a small synced course."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from lms.accounts.roles import Role
from lms.curriculum import operations
from lms.curriculum.format import load_catalogue
from lms.curriculum.models import Course, CourseAsset, Enrolment, Lesson, LessonProgress
from lms.curriculum.sync import sync_catalogue
from lms.web import MAX_ID
from tests.factories import PartnerFactory, member
from tests.factories.course_files import CourseFiles
from tests.factories.franchise import licence_whole_course
from tests.routes import answer


@pytest.fixture
def course(session, tmp_path):
    files = CourseFiles(tmp_path)
    sync_catalogue(session, load_catalogue(files.courses, files.assessments))
    session.commit()
    return session.scalar(select(Course).where(Course.code == "TQ3"))


@pytest.fixture
def partner():
    return PartnerFactory()


@pytest.fixture
def trainee(partner):
    return member(partner, Role.TRAINEE, display_name="Amira Hassan")


@pytest.fixture
def enrolment(session, course, trainee, partner):
    licence_whole_course(partner, course)  # a partner delivers a qualification under licence
    enrolment = operations.enrol(session, trainee, course, partner)
    session.commit()
    return enrolment


def urls(enrolment):
    base = f"/learning/{enrolment.id}"
    return {
        "course": base,
        "unit": f"{base}/units/T101",
        "welcome": f"{base}/units/T101/lessons/welcome",
        "next": f"{base}/units/T101/lessons/next-steps",
        "boundaries": f"{base}/units/T102/lessons/boundaries",
    }


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_dashboard_lists_enrolments_with_progress(signed_in, trainee, enrolment):
    page = text(signed_in(trainee).get("/learning"))
    assert "Level 3 Test Certificate" in page
    assert f'href="/learning/{enrolment.id}"' in page
    assert "0 of 4 lessons complete" in page
    assert "Continue where you left off" not in page


def test_course_page_lists_units_and_explains_the_rules(signed_in, trainee, enrolment):
    page = text(signed_in(trainee).get(urls(enrolment)["course"]))
    assert "T101: Getting started" in page
    assert (
        '<td data-label="Credits">3</td> <td data-label="Guided learning hours">20</td> '
        '<td data-label="Mandatory or optional">Mandatory</td>'
    ) in page
    assert "Optional (group B)" in page
    assert "0 of 2 lessons complete" in page
    assert "How to achieve this qualification" in page
    assert "Complete every mandatory unit: T101." in page
    assert "Achieve at least 5 credits in total." in page
    assert "<progress" in page


def test_unit_page(signed_in, trainee, enrolment):
    page = text(signed_in(trainee).get(urls(enrolment)["unit"]))
    assert "This unit mentions abuse in general terms." in page
    assert 'The learner will: <span lang="en">Understand the role' in page
    assert '1.2</span> <span lang="en">Explain its limits' in page
    assert "Welcome" in page
    assert "Not started" in page
    assert "t101-check" in page  # the quiz is named; taking it belongs to the quizzes pages


def test_content_note_comes_before_the_lesson(session, signed_in, trainee, enrolment):
    client = signed_in(trainee)
    gate = text(client.get(urls(enrolment)["next"]))
    assert 'Before you start: <span lang="en">Next steps</span>' in gate
    assert "This lesson describes controlling behaviour." in gate
    assert "A lesson with a footnote" not in gate
    assert "Come back later" in gate
    assert session.scalar(select(func.count(LessonProgress.id))) == 0

    response = client.post(urls(enrolment)["next"] + "/continue")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(urls(enrolment)["next"])
    lesson_page = text(client.get(urls(enrolment)["next"]))
    assert "A lesson with a footnote" in lesson_page
    assert "Content note for this lesson" in lesson_page  # still there to look back at
    progress = session.scalar(select(LessonProgress))
    assert progress.completed_at is None


def test_continue_where_you_left_off(session, signed_in, trainee, enrolment):
    client = signed_in(trainee)
    client.post(urls(enrolment)["welcome"] + "/continue")
    client.get(urls(enrolment)["welcome"])
    for page in (client.get("/learning"), client.get(urls(enrolment)["course"])):
        assert "Continue where you left off" in text(page)
        assert f'href="{urls(enrolment)["welcome"]}"' in text(page)
    stored = session.get(Enrolment, enrolment.id)
    session.refresh(stored)
    assert stored.status.value == "in_progress"


def test_mark_as_complete_and_undo(session, signed_in, trainee, enrolment):
    client = signed_in(trainee)
    lesson_page = text(client.get(urls(enrolment)["boundaries"]))
    assert "Mark as complete" in lesson_page
    response = client.post(urls(enrolment)["boundaries"] + "/complete", data={"complete": "1"})
    assert response.status_code == 302
    after = text(client.get(urls(enrolment)["boundaries"]))
    assert "is marked as complete" in after
    assert "Mark as not complete" in after
    assert "1 of 4 lessons complete" in text(client.get("/learning"))
    assert "1 of 1 lesson complete" in text(client.get(urls(enrolment)["course"]))

    client.post(urls(enrolment)["boundaries"] + "/complete", data={"complete": "0"})
    assert "0 of 4 lessons complete" in text(client.get("/learning"))


def test_previous_and_next(signed_in, trainee, enrolment):
    client = signed_in(trainee)
    client.post(urls(enrolment)["welcome"] + "/continue")
    client.post(urls(enrolment)["next"] + "/continue")
    first = text(client.get(urls(enrolment)["welcome"]))
    assert f'href="{urls(enrolment)["next"]}" rel="next"' in first
    assert 'rel="prev"' not in first
    assert "Lesson 1 of 2" in first
    second = text(client.get(urls(enrolment)["next"]))
    assert f'href="{urls(enrolment)["welcome"]}" rel="prev"' in second
    assert "End of the unit" in second


def test_lesson_content_is_the_stored_safe_html(session, signed_in, trainee, enrolment):
    client = signed_in(trainee)
    client.post(urls(enrolment)["welcome"] + "/continue")
    page = client.get(urls(enrolment)["welcome"]).get_data(as_text=True)
    asset = session.scalar(select(CourseAsset))
    assert f'src="/course-assets/{asset.sha256}"' in page
    assert 'class="callout callout--reflect"' in page
    assert 'href="next-steps"' in page  # relative: works in the trainee's and staff's pages


def test_another_trainees_enrolment_is_not_found(signed_in, partner, enrolment):
    other = member(partner, Role.TRAINEE)
    client = signed_in(other)
    for url in urls(enrolment).values():
        assert client.get(url).status_code == 404
    assert client.post(urls(enrolment)["welcome"] + "/complete").status_code == 404


def test_an_enrolment_of_another_organisation_answers_exactly_as_a_missing_one(
    signed_in, enrolment
):
    client = signed_in(member(PartnerFactory(), Role.COORDINATOR))
    missing = SimpleNamespace(id=MAX_ID)
    for name, url in urls(enrolment).items():
        response = client.get(url)
        assert response.status_code == 404
        assert answer(response) == answer(client.get(urls(missing)[name]))


def test_staff_look_at_a_trainees_learning_read_only(session, signed_in, partner, enrolment):
    assessor = member(partner, Role.ASSESSOR)
    client = signed_in(assessor)
    page = text(client.get(urls(enrolment)["next"]))
    assert "You are looking at Amira Hassan's learning" in page
    assert "A lesson with a footnote" in page  # no gate for staff
    assert "Mark as complete" not in page
    assert client.post(urls(enrolment)["next"] + "/complete").status_code == 403
    assert session.scalar(select(func.count(LessonProgress.id))) == 0


def test_a_withdrawn_trainee_cannot_change_progress(session, signed_in, trainee, enrolment):
    operations.withdraw(session, session.get(Enrolment, enrolment.id))
    session.commit()
    client = signed_in(trainee)
    assert client.get(urls(enrolment)["course"]).status_code == 200
    assert client.post(urls(enrolment)["boundaries"] + "/complete").status_code == 403


def test_unknown_unit_or_lesson_is_not_found(signed_in, trainee, enrolment):
    client = signed_in(trainee)
    assert client.get(f"/learning/{enrolment.id}/units/T001").status_code == 404  # other course
    assert client.get(urls(enrolment)["unit"] + "/lessons/nothing").status_code == 404


def test_staff_preview_the_catalogue(signed_in, partner, course):
    coordinator = member(partner, Role.COORDINATOR)
    client = signed_in(coordinator)
    catalogue = text(client.get("/courses"))
    assert "Level 3 Test Certificate" in catalogue
    assert "A first look" in catalogue
    assert "T102: Going further" in catalogue
    preview = text(client.get("/courses/TQ3"))
    assert "Preview: this is the course as trainees see it." in preview
    assert '1.1</span> <span lang="en">Describe the role' in preview
    lesson = text(client.get("/courses/TQ3/units/T101/lessons/next-steps"))
    assert "A lesson with a footnote" in lesson
    assert "Mark as complete" not in lesson


def test_trainees_cannot_preview(signed_in, trainee, course):
    assert signed_in(trainee).get("/courses").status_code == 403


def test_course_pictures_are_served_safely(session, signed_in, trainee, course):
    asset = session.scalar(select(CourseAsset))
    response = signed_in(trainee).get(f"/course-assets/{asset.sha256}")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == "attachment"
    assert response.data == asset.data
    assert signed_in(trainee).get("/course-assets/" + "0" * 64).status_code == 404
    assert signed_in(trainee).get("/course-assets/not-a-hash").status_code == 404


def test_home_page_sections(signed_in, partner, trainee, enrolment):
    home = text(signed_in(trainee).get("/"))
    assert "Your learning" in home
    assert "Level 3 Test Certificate" in home
    staff_home = text(signed_in(member(partner, Role.IQA)).get("/"))
    assert "Course content" in staff_home
    assert "Your learning" not in staff_home


def test_the_shipped_course_reads_well(app, session, signed_in, partner, trainee):
    result = app.test_cli_runner().invoke(args=["courses", "sync"])
    assert result.exit_code == 0, result.output
    course = session.scalar(select(Course).where(Course.code == "ALRM3"))
    licence_whole_course(partner, course)
    enrolment = operations.enrol(session, trainee, course, partner)
    session.commit()
    client = signed_in(trainee)
    page = text(client.get(f"/learning/{enrolment.id}"))
    assert "Level 3 Certificate in Reintegrative Mentoring" in page
    assert "RM304" in page
    assert session.scalar(select(func.count(Lesson.id))) >= 27
    url = f"/learning/{enrolment.id}/units/RM301/lessons/what-peer-mentoring-is"
    client.post(url + "/continue")
    lesson = text(client.get(url))
    assert "What peer mentoring is, and what it is not" in lesson
    assert "On this page" in lesson
