"""Quiz files: the shipped quizzes load, valid files become typed objects, and malformed
files are refused with `file:line: message` for every problem."""

from __future__ import annotations

import copy
import json
import textwrap
from dataclasses import FrozenInstanceError
from fractions import Fraction
from pathlib import Path

import pytest

from lms import PROJECT_ROOT
from lms.quizzes.format import (
    SCHEMA_VERSION,
    AfterEachAttempt,
    CorrectAnswers,
    Matching,
    MultipleResponse,
    Ordering,
    Quiz,
    QuizFormatError,
    Scenario,
    Scoring,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
    check_quiz_file,
    check_quiz_text,
    load_quiz_directory,
    load_quiz_file,
)
from tests.quizzes.conftest import quiz_yaml
from tests.quizzes.samples import (
    ALL_TYPES,
    MATCHING,
    MULTIPLE,
    ORDERING,
    SCENARIO,
    SHORT,
    SINGLE,
    TRUE_FALSE,
)

ASSESSMENTS = PROJECT_ROOT / "assessments"
SHIPPED = sorted(ASSESSMENTS.glob("*.yaml"))


# --- the shipped quizzes ------------------------------------------------------------------------


def test_there_are_shipped_quizzes():
    assert len(SHIPPED) >= 9


def test_every_shipped_quiz_loads_without_problems():
    result = load_quiz_directory(ASSESSMENTS, PROJECT_ROOT)
    assert result.problems == []
    assert set(result.quizzes) == {path.stem for path in SHIPPED}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_quiz_survives_storage(path: Path):
    quiz = load_quiz_file(path)
    stored = json.loads(json.dumps(quiz.to_dict()))
    assert stored["schema_version"] == SCHEMA_VERSION
    again = Quiz.from_dict(stored)
    assert again == quiz
    assert again.content_hash == quiz.content_hash


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_quiz_has_explanations_and_feedback(path: Path):
    """The issue asks for feedback on options and an explanation on every question."""
    quiz = load_quiz_file(path)
    for question in quiz.leaf_questions():
        assert question.explanation, question.id
        if isinstance(question, SingleChoice | MultipleResponse):
            assert all(option.feedback for option in question.options), question.id


def test_shipped_quizzes_have_scenarios_on_the_hard_subjects():
    scenarios = [
        question
        for path in SHIPPED
        for question in load_quiz_file(path).questions
        if isinstance(question, Scenario)
    ]
    text = " ".join(
        f"{s.scenario} {s.explanation} "
        + " ".join(f"{q.prompt} {q.explanation}" for q in s.questions)
        for s in scenarios
    )
    for subject in ("boundar", "disclos", "safeguarding"):
        assert subject in text.lower(), subject
    assert len(scenarios) >= 16


# --- a valid quiz ------------------------------------------------------------------------------


def test_every_question_type_becomes_a_typed_object(make_quiz):
    quiz = make_quiz(ALL_TYPES)
    kinds = [type(q) for q in quiz.questions]
    assert kinds == [
        SingleChoice,
        MultipleResponse,
        TrueFalse,
        ShortAnswer,
        Matching,
        Ordering,
        Scenario,
    ]
    assert [q.id for q in quiz.leaf_questions()][-2:] == ["late-first-step", "late-boundary"]
    assert quiz.find("late-boundary").answer is True
    assert quiz.parent_of("late-boundary").id == "late-texts"
    assert quiz.parent_of("purpose") is None


def test_defaults(make_quiz):
    quiz = make_quiz([SINGLE, MULTIPLE, ORDERING])
    single, multiple, ordering = quiz.questions
    assert quiz.attempts is None
    assert quiz.wait_minutes == 0
    assert quiz.time_limit_minutes is None
    assert quiz.criteria == ()
    assert not quiz.shuffle_questions
    assert not quiz.shuffle_options
    assert quiz.review.after_each_attempt == AfterEachAttempt.FEEDBACK
    assert quiz.review.correct_answers == CorrectAnswers.AFTER_PASS_OR_FINAL
    assert [o.id for o in single.options] == ["a", "b", "c"]
    assert single.correct_option.text == "To walk alongside her"
    assert single.points == 1
    assert multiple.scoring == Scoring.PARTIAL
    assert ordering.scoring == Scoring.PARTIAL
    assert quiz.pools[0].draw is None
    assert quiz.pools[0].draw_count == 3


