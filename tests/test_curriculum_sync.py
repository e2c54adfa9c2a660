"""`courses sync`: atomic, idempotent, keyed by content hash, versioning units in use."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms import capabilities
from lms.accounts.roles import Role
from lms.capabilities import Capability
from lms.curriculum import operations
from lms.curriculum.format import load_catalogue
from lms.curriculum.markdown import ASSET_URL_PREFIX
from lms.curriculum.models import (
    AssessmentCriterion,
    Course,
    CourseAsset,
    CourseUnit,
    Lesson,
    LessonProgress,
    Unit,
)
from lms.curriculum.sync import SyncRefused, sync_catalogue
from tests.factories import PartnerFactory, member
from tests.factories.course_files import QUALIFICATION, T101, T102, CourseFiles


@pytest.fixture
def files(tmp_path):
    return CourseFiles(tmp_path)


def sync(session, files):
    report = sync_catalogue(session, load_catalogue(files.courses, files.assessments))
    session.commit()
    return report


def current_unit(session, code) -> Unit:
    return session.scalar(select(Unit).where(Unit.code == code, Unit.is_current.is_(True)))


def criteria_of(session, unit) -> dict[str, AssessmentCriterion]:
    rows = session.scalars(
        select(AssessmentCriterion).where(AssessmentCriterion.unit_id == unit.id)
    )
    return {c.number: c for c in rows}


def lesson(session, slug) -> Lesson:
    return session.scalar(select(Lesson).where(Lesson.slug == slug))


@pytest.fixture
def in_use():
    """Mark units as assessed, as the portfolio capability does once evidence exists."""
    codes: set[str] = set()

    def check(session, unit):
        return unit.code in codes

    with capabilities.extended(Capability("in use", hooks={"unit_in_use": (check,)})):
        yield codes


def test_first_sync_loads_everything(session, files):
    report = sync(session, files)
    assert report.changed
    assert report.counts["courses"]["created"] == 2
    assert report.counts["units"]["created"] == 4
    assert report.counts["lessons"]["created"] == 5
    course = session.scalar(select(Course).where(Course.code == "TQ3"))
    assert course.level == "3"
    assert course.rules_of_combination["mandatory"] == ["T101"]
    placements = session.execute(
        select(Unit.code, CourseUnit.position, CourseUnit.mandatory, CourseUnit.group_id)
        .join(CourseUnit.unit)
        .where(CourseUnit.course_id == course.id)
        .order_by(CourseUnit.position)
    ).all()
    assert placements == [("T101", 0, True, None), ("T102", 1, False, "B"), ("T201", 2, False, "B")]
    unit = current_unit(session, "T101")
    assert (unit.credits, unit.guided_learning_hours, unit.quiz_ref) == (3, 20, "t101-check")
    assert sorted(criteria_of(session, unit)) == ["1.1", "1.2", "2.1"]
    assert "This unit mentions abuse" in unit.content_note
    assert 'href="T101/lessons/welcome"' in unit.overview_html


def test_second_sync_changes_nothing(session, files):
    sync(session, files)
    report = sync(session, files)
    assert not report.changed
    assert report.lines()[-1] == "Everything was already up to date: nothing changed."
    assert report.counts["lessons"]["unchanged"] == 5


def test_editing_a_lesson_updates_it_in_place(session, files):
    sync(session, files)
    before = lesson(session, "welcome")
    lesson_id, old_hash = before.id, before.content_hash
    files.replace(f"{T101}/01-welcome.md", "Hello and welcome.", "Hello, and a warm welcome.")
    report = sync(session, files)
    session.expire_all()
    after = lesson(session, "welcome")
    assert after.id == lesson_id
    assert after.content_hash != old_hash
    assert "a warm welcome" in after.html
    assert report.counts["lessons"] == {
        "created": 0, "updated": 1, "versioned": 0, "removed": 0, "unchanged": 4
    }  # fmt: skip
    assert "Lesson T101/welcome: updated." in report.lines()


def test_lesson_links_and_images_are_resolved(session, files):
    sync(session, files)
    html = lesson(session, "welcome").html
    asset = session.scalar(select(CourseAsset))
    assert asset.content_type == "image/png"
    assert f'src="{ASSET_URL_PREFIX}{asset.sha256}"' in html
    assert 'href="next-steps"' in html
    assert 'href="../../T102"' in html
    assert 'class="callout callout--reflect"' in html


def test_reordering_lessons_keeps_their_identity(session, files):
    sync(session, files)
    welcome_id = lesson(session, "welcome").id
    files.path(f"{T101}/01-welcome.md").rename(files.path(f"{T101}/03-welcome.md"))
    files.replace(f"{T101}/unit.md", "01-welcome.md", "03-welcome.md")
    sync(session, files)
    session.expire_all()
    moved = lesson(session, "welcome")
    assert moved.id == welcome_id
    assert moved.position == 1
    assert lesson(session, "next-steps").position == 0


def test_a_removed_lesson_is_removed_with_its_progress(session, files):
    sync(session, files)
    partner = PartnerFactory()
    trainee = member(partner, Role.TRAINEE)
    course = session.scalar(select(Course).where(Course.code == "TQ3"))
    enrolment = operations.enrol(session, trainee, course, partner)
    operations.mark_lesson_complete(session, enrolment, lesson(session, "boundaries"))
    session.commit()
    files.path(f"{T102}/01-boundaries.md").unlink()
    report = sync(session, files)
    assert "Lesson T102/boundaries: removed." in report.lines()
    assert session.scalar(select(func.count(LessonProgress.id))) == 0


def test_changing_criteria_of_an_unused_unit_updates_it(session, files):
    sync(session, files)
    unit = current_unit(session, "T101")
    ids = {number: c.id for number, c in criteria_of(session, unit).items()}
    files.replace(f"{T101}/unit.md", "Explain its limits", "Explain the limits of the role")
    files.replace(
        f"{T101}/unit.md",
        "        text: Identify where to refer\n",
        '        text: Identify where to refer\n      - number: "2.2"\n        text: Refer on\n',
    )
    report = sync(session, files)
    session.expire_all()
    again = current_unit(session, "T101")
    assert again.id == unit.id
    assert again.version == 1
    criteria = criteria_of(session, again)
    assert criteria["1.2"].id == ids["1.2"]
    assert criteria["1.2"].text == "Explain the limits of the role"
    assert "2.2" in criteria
    assert report.counts["units"]["updated"] == 1


def test_changing_criteria_of_a_unit_in_use_makes_a_new_version(session, files, in_use):
    sync(session, files)
    partner = PartnerFactory()
    trainee = member(partner, Role.TRAINEE)
    course = session.scalar(select(Course).where(Course.code == "TQ3"))
    enrolment = operations.enrol(session, trainee, course, partner)
    operations.mark_lesson_complete(session, enrolment, lesson(session, "welcome"))
    session.commit()
    old = current_unit(session, "T101")
    old_id, old_criteria = old.id, {n: c.id for n, c in criteria_of(session, old).items()}
    in_use.add("T101")

    files.replace(f"{T101}/unit.md", "Explain its limits", "Explain the limits of the role")
    report = sync(session, files)
    session.expire_all()

    new = current_unit(session, "T101")
    assert new.version == 2
    assert new.id != old_id
    kept = session.get(Unit, old_id)
    assert kept.is_current is False
    assert {n: c.id for n, c in criteria_of(session, kept).items()} == old_criteria
    assert criteria_of(session, kept)["1.2"].text == "Explain its limits"
    assert criteria_of(session, new)["1.2"].text == "Explain the limits of the role"
    assert report.counts["units"]["versioned"] == 1
    assert any("T101: now version 2" in line for line in report.lines())
    # The course and the lessons follow the new version; progress is kept.
    unit_ids = session.scalars(select(CourseUnit.unit_id).where(CourseUnit.course_id == course.id))
    assert new.id in set(unit_ids)
    assert lesson(session, "welcome").unit_id == new.id
    progress = session.scalar(select(LessonProgress))
    assert progress.completed_at is not None
    assert progress.lesson_id == lesson(session, "welcome").id
    assert not sync(session, files).changed


def test_lesson_edits_of_a_unit_in_use_do_not_version_it(session, files, in_use):
    sync(session, files)
    in_use.add("T101")
    files.replace(f"{T101}/02-next-steps.md", "A lesson with", "A short lesson with")
    files.replace(f"{T101}/unit.md", "title: Getting started", "title: Getting started well")
    report = sync(session, files)
    assert report.counts["units"]["versioned"] == 0
    assert session.scalar(select(func.count(Unit.id)).where(Unit.code == "T101")) == 1
    assert current_unit(session, "T101").title == "Getting started well"


def test_sync_refuses_files_with_problems(session, files):
    files.replace(f"{T101}/unit.md", '"1.2"', '"1.3"')
    with pytest.raises(SyncRefused) as refused:
        sync_catalogue(session, load_catalogue(files.courses, files.assessments))
    assert refused.value.problems
    assert session.scalar(select(func.count(Unit.id))) == 0


# --- the command ------------------------------------------------------------------------------


def test_sync_command_twice(app, session, files):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["courses", "sync", str(files.courses)])
    assert first.exit_code == 0, first.output
    assert "Courses: 2 created." in first.output
    assert "Lessons: 5 created." in first.output
    second = runner.invoke(args=["courses", "sync", str(files.courses)])
    assert second.exit_code == 0, second.output
    assert "Everything was already up to date: nothing changed." in second.output
    assert session.scalar(select(func.count(Course.id))) == 2


def test_sync_command_with_problems_loads_nothing(app, session, files):
    files.replace(f"{QUALIFICATION}/course.yaml", "  - T201\n", "  - T201\n  - T999\n")
    result = app.test_cli_runner().invoke(args=["courses", "sync", str(files.courses)])
    assert result.exit_code == 1
    assert "unknown unit T999" in result.output
    assert "nothing was loaded" in result.output
    assert session.scalar(select(func.count(Course.id))) == 0


def test_sync_is_all_or_nothing(app, session, files, monkeypatch):
    from lms.curriculum import sync as sync_module

    original = sync_module.sync_course

    def fail_on_second(session_, spec, *args):
        if spec.code == "TQ3":
            raise RuntimeError("the disk went away")
        return original(session_, spec, *args)

    monkeypatch.setattr(sync_module, "sync_course", fail_on_second)
    result = app.test_cli_runner().invoke(args=["courses", "sync", str(files.courses)])
    assert isinstance(result.exception, RuntimeError)
    session.rollback()
    assert session.scalar(select(func.count(Unit.id))) == 0
    assert session.scalar(select(func.count(Course.id))) == 0


def test_the_shipped_curriculum_syncs(app, session):
    result = app.test_cli_runner().invoke(args=["courses", "sync"])
    assert result.exit_code == 0, result.output
    codes = set(session.scalars(select(Course.code)))
    assert codes == {"ALRM3", "INTRO-PS"}
    assert session.scalar(select(func.count(Lesson.id))) >= 27
