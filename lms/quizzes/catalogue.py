"""Quizzes in `courses check` and `courses sync`.

The curriculum reads the quiz files it needs (ids, units and criteria, and checks those
references against the units); this module adds the full check of every quiz file and loads
the quizzes into the database when the courses are synced."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.orm import Session

from lms.curriculum.format import Catalogue
from lms.curriculum.sources import Problem
from lms.curriculum.sync import SyncReport
from lms.quizzes.format import Quiz, check_quiz_text, parse_quiz
from lms.quizzes.operations import sync_quizzes

# Reported by the curriculum's own check of quiz references; not said twice.
SAID_BY_THE_CURRICULUM = {'the quiz is missing "id"', 'the quiz is missing "unit"'}


def _text(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def quiz_files(catalogue: Catalogue) -> Iterator[Problem]:
    """Every problem in every quiz file, with its line (see assessments/README.md)."""
    for spec in catalogue.quizzes.values():
        # The file name is checked against the id by the curriculum, so no expected id here.
        _, problems = check_quiz_text(_text(spec.path), str(spec.path))
        for problem in problems:
            if problem.message not in SAID_BY_THE_CURRICULUM:
                yield Problem(spec.path, problem.line, problem.message)


def _definitions(catalogue: Catalogue) -> list[Quiz]:
    return [parse_quiz(_text(spec.path), str(spec.path)) for spec in catalogue.quizzes.values()]


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