def test_settings_are_read(make_quiz):
    quiz = make_quiz(
        [SINGLE],
        criteria=["1.1", "2.3"],
        attempts=3,
        wait_minutes=30,
        time_limit_minutes=20,
        shuffle_questions=True,
        shuffle_options=True,
        review={"after_each_attempt": "none", "correct_answers": "never"},
    )
    assert quiz.criteria == ("1.1", "2.3")
    assert (quiz.attempts, quiz.wait_minutes, quiz.time_limit_minutes) == (3, 30, 20)
    assert quiz.shuffle_questions
    assert quiz.shuffle_options
    assert quiz.review.after_each_attempt == AfterEachAttempt.NONE
    assert quiz.review.correct_answers == CorrectAnswers.NEVER


def test_points_and_pass_mark_are_exact(make_quiz):
    question = {**SINGLE, "points": 0.1}
    quiz = make_quiz([question], pass_mark=62.5)
    assert quiz.questions[0].points == Fraction(1, 10)
    assert quiz.pass_mark == Fraction(125, 2)


def test_matching_keys_share_a_right_hand_text(make_quiz):
    matching = make_quiz([MATCHING]).questions[0]
    assert matching.choices == (
        ("1", "A refuge"),
        ("2", "A legal adviser"),
        ("3", "The council"),
        ("4", "A gym"),
    )
    assert matching.answer_key == {"1": "1", "2": "2", "3": "3", "4": "1"}


def test_scenario_points_are_the_sum_of_its_questions(make_quiz):
    scenario = make_quiz([SCENARIO]).questions[0]
    assert scenario.points == 3
    assert scenario.prompt == "Read the scenario, then answer."


def test_a_scenario_prompt_is_optional(make_quiz):
    scenario = {k: v for k, v in SCENARIO.items() if k != "prompt"}
    assert make_quiz([scenario]).questions[0].prompt is None


def test_quiz_is_immutable(make_quiz):
    quiz = make_quiz([SINGLE])
    with pytest.raises(FrozenInstanceError):
        quiz.title = "Changed"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        quiz.questions[0].options[0].correct = False  # type: ignore[misc]


def test_content_hash_ignores_layout_but_not_content(parse_text):
    base = """\
        id: test-quiz
        title: A quiz
        unit: RM301
        pass_mark: 50
        pools:
          - id: core
            questions:
              - {id: q, type: true_false, prompt: Is it true, answer: true}
    """
    relaid = base.replace("pass_mark: 50", "# a comment\n        pass_mark:    50")
    changed = base.replace("Is it true", "Is it so")
    assert parse_text(base).content_hash == parse_text(relaid).content_hash
    assert parse_text(base).content_hash != parse_text(changed).content_hash


def test_lines_are_kept_for_later_checks(parse_text):
    quiz = parse_text(
        """\
        id: test-quiz
        title: A quiz
        unit: RM301
        criteria:
          - "1.1"
          - "1.2"
        pass_mark: 50
        pools:
          - id: core
            questions:
              - {id: q, type: true_false, prompt: Is it true, answer: true}
        """
    )
    assert quiz.lines["unit"] == 3
    assert quiz.lines["criteria[1.2]"] == 6
    assert quiz.questions[0].line == 11


def test_stored_definition_with_unknown_schema_version_is_refused(make_quiz):
    stored = make_quiz([SINGLE]).to_dict()
    stored["schema_version"] = 99
    with pytest.raises(QuizFormatError, match="schema version 99"):
        Quiz.from_dict(stored)


# --- malformed files ----------------------------------------------------------------------------

HEADER = """\
id: test-quiz
title: A quiz
unit: RM301
pass_mark: 70
pools:
  - id: core
    questions:
"""


def problems_of(text: str) -> list[str]:
    quiz, problems = check_quiz_text(
        textwrap.dedent(text), "test-quiz.yaml", expected_id="test-quiz"
    )
    assert (quiz is None) == bool(problems)
    return [str(problem) for problem in problems]


def with_questions(questions: str) -> str:
    return HEADER + textwrap.indent(textwrap.dedent(questions), "      ")


def assert_problem(text: str, line: int, fragment: str) -> None:
    problems = problems_of(text)
    wanted = f"test-quiz.yaml:{line}: "
    assert any(p.startswith(wanted) and fragment in p for p in problems), problems


