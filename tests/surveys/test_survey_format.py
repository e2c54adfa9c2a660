"""Survey files: read, checked with file:line problems, expanded per learning outcome, and
reported by `courses check` beside the courses and quizzes."""

import shutil
import textwrap
from pathlib import Path

import pytest

from lms.content import YamlMap, parse_yaml
from lms.curriculum.format import load_catalogue
from lms.practice.surveys.format import LIKERT_LABELS, Audience, Moment, QuestionType, Survey
from lms.practice.surveys.format import parse_survey as parse
from lms.practice.surveys.loader import read_surveys

REPO = Path(__file__).resolve().parents[2]
OUTCOMES = {"ALRM3": [("RM301", 1, "Understand peer mentoring"), ("RM302", 2, "Keep boundaries")]}


def read(text: str, name: str = "my-survey.yaml"):
    problems = []
    data = parse_yaml(textwrap.dedent(text), Path(name), problems)
    survey = parse(data, Path(name), problems, OUTCOMES.get) if data is not None else None
    return survey, [(p.line, p.message) for p in problems]


GOOD = """\
id: my-survey
title: How it went
audience: trainee
course: ALRM3
moments: [start, end]
for_each_outcome:
  prompt: "How confident are you that you can: {outcome}?"
questions:
  - id: mood
    type: scale
    prompt: How are you?
    labels: [Low, High]
  - id: parts
    type: multiple_choice
    prompt: Which parts helped?
    options: [Groups, Lessons]
  - id: words
    type: text
    prompt: Anything else?
"""


def test_a_good_survey_is_read_with_a_question_for_each_learning_outcome():
    survey, problems = read(GOOD)
    assert problems == []
    assert survey.moments == (Moment.START, Moment.END)
    assert [q.id for q in survey.questions] == ["RM301-1", "RM302-2", "mood", "parts", "words"]
    first = survey.questions[0]
    assert (first.type, first.outcome, first.labels) == (
        QuestionType.LIKERT,
        "RM301.1",
        LIKERT_LABELS,
    )
    assert first.prompt == "How confident are you that you can: Understand peer mentoring?"
    assert survey.find("words").required is False  # text is optional unless it says otherwise
    assert Survey.from_dict(survey.to_dict()) == survey


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("audience: trainee", "audience: everyone"), (3, '"audience" must be one of')),
        (("moments: [start, end]", "moments: [start, soon]"), (5, "a moment is one of")),
        (("moments: [start, end]", "moments: [any]"), (5, "not any")),
        (("    type: scale", "    type: slider"), (10, '"type" must be one of')),
        (("    labels: [Low, High]", "    labels: [Low]"), (12, "a scale has two labels")),
        (("    options: [Groups, Lessons]", "    options: [Groups]"), (16, "2 to 20 options")),
        (("    options: [Groups, Lessons]", "    options: [yes, no]"), (16, "in quotes")),
        (("  - id: words", "  - id: mood"), (17, 'question id "mood" is used twice')),
        (("    prompt: Anything else?", "    colour: red"), (19, 'no setting "colour"')),
        (("{outcome}", "outcome"), (7, 'where "{outcome}" goes')),
        (("id: my-survey", "id: other"), (1, 'named "other.yaml"')),
        (("course: ALRM3", "unit: RM301"), (6, 'needs the survey\'s "course"')),
    ],
)
def test_each_problem_is_reported_on_its_line(change, expected):
    survey, problems = read(GOOD.replace(*change))
    assert survey is None
    line, words = expected
    assert any(found_line == line and words in message for found_line, message in problems), (
        problems
    )


def test_a_mentee_survey_is_answered_at_any_moment():
    survey, problems = read(
        """\
        id: my-survey
        title: Feedback
        audience: mentee
        questions:
          - {id: safe, type: likert, prompt: I feel safe.}
        """
    )
    assert problems == []
    assert (survey.audience, survey.moments) == (Audience.MENTEE, (Moment.ANY,))


def test_not_a_mapping_and_no_questions():
    assert read("- a list\n")[1] == [(1, "a survey file is a set of 'key: value' lines")]
    assert (1, "the survey has no questions") in read(
        "id: my-survey\ntitle: T\naudience: trainee\n"
    )[1]
    assert isinstance(parse_yaml("a: 1", "x", []), YamlMap)


def test_the_shipped_surveys_are_valid_and_ask_about_every_outcome():
    catalogue = load_catalogue(REPO / "courses", REPO / "assessments")
    surveys, problems = read_surveys(catalogue)
    assert problems == []
    by_id = {s.id: s for s in surveys}
    assert set(by_id) == {"mentor-confidence", "end-of-training", "mentee-feedback"}
    qualification = next(c for c in catalogue.courses if c.code == "ALRM3")
    outcomes = [u.code for u in catalogue.units_of(qualification) for _ in u.outcomes]
    asked = [q for q in by_id["mentor-confidence"].questions if q.outcome]
    assert len(asked) == len(outcomes) > 10
    assert by_id["mentor-confidence"].moments == (Moment.START, Moment.END, Moment.FOLLOW_UP)
    assert by_id["mentee-feedback"].audience is Audience.MENTEE


def test_courses_check_reports_a_bad_survey_file_with_its_line(app, tmp_path):
    courses, assessments = tmp_path / "courses", tmp_path / "assessments"
    shutil.copytree(REPO / "courses", courses)
    shutil.copytree(REPO / "assessments", assessments)
    bad = assessments / "surveys" / "end-of-training.yaml"
    bad.write_text(bad.read_text().replace("course: ALRM3", "course: NOPE1"))
    (assessments / "surveys" / "broken.yaml").write_text("id: broken\ntitle: [unclosed\n")
    result = app.test_cli_runner().invoke(
        args=["courses", "check", str(courses), "--assessments", str(assessments)]
    )
    assert result.exit_code == 1
    assert f"{bad}:1: there is no course NOPE1" in result.output
    assert "broken.yaml:2: this is not valid YAML" in result.output


def test_courses_sync_loads_surveys_and_versions_a_changed_one(app, tmp_path, session):
    from sqlalchemy import select

    from lms.curriculum.sync import sync_catalogue
    from lms.practice.surveys.models import Survey as SurveyRow

    assessments = tmp_path / "assessments"
    shutil.copytree(REPO / "assessments", assessments)
    sync_catalogue(session, load_catalogue(REPO / "courses", assessments))
    rows = session.scalars(select(SurveyRow).order_by(SurveyRow.slug)).all()
    assert [(r.slug, r.version, r.is_current) for r in rows] == [
        ("end-of-training", 1, True),
        ("mentee-feedback", 1, True),
        ("mentor-confidence", 1, True),
    ]
    changed = assessments / "surveys" / "mentee-feedback.yaml"
    changed.write_text(changed.read_text().replace("My mentor listens", "My mentor hears"))
    report = sync_catalogue(session, load_catalogue(REPO / "courses", assessments))
    assert report.counts["surveys"]["versioned"] == 1
    current = session.scalars(
        select(SurveyRow).where(SurveyRow.slug == "mentee-feedback").order_by(SurveyRow.version)
    ).all()
    assert [(r.version, r.is_current) for r in current] == [(1, False), (2, True)]
