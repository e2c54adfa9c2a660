"""`flask --app app courses check [PATH]` and `flask --app app courses sync [PATH]`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from lms.content import display_path
from lms.curriculum.checks import check_paths
from lms.curriculum.format import load_catalogue
from lms.curriculum.sync import SyncRefused, sync_catalogue
from lms.extensions import db

PATH_HELP = (
    "PATH is the courses folder (or one course's folder); by default the configured "
    "COURSES_PATH. Quizzes are read from --assessments; else, with PATH, from an "
    "'assessments' folder beside PATH (or beside its parent); else from ASSESSMENTS_PATH."
)


def _paths(path: str | None, assessments: str | None) -> tuple[Path, Path | None]:
    if assessments:
        return Path(path or current_app.config["COURSES_PATH"]), Path(assessments)
    if not path:
        return Path(current_app.config["COURSES_PATH"]), Path(
            current_app.config["ASSESSMENTS_PATH"]
        )
    courses = Path(path)
    for candidate in (courses.parent / "assessments", courses.parent.parent / "assessments"):
        if candidate.is_dir():
            return courses, candidate
    return courses, None


@click.group("courses", help="Check course files and load them into the database.")
def courses_cli():
    pass


@courses_cli.command(
    "check", help="Check every course, unit, lesson and quiz reference. " + PATH_HELP
)
@click.argument("path", required=False)
@click.option("--assessments", help="The folder of quiz files.")
@with_appcontext
def check_command(path: str | None, assessments: str | None):
    courses_path, assessments_path = _paths(path, assessments)
    catalogue, problems = check_paths(courses_path, assessments_path)
    for problem in problems:
        click.echo(str(problem))
    click.echo(_summary(catalogue, courses_path, problems))
    if problems:
        sys.exit(1)


def _count(number: int, word: str, plural: str | None = None) -> str:
    return f"{number} {word if number == 1 else plural or word + 's'}"


def _summary(catalogue, courses_path: Path, problems: list) -> str:
    units = catalogue.units()
    return (
        f"{_count(len(catalogue.courses), 'course')}, {_count(len(units), 'unit')}, "
        f"{_count(sum(len(unit.lessons) for unit in units), 'lesson')} and "
        f"{_count(len(catalogue.quizzes), 'quiz', 'quizzes')} in {display_path(courses_path)}: "
        + (f"{_count(len(problems), 'problem')}." if problems else "no problems.")
    )


@courses_cli.command("sync", help="Load the course files into the database. " + PATH_HELP)
@click.argument("path", required=False)
@click.option("--assessments", help="The folder of quiz files.")
@with_appcontext
def sync_command(path: str | None, assessments: str | None):
    courses_path, assessments_path = _paths(path, assessments)
    catalogue = load_catalogue(courses_path, assessments_path)
    try:
        report = sync_catalogue(db.session, catalogue)
        db.session.commit()
    except SyncRefused as refused:
        db.session.rollback()
        for problem in refused.problems:
            click.echo(str(problem))
        click.echo(
            f"{_count(len(refused.problems), 'problem')} found: nothing was loaded. "
            "Fix them (see `flask --app app courses check`) and sync again."
        )
        sys.exit(1)
    except Exception:
        db.session.rollback()
        raise
    for line in report.lines():
        click.echo(line)