MALFORMED_QUIZ = [
    (
        "unknown key",
        "pass_mrk: 70",
        4,
        'unknown key "pass_mrk" in the quiz (did you mean "pass_mark"?)',
    ),
    ("pass mark too high", "pass_mark: 101", 4, "the pass mark must be at least 0 and at most 100"),
    ("pass mark negative", "pass_mark: -5", 4, "the pass mark must be at least 0"),
    ("pass mark words", "pass_mark: seventy", 4, "the pass mark must be a number"),
    ("attempts not whole", "pass_mark: 70\nattempts: 1.5", 5, "attempts must be a whole number"),
    ("attempts zero", "pass_mark: 70\nattempts: 0", 5, "attempts must be between 1 and"),
    ("wait negative", "pass_mark: 70\nwait_minutes: -1", 5, "wait_minutes must be between 0"),
    ("time limit zero", "pass_mark: 70\ntime_limit_minutes: 0", 5, "time_limit_minutes must be"),
    (
        "shuffle not bool",
        "pass_mark: 70\nshuffle_options: sometimes",
        5,
        "shuffle_options must be true or false",
    ),
    (
        "unknown review setting",
        "pass_mark: 70\nreview:\n  after_each_attempt: sometimes",
        6,
        'unknown review setting after_each_attempt "sometimes" (use none, correctness or feedback)',
    ),
    (
        "unknown correct answers setting",
        "pass_mark: 70\nreview:\n  correct_answers: at_the_end",
        6,
        'unknown review setting correct_answers "at_the_end"',
    ),
    (
        "unknown review key",
        "pass_mark: 70\nreview:\n  show_scores: true",
        6,
        'unknown key "show_scores" in review',
    ),
    (
        "criteria not quoted",
        "pass_mark: 70\ncriteria: [1.1]",
        5,
        'write each criterion in quotes, like "1.1"',
    ),
    (
        "criteria badly numbered",
        "pass_mark: 70\ncriteria: ['one']",
        5,
        'criterion "one" must be numbered like "1.2"',
    ),
    (
        "criteria repeated",
        "pass_mark: 70\ncriteria: ['1.1', '1.1']",
        5,
        'criterion "1.1" is listed twice',
    ),
    ("criteria not a list", "pass_mark: 70\ncriteria: '1.1'", 5, "criteria must be a list"),
]


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [c[1:] for c in MALFORMED_QUIZ],
    ids=[c[0] for c in MALFORMED_QUIZ],
)
def test_malformed_quiz_settings(change, line, message):
    text = (
        HEADER.replace("pass_mark: 70", change)
        + "      - {id: q, type: true_false, prompt: P, answer: true}\n"
    )
    assert_problem(text, line, message)


def test_missing_keys_are_named():
    assert_problem("id: test-quiz\nunit: RM301\n", 1, 'the quiz is missing "title"')
    assert_problem("id: test-quiz\nunit: RM301\n", 1, 'the quiz is missing "pools"')
    assert_problem("id: test-quiz\nunit: RM301\n", 1, 'the quiz is missing "pass_mark"')


def test_id_must_match_the_file_name(tmp_path):
    path = tmp_path / "other-name.yaml"
    path.write_text(HEADER + "      - {id: q, type: true_false, prompt: P, answer: true}\n")
    quiz, problems = check_quiz_file(path, "assessments/other-name.yaml")
    assert quiz is None
    assert [str(p) for p in problems] == [
        'assessments/other-name.yaml:1: the quiz id "test-quiz" does not match the file name: '
        'name the file test-quiz.yaml or change the id to "other-name"'
    ]


def test_id_that_is_a_page_of_the_site():
    assert_problem(
        HEADER.replace("id: test-quiz", "id: history"), 1, '"history" is a page of the site'
    )


def test_id_with_odd_characters():
    assert_problem(HEADER.replace("id: test-quiz", "id: test quiz!"), 1, "may only use letters")


