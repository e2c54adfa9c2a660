"""Quizzes in `courses check` and `courses sync`.

The curriculum reads each quiz file once (ids, units and criteria, and checks those references
against the units); this module checks the same reading in full and loads the quizzes into
the database when the courses are synced. Both are listed in `lms.capabilities`."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from sqlalchemy.orm import Session

from lms.content import Problem
from lms.curriculum.format import Catalogue, QuizSpec
from lms.curriculum.sync import SyncReport
from lms.quizzes.format import Quiz, QuizFormatError, check_quiz_node
from lms.quizzes.operations import sync_quizzes

# Reported by the curriculum's own check of quiz references; not said twice.
SAID_BY_THE_CURRICULUM = {'the quiz is missing "id"', 'the quiz is missing "unit"'}


def checked(spec: QuizSpec) -> tuple[Quiz | None, list[Problem]]:
    """The quiz and its problems, from the YAML the curriculum read (once per catalogue)."""
    if spec.checked is None:
        # The file name is checked against the id by the curriculum, so no expected id here.
        spec.checked = check_quiz_node(spec.node, spec.path)
    return spec.checked


def quiz_files(catalogue: Catalogue) -> Iterator[Problem]:
    """Every problem in every quiz file, with its line (see assessments/README.md)."""
    units = catalogue.units_by_code()
    for spec in catalogue.quizzes.values():
        quiz, problems = checked(spec)
        yield from (p for p in problems if p.message not in SAID_BY_THE_CURRICULUM)
        unit = units.get(quiz.unit) if quiz is not None else None
        if unit is not None and unit.language in quiz.translations:
            yield Problem(
                spec.path,
                quiz.lines.get("translations", 1),
                f'unit {unit.code} is written in "{unit.language}" already: this quiz cannot '
                "hold a translation into its own language",
            )


def _definitions(catalogue: Catalogue) -> list[Quiz]:
    """Each quiz, in the language of its unit (its course's)."""
    units = catalogue.units_by_code()
    quizzes = []
    for spec in catalogue.quizzes.values():
        quiz, problems = checked(spec)
        if quiz is None:
            raise QuizFormatError(problems)
        if (unit := units.get(quiz.unit)) is not None:
            quiz = dataclasses.replace(quiz, language=unit.language)
        quizzes.append(quiz)
    return quizzes


def load_quizzes(session: Session, catalogue: Catalogue, report: SyncReport) -> None:
    """A new version of each new or changed quiz; quizzes whose file is gone stop being
    offered. Runs only after `courses check` found no problems (the sync refuses otherwise)."""
    if catalogue.assessments_path is None or not catalogue.assessments_path.is_dir():
        return  # no quiz folder was read: leave the quizzes as they are
    result = sync_quizzes(session, _definitions(catalogue))
    for slug in result.added:
        report.note("quizzes", "created", f"Quiz {slug}: added.")
    for slug in result.changed:
        report.note(
            "quizzes", "versioned", f"Quiz {slug}: a new version (attempts keep the one they took)."
        )
    for slug in result.retired:
        report.note("quizzes", "removed", f"Quiz {slug}: no longer offered (its file is gone).")
    for _ in result.unchanged:
        report.note("quizzes", "unchanged")
