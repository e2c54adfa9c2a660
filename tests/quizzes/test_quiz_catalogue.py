"""Quizzes in `courses check`, `courses sync` and on the curriculum's unit pages."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from sqlalchemy import select

from lms import PROJECT_ROOT
from lms.accounts.roles import Role
from lms.curriculum import operations as curriculum
from lms.curriculum.checks import check_catalogue
from lms.curriculum.format import load_catalogue
from lms.curriculum.models import Course
from lms.curriculum.sync import SyncRefused, sync_catalogue
from lms.quizzes.models import Quiz
from lms.quizzes.operations import save_answers, start_attempt, submit_attempt
from tests.factories import PartnerFactory, member
from tests.factories.course_files import CourseFiles
from tests.factories.franchise import licence_whole_course
from tests.quizzes.samples import form_for

QUIZ = "assessments/t101-check.yaml"


@pytest.fixture
def files(tmp_path):
    return CourseFiles(tmp_path)


def problems_in(files, name: str) -> list[tuple[int, str]]:
    catalogue = load_catalogue(files.courses, files.assessments)
    return [
        (p.line, p.message)
        for p in check_catalogue(catalogue)
        if p.path.resolve() == files.path(name).resolve()
    ]


def test_the_shipped_curriculum_and_quizzes_check_clean(app):
    catalogue = load_catalogue(PROJECT_ROOT / "courses", PROJECT_ROOT / "assessments")
    assert [str(p) for p in check_catalogue(catalogue)] == []
    assert len(catalogue.quizzes) == 9


def test_courses_check_validates_quiz_files_in_full(app, files):
    files.replace(QUIZ, "pass_mark: 70", "pass_mark: 170")
    files.replace(QUIZ, "type: true_false", "type: true_or_false")
    assert problems_in(files, QUIZ) == [
        (5, "the pass mark must be at least 0 and at most 100 (it is 170)"),
        (10, 'unknown question type "true_or_false" (did you mean "true_false"?)'),
    ]
    result = app.test_cli_runner().invoke(args=["courses", "check", str(files.courses)])
    assert result.exit_code == 1
    assert f"{files.path(QUIZ)}:5: the pass mark must be at least 0" in result.output


def test_quiz_files_are_checked_without_an_app(files):
    """The quiz checks are listed in lms.capabilities, so what `courses check` finds does not
    depend on which modules happen to be imported: a fresh interpreter that creates no app
    and imports no views still finds a pass mark that is not a number."""
    files.replace(QUIZ, "pass_mark: 70", "pass_mark: banana")
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from lms.curriculum.checks import check_paths\n"
        "_, found = check_paths(Path(sys.argv[1]), Path(sys.argv[2]))\n"
        "print(*found, sep='\\n')\n"
        "print('views imported:', 'lms.quizzes.views' in sys.modules)\n"
    )
    result = subprocess.run(  # noqa: S603 - this interpreter, this script
        [sys.executable, "-c", script, str(files.courses), str(files.assessments)],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_ROOT,
    )
    assert f"{files.path(QUIZ)}:5: the pass mark must be a number" in result.stdout
    assert "views imported: False" in result.stdout
    assert problems_in(files, QUIZ) == [(5, "the pass mark must be a number")]


def test_references_are_reported_once(app, files):
    files.replace(QUIZ, "unit: T101\n", "")
    found = problems_in(files, QUIZ)
    assert [message for _, message in found].count("the quiz has no 'unit'") == 1
    assert not any("missing" in message for _, message in found)


def test_criteria_must_belong_to_the_unit(app, files):
    files.replace(QUIZ, '"2.1"', '"7.1"')
    assert problems_in(files, QUIZ) == [(4, "'7.1' is not an assessment criterion of unit T101")]


def test_courses_sync_loads_quizzes_and_versions_them(app, session, files):
    report = sync_catalogue(session, load_catalogue(files.courses, files.assessments))
    session.commit()
    assert "Quiz t101-check: added." in report.lines()
    assert "Quizzes: 1 created." in report.lines()
    quiz = session.scalar(select(Quiz).where(Quiz.slug == "t101-check"))
    assert (quiz.unit_code, quiz.version, quiz.is_current) == ("T101", 1, True)

    again = sync_catalogue(session, load_catalogue(files.courses, files.assessments))
    assert "Quizzes: 1 unchanged." in again.lines()
    assert again.lines()[-1] == "Everything was already up to date: nothing changed."

    files.replace(QUIZ, "pass_mark: 70", "pass_mark: 60")
    changed = sync_catalogue(session, load_catalogue(files.courses, files.assessments))
    session.commit()
    assert "Quizzes: 1 versioned." in changed.lines()
    assert changed.lines()[-1] == "The curriculum in the database now matches the files."
    versions = session.scalars(select(Quiz).order_by(Quiz.version)).all()
    assert [(q.version, q.is_current) for q in versions] == [(1, False), (2, True)]

    files.path(QUIZ).unlink()
    files.replace(
        "courses/test-qualification/units/T101-getting-started/unit.md", "quiz: t101-check\n", ""
    )
    gone = sync_catalogue(session, load_catalogue(files.courses, files.assessments))
    assert "Quiz t101-check: no longer offered (its file is gone)." in gone.lines()


def test_each_quiz_file_is_read_once_by_a_check_and_sync(app, session, files, monkeypatch):
    import yaml

    quiz_text, compose, reads = files.read(QUIZ), yaml.compose, []

    def counting(text, *args, **kwargs):
        reads.append(text == quiz_text)
        return compose(text, *args, **kwargs)

    monkeypatch.setattr(yaml, "compose", counting)
    report = sync_catalogue(session, load_catalogue(files.courses, files.assessments))
    assert "Quiz t101-check: added." in report.lines()
    assert reads.count(True) == 1


def test_sync_refuses_malformed_quizzes(app, session, files):
    files.replace(QUIZ, "answer: false", "answer: perhaps")
    with pytest.raises(SyncRefused) as refused:
        sync_catalogue(session, load_catalogue(files.courses, files.assessments))
    assert any("must be true or false" in p.message for p in refused.value.problems)
    session.rollback()
    assert session.scalar(select(Quiz.id)) is None


def test_sync_without_a_quiz_folder_leaves_quizzes_alone(app, session, files):
    sync_catalogue(session, load_catalogue(files.courses, files.assessments))
    session.commit()
    files.replace(
        "courses/test-qualification/units/T101-getting-started/unit.md", "quiz: t101-check\n", ""
    )
    sync_catalogue(session, load_catalogue(files.courses, None))
    assert session.scalar(select(Quiz.is_current)) is True


# --- the unit page ------------------------------------------------------------------------------


@pytest.fixture
def synced(app, session, files):
    sync_catalogue(session, load_catalogue(files.courses, files.assessments))
    session.commit()
    course = session.scalar(select(Course).where(Course.code == "TQ3"))
    partner = PartnerFactory()
    trainee = member(partner, Role.TRAINEE)
    licence_whole_course(partner, course)
    enrolment = curriculum.enrol(session, trainee, course, partner)
    session.commit()
    return course, partner, trainee, enrolment


def text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_the_unit_page_links_to_the_quiz(app, session, synced, signed_in):
    course, partner, trainee, enrolment = synced
    url = f"/learning/{enrolment.id}/units/T101"
    page = text(signed_in(trainee).get(url))
    assert "Knowledge check" in page
    assert 'href="/quizzes/t101-check"' in page
    assert "Take the quiz" in page

    quiz = session.scalar(select(Quiz).where(Quiz.slug == "t101-check"))
    attempt = start_attempt(session, enrolment, quiz)
    save_answers(
        session, attempt, "q1", form_for(quiz.parsed, attempt.paper_key, "q1", {"q1": False})
    )
    session.commit()
    assert "Carry on with the quiz" in text(signed_in(trainee).get(url))
    submit_attempt(session, attempt)
    session.commit()
    page = text(signed_in(trainee).get(url))
    assert "Passed" in page
    assert "Your best score is 100%" in page

    coordinator = member(partner, Role.COORDINATOR)
    staff_view = text(signed_in(coordinator).get(url))
    assert "Passed</span>, best score 100%" in staff_view
    assert f"/quizzes/results?trainee={trainee.id}" in staff_view
    preview = text(signed_in(coordinator).get(f"/courses/{course.code}/units/T101"))
    assert 'href="/quizzes/t101-check"' in preview


def test_the_unit_panel_needs_few_queries(app, session, synced, signed_in, count_queries):
    _, _, trainee, enrolment = synced
    client = signed_in(trainee)
    url = f"/learning/{enrolment.id}/units/T101"
    with count_queries() as before:
        client.get(url)
    quiz = session.scalar(select(Quiz).where(Quiz.slug == "t101-check"))
    for _ in range(3):
        submit_attempt(session, start_attempt(session, enrolment, quiz))
        session.commit()
    with count_queries() as after:
        client.get(url)
    assert after.count == before.count
