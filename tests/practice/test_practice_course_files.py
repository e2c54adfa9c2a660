"""The `practice` block of a course file: `courses check` finds its problems with their lines,
`courses sync` stores, changes and removes the requirement."""

from __future__ import annotations

import pytest

from lms.curriculum.checks import check_paths
from lms.curriculum.format import load_catalogue
from lms.curriculum.models import Course
from lms.curriculum.sync import sync_catalogue
from lms.practice.models import PracticeRequirement
from tests.factories.course_files import QUALIFICATION, SHORT, CourseFiles

MANIFEST = f"{QUALIFICATION}/course.yaml"
BLOCK = """
practice:
  hours: 20
  supervision_sessions: 3
  journal_prompts:
    - key: boundaries
      title: A moment when a boundary mattered
      headings: [What happened, What I would do next time]
"""


@pytest.fixture
def files(tmp_path):
    return CourseFiles(tmp_path)


def problems(files: CourseFiles) -> list[tuple[str, int, str]]:
    _, found = check_paths(files.courses, files.assessments)
    return [(str(p.path.relative_to(files.root)), p.line, p.message) for p in found]


def test_a_practice_block_is_clean(files):
    files.append(MANIFEST, BLOCK)
    assert problems(files) == []


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("hours: 20", "hours: lots", "practice 'hours' must be a whole number from 0 to 2000"),
        ("hours: 20", "hours: -2", "practice 'hours' must be a whole number from 0 to 2000"),
        ("hours: 20", "minutes: 20", "unknown key 'minutes' in practice"),
        ("key: boundaries", "key: Gibbs Cycle", "a journal prompt's 'key' must be lower-case"),
        ("title: A moment when a boundary mattered", "title: ''", "needs a title"),
        (
            "headings: [What happened, What I would do next time]",
            "headings: 3",
            "'headings' must be a list of text",
        ),
    ],
)
def test_a_wrong_value_is_reported_on_its_line(files, old, new, message):
    files.append(MANIFEST, BLOCK.replace(old, new))
    found = problems(files)
    assert len(found) == 1, found
    [(path, line, text)] = found
    assert path == MANIFEST
    assert message in text
    assert line > 9


def test_a_short_course_cannot_require_hours(files):
    files.append(f"{SHORT}/course.yaml", "practice:\n  hours: 5\n")
    [(path, _, message)] = problems(files)
    assert path == f"{SHORT}/course.yaml"
    assert "only a qualification" in message


def _sync(session, files):
    sync_catalogue(session, load_catalogue(files.courses, files.assessments))
    session.commit()
    course = session.query(Course).filter_by(code="TQ3").one()
    return session.get(PracticeRequirement, course.id)


def test_sync_stores_changes_and_removes_the_requirement(session, files):
    files.append(MANIFEST, BLOCK)
    stored = _sync(session, files)
    assert (stored.hours, stored.supervision_sessions) == (20, 3)
    assert stored.prompts[0]["headings"] == ["What happened", "What I would do next time"]
    files.replace(MANIFEST, "hours: 20", "hours: 25")
    assert _sync(session, files).hours == 25
    files.replace(MANIFEST, BLOCK.replace("hours: 20", "hours: 25"), "\n")
    assert _sync(session, files) is None