MALFORMED_QUESTIONS = [
    (
        "single choice with two correct",
        """\
        - id: q
          type: single_choice
          prompt: P
          options:
            - {text: A, correct: true}
            - {text: B, correct: true}
        """,
        11,
        'single_choice question "q" needs exactly one correct option (it has 2)',
    ),
    (
        "single choice with none correct",
        """\
        - id: q
          type: single_choice
          prompt: P
          options: [{text: A}, {text: B}]
        """,
        11,
        "needs exactly one correct option (it has 0)",
    ),
    (
        "multiple response with none correct",
        """\
        - id: q
          type: multiple_response
          prompt: P
          options: [{text: A}, {text: B}]
        """,
        11,
        'multiple_response question "q" needs a correct option',
    ),
    (
        "multiple response with all correct",
        """\
        - id: q
          type: multiple_response
          prompt: P
          options: [{text: A, correct: true}, {text: B, correct: true}]
        """,
        11,
        "needs at least one option that is not correct",
    ),
    (
        "one option",
        """\
        - id: q
          type: single_choice
          prompt: P
          options: [{text: A, correct: true}]
        """,
        11,
        'question "q" needs at least two options',
    ),
    (
        "duplicate option ids",
        """\
        - id: q
          type: single_choice
          prompt: P
          options:
            - {id: same, text: A, correct: true}
            - {id: same, text: B}
        """,
        13,
        'option id "same" is used twice in question "q" (first on line 12',
    ),
    (
        "explicit id equal to a default id",
        """\
        - id: q
          type: single_choice
          prompt: P
          options:
            - {id: b, text: A, correct: true}
            - {text: B}
        """,
        13,
        'option id "b" is used twice',
    ),
    (
        "duplicate option text",
        """\
        - id: q
          type: single_choice
          prompt: P
          options: [{text: A, correct: true}, {text: A}]
        """,
        11,
        'the option "A" appears twice in question "q"',
    ),
    (
        "option correct not a boolean",
        """\
        - id: q
          type: single_choice
          prompt: P
          options:
            - {text: A, correct: definitely}
            - {text: B}
        """,
        12,
        '"correct" in an option of question "q" must be true or false',
    ),
    (
        "unknown option key",
        """\
        - id: q
          type: single_choice
          prompt: P
          options:
            - {text: A, corect: true}
            - {text: B}
        """,
        12,
        'unknown key "corect" in an option of question "q" (did you mean "correct"?)',
    ),
    (
        "true/false answer not a boolean",
        """\
        - {id: q, type: true_false, prompt: P, answer: maybe}
        """,
        8,
        'the answer of question "q" must be true or false',
    ),
    (
        "true/false feedback for an unknown value",
        """\
        - id: q
          type: true_false
          prompt: P
          answer: true
          feedback: {maybe: Hmm}
        """,
        12,
        'unknown key "maybe" in the feedback of question "q"',
    ),
    (
        "short answer with no accepted answers",
        """\
        - {id: q, type: short_answer, prompt: P, accept: []}
        """,
        8,
        'question "q" needs at least one accepted answer',
    ),
    (
        "short answer accepting the same answer twice",
        """\
        - id: q
          type: short_answer
          prompt: P
          accept: [Supervision, "  supervision "]
        """,
        11,
        '"supervision" is accepted twice in question "q" (answers ignore case and extra spaces',
    ),
    (
        "invalid pattern",
        """\
        - id: q
          type: short_answer
          prompt: P
          accept: [x]
          pattern: "(unclosed"
        """,
        12,
        'the pattern of question "q" is not a valid regular expression',
    ),
    (
        "pattern accepting an empty answer",
        """\
        - {id: q, type: short_answer, prompt: P, accept: [x], pattern: "x*"}
        """,
        8,
        "would accept an empty answer",
    ),
    (
        "matching without pairs",
        """\
        - {id: q, type: matching, prompt: P}
        """,
        8,
        'question "q" is missing "pairs"',
    ),
    (
        "matching with one pair",
        """\
        - id: q
          type: matching
          prompt: P
          pairs: [{left: A, right: B}]
        """,
        11,
        'matching question "q" needs at least two pairs',
    ),
    (
        "matching with a repeated left side",
        """\
        - id: q
          type: matching
          prompt: P
          pairs:
            - {left: A, right: B}
            - {left: A, right: C}
        """,
        13,
        '"A" is on the left of two pairs',
    ),
    (
        "matching distractor that is a right answer",
        """\
        - id: q
          type: matching
          prompt: P
          pairs: [{left: A, right: B}, {left: C, right: D}]
          distractors: [B]
        """,
        12,
        'the distractor "B" is also a right answer',
    ),
    (
        "matching pair missing its right side",
        """\
        - id: q
          type: matching
          prompt: P
          pairs: [{left: A}, {left: C, right: D}]
        """,
        11,
        'a pair of question "q" is missing "right"',
    ),
    (
        "ordering with one item",
        """\
        - {id: q, type: ordering, prompt: P, items: [Only]}
        """,
        8,
        'ordering question "q" needs at least two items',
    ),
    (
        "ordering with a repeated item",
        """\
        - {id: q, type: ordering, prompt: P, items: [A, B, A]}
        """,
        8,
        'the item "A" is listed twice',
    ),
    (
        "ordering with unknown scoring",
        """\
        - {id: q, type: ordering, prompt: P, items: [A, B], scoring: generous}
        """,
        8,
        'unknown scoring in question "q" "generous" (use partial or all_or_nothing)',
    ),
    (
        "scenario inside a scenario",
        """\
        - id: outer
          type: scenario
          scenario: Text
          questions:
            - id: inner
              type: scenario
              scenario: More text
              questions: [{id: q, type: true_false, prompt: P, answer: true}]
        """,
        13,
        'question "inner" is a scenario inside scenario "outer"',
    ),
    (
        "scenario with no questions",
        """\
        - {id: s, type: scenario, scenario: Text, questions: []}
        """,
        8,
        'question "s" has no questions',
    ),
    (
        "scenario with points",
        """\
        - id: s
          type: scenario
          scenario: Text
          points: 3
          questions: [{id: q, type: true_false, prompt: P, answer: true}]
        """,
        11,
        'unknown key "points" in question "s"',
    ),
    (
        "key of another question type",
        """\
        - {id: q, type: true_false, prompt: P, answer: true, options: []}
        """,
        8,
        'unknown key "options" in question "q"',
    ),
    (
        "unknown question type",
        """\
        - {id: q, type: essay, prompt: P}
        """,
        8,
        'unknown question type "essay" (use single_choice, multiple_response',
    ),
    (
        "misspelt question type",
        """\
        - {id: q, type: single_choise, prompt: P}
        """,
        8,
        'unknown question type "single_choise" (did you mean "single_choice"?)',
    ),
    (
        "question without a type",
        """\
        - {id: q, prompt: P}
        """,
        8,
        'question "q" is missing "type"',
    ),
    (
        "question without a prompt",
        """\
        - {id: q, type: true_false, answer: true}
        """,
        8,
        'question "q" is missing "prompt"',
    ),
    (
        "empty prompt",
        """\
        - {id: q, type: true_false, prompt: "  ", answer: true}
        """,
        8,
        'the prompt of question "q" must not be empty',
    ),
    (
        "prompt that is a list",
        """\
        - {id: q, type: true_false, prompt: [a, b], answer: true}
        """,
        8,
        'the prompt of question "q" must be text',
    ),
    (
        "zero points",
        """\
        - {id: q, type: true_false, prompt: P, answer: true, points: 0}
        """,
        8,
        'the points of question "q" must be more than 0',
    ),
    (
        "points as words",
        """\
        - {id: q, type: true_false, prompt: P, answer: true, points: two}
        """,
        8,
        'the points of question "q" must be a number',
    ),
    (
        "question that is not a mapping",
        """\
        - just a sentence
        """,
        8,
        "each question must be a set of `key: value` lines",
    ),
]


