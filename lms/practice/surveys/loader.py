"""Surveys in `courses check` and `courses sync`: survey files live in a `surveys` folder inside
the quiz folder (`assessments/surveys/`), are checked against the courses and units read with
them, and are loaded into the database on sync. Both are listed in `lms.capabilities`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.orm import Session

from lms.content import Problem
from lms.curriculum.format import Catalogue
from lms.curriculum.sync import SyncReport
from lms.practice.surveys.format import Survey, read_survey_folder

FOLDER_NAME = "surveys"


def survey_folder(catalogue: Catalogue) -> Path | None:
    if catalogue.assessments_path is None:
        return None
    return catalogue.assessments_path / FOLDER_NAME


def _outcomes(catalogue: Catalogue):
    courses = {course.code: course for course in catalogue.courses if course.code}

    def outcomes(code: str) -> list[tuple[str, int, str]] | None:
        course = courses.get(code)
        if course is None:
            return None
        return [
            (unit.code, outcome.number, outcome.text)
            for unit in catalogue.units_of(course)
            for outcome in unit.outcomes
        ]

    return outcomes


def read_surveys(catalogue: Catalogue) -> tuple[list[Survey], list[Problem]]:
    """Every survey in the catalogue's survey folder, with what is wrong in any of them."""
    surveys, problems = read_survey_folder(survey_folder(catalogue), _outcomes(catalogue))
    if catalogue.single_course:
        return surveys, problems  # other courses' references are not judged
    course_codes = {course.code for course in catalogue.courses}
    unit_codes = set(catalogue.units_by_code()) | catalogue.unreadable_unit_codes
    for survey in surveys:
        if survey.course and survey.course not in course_codes:
            problems.append(Problem(survey.path, 1, f"there is no course {survey.course}"))
        if survey.unit and survey.unit not in unit_codes:
            problems.append(Problem(survey.path, 1, f"there is no unit {survey.unit}"))
    return surveys, problems


def survey_files(catalogue: Catalogue) -> Iterator[Problem]:
    """Every problem in every survey file, with its line (see courses/README.md, "Surveys")."""
    _, problems = read_surveys(catalogue)
    yield from problems


def load_surveys(session: Session, catalogue: Catalogue, report: SyncReport) -> None:
    """A new version of each new or changed survey; surveys whose file is gone stop being
    offered. Runs only after `courses check` found no problems."""
    folder = survey_folder(catalogue)
    if folder is None or not folder.is_dir():
        return
    from lms.practice.surveys.operations import sync_surveys

    surveys, problems = read_surveys(catalogue)
    if problems:
        return  # the sync refuses before this; nothing half-read is loaded
    result = sync_surveys(session, surveys)
    for slug in result.added:
        report.note("surveys", "created", f"Survey {slug}: added.")
    for slug in result.changed:
        report.note("surveys", "versioned", f"Survey {slug}: a new version.")
    for slug in result.retired:
        report.note("surveys", "removed", f"Survey {slug}: no longer offered.")
    for _ in result.unchanged:
        report.note("surveys", "unchanged")