@pytest.mark.parametrize(
    ("questions", "line", "message"),
    [c[1:] for c in MALFORMED_QUESTIONS],
    ids=[c[0] for c in MALFORMED_QUESTIONS],
)
def test_malformed_questions(questions, line, message):
    assert_problem(with_questions(questions), line, message)


def test_question_ids_are_unique_across_pools_and_scenarios():
    text = """\
id: test-quiz
title: A quiz
unit: RM301
pass_mark: 70
pools:
  - id: core
    questions:
      - {id: same, type: true_false, prompt: P, answer: true}
  - id: scenarios
    questions:
      - id: s
        type: scenario
        scenario: Text
        questions:
          - {id: same, type: true_false, prompt: P, answer: true}
"""
    assert_problem(text, 15, 'question id "same" is used twice in this quiz (first on line 8)')


def test_pool_problems():
    text = """\
id: test-quiz
title: A quiz
unit: RM301
pass_mark: 70
pools:
  - id: core
    draw: 3
    questions:
      - {id: a, type: true_false, prompt: P, answer: true}
      - {id: b, type: true_false, prompt: P, answer: true}
  - id: core
    questions:
      - {id: c, type: true_false, prompt: P, answer: true}
  - id: empty
    questions: []
"""
    assert_problem(text, 7, 'pool "core" draws 3 questions but holds only 2')
    assert_problem(text, 11, 'pool id "core" is used twice (first on line 6)')
    assert_problem(text, 15, 'pool "empty" has no questions')


def test_a_quiz_needs_a_pool():
    assert_problem(
        HEADER.replace("  - id: core\n    questions:\n", "") + "  []\n", 5, "at least one pool"
    )


def test_not_yaml():
    problems = problems_of("id: test-quiz\ntitle: [unclosed\nunit: RM301\n")
    assert len(problems) == 1
    assert problems[0].startswith("test-quiz.yaml:")
    assert "this is not valid YAML" in problems[0]


def test_empty_file_and_wrong_shape():
    assert problems_of("") == ["test-quiz.yaml:1: the file is empty"]
    assert problems_of("- a\n- b\n") == [
        "test-quiz.yaml:1: the quiz must be a set of `key: value` lines"
    ]


def test_duplicate_keys_are_reported():
    assert_problem(
        HEADER.replace("unit: RM301", "unit: RM301\nunit: RM302"), 4, 'key "unit" appears twice'
    )


def test_every_problem_is_reported_at_once_in_line_order():
    text = with_questions(
        """\
        - {id: a, type: true_false, prompt: P, answer: maybe}
        - {id: b, type: single_choice, prompt: P, options: [{text: A}, {text: B}]}
        - {id: c, type: ordering, prompt: P, items: [One]}
        """
    ).replace("pass_mark: 70", "pass_mark: 170")
    problems = problems_of(text)
    assert [int(p.split(":")[1]) for p in problems] == [4, 8, 9, 10]


def test_format_error_lists_problems(tmp_path):
    path = tmp_path / "test-quiz.yaml"
    path.write_text(HEADER.replace("pass_mark: 70", "pass_mark: 170") + "      - {id: q}\n")
    with pytest.raises(QuizFormatError) as raised:
        load_quiz_file(path, "assessments/test-quiz.yaml")
    assert "assessments/test-quiz.yaml:4: the pass mark" in str(raised.value)
    assert len(raised.value.problems) == 2


def test_directory_loading(tmp_path):
    folder = tmp_path / "assessments"
    folder.mkdir()
    (folder / "README.md").write_text("# Not a quiz")
    (folder / "test-quiz.yaml").write_text(quiz_yaml([SINGLE]))
    (folder / "broken.yaml").write_text("id: broken\n")
    (folder / "old-style.yml").write_text(quiz_yaml([SINGLE]))
    result = load_quiz_directory(folder, tmp_path)
    assert set(result.quizzes) == {"test-quiz"}
    messages = [str(p) for p in result.problems]
    assert (
        "assessments/old-style.yml:1: quiz files end in .yaml: rename it to old-style.yaml"
        in messages
    )
    assert any(m.startswith("assessments/broken.yaml:1: the quiz is missing") for m in messages)


def test_missing_directory(tmp_path):
    result = load_quiz_directory(tmp_path / "nowhere")
    assert result.quizzes == {}
    assert "does not exist" in str(result.problems[0])


def test_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "test-quiz.yaml"
    path.write_bytes(b"id: test-quiz\ntitle: \xff\xfe\n")
    _, problems = check_quiz_file(path, "test-quiz.yaml")
    assert [str(p) for p in problems] == [
        "test-quiz.yaml:2: this line holds a character that is not UTF-8 (byte 0xff); "
        "please save the file as UTF-8 text"
    ]


def test_numbers_may_be_accepted_answers(make_quiz):
    question = {**SHORT, "accept": [3, "three"], "pattern": None}
    del question["pattern"]
    quiz = make_quiz([question])
    assert quiz.questions[0].accept == ("3", "three")


def test_sample_questions_are_not_changed_by_parsing(make_quiz):
    before = copy.deepcopy(ALL_TYPES)
    make_quiz(ALL_TYPES)
    assert before == ALL_TYPES
    assert MATCHING["pairs"][0]["right"] == "A refuge"
    assert TRUE_FALSE["answer"] is False
