"""Grading every question type, partial credit, pass marks and tampered answers."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.quizzes.format import MAX_SHORT_ANSWER_LENGTH, parse_quiz
from lms.quizzes.grading import (
    Status,
    TamperedAnswer,
    clean_answer,
    credit,
    grade_attempt,
    grade_question,
    short_answer_accepted,
)
from tests.quizzes.conftest import quiz_yaml
from tests.quizzes.samples import (
    ALL_RIGHT,
    ALL_TYPES,
    MATCHING,
    MULTIPLE,
    ORDERING,
    SCENARIO,
    SHORT,
    SINGLE,
    TRUE_FALSE,
)


def question_of(data: dict, **changes):
    return parse_quiz(quiz_yaml([{**data, **changes}]), "t.yaml").questions[0]


def graded(question, answer) -> Fraction:
    return credit(question, clean_answer(question, answer))


# --- single choice ------------------------------------------------------------------------------


def test_single_choice():
    question = question_of(SINGLE, points=2)
    assert graded(question, "a") == 1
    assert graded(question, "b") == 0
    assert graded(question, None) == 0
    right = grade_question(question, {"purpose": "a"})
    assert (right.awarded, right.available, right.status) == (2, 2, Status.CORRECT)
    assert grade_question(question, {"purpose": "c"}).status == Status.INCORRECT
    assert grade_question(question, {}).status == Status.UNANSWERED


# --- multiple response --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        (["nights", "own-story", "rescue"], Fraction(1)),
        (["nights", "own-story"], Fraction(2, 3)),
        (["nights"], Fraction(1, 3)),
        (["nights", "own-story", "on-time"], Fraction(1, 3)),  # (2 - 1) / 3
        (["nights", "own-story", "rescue", "on-time"], Fraction(2, 3)),
        (["nights", "on-time", "supervision"], Fraction(0)),  # (1 - 2) / 3, never below 0
        (["on-time"], Fraction(0)),
        (["nights", "own-story", "rescue", "on-time", "supervision"], Fraction(1, 3)),
    ],
)
def test_multiple_response_partial_credit(chosen, expected):
    assert graded(question_of(MULTIPLE), chosen) == expected


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        (["nights", "own-story", "rescue"], Fraction(1)),
        (["rescue", "own-story", "nights"], Fraction(1)),
        (["nights", "own-story"], Fraction(0)),
        (["nights", "own-story", "rescue", "on-time"], Fraction(0)),
    ],
)
def test_multiple_response_all_or_nothing(chosen, expected):
    assert graded(question_of(MULTIPLE, scoring="all_or_nothing"), chosen) == expected


def test_multiple_response_counts_a_repeated_option_once():
    question = question_of(MULTIPLE)
    assert clean_answer(question, ["nights", "nights"]) == ["nights"]
    assert graded(question, ["nights", "nights"]) == Fraction(1, 3)


def test_multiple_response_partial_status_and_points():
    grade = grade_question(question_of(MULTIPLE, points=3), {"signs": ["nights", "own-story"]})
    assert grade.awarded == 2
    assert grade.status == Status.PARTIALLY_CORRECT
    assert grade_question(question_of(MULTIPLE), {"signs": []}).status == Status.UNANSWERED


@given(st.sets(st.sampled_from(["nights", "own-story", "rescue", "on-time", "supervision"])))
def test_multiple_response_credit_is_always_between_nothing_and_full(chosen):
    question = question_of(MULTIPLE)
    value = graded(question, sorted(chosen))
    assert 0 <= value <= 1
    assert (value == 1) == (chosen == {"nights", "own-story", "rescue"})


# --- true / false -------------------------------------------------------------------------------


def test_true_false():
    question = question_of(TRUE_FALSE)
    assert graded(question, False) == 1
    assert graded(question, True) == 0
    assert graded(question, None) == 0
    assert question.feedback_for(True).startswith("Promising secrecy")
    assert question.feedback_for(False) == "Right."


# --- short answer -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "accepted"),
    [
        ("supervision", True),
        ("  SUPERVISION ", True),
        ("Clinical   Supervision", True),
        ("clinical\tsupervision\n", True),
        ("Reflective supervision", True),  # by the pattern
        ("reflective   SUPERVISION", True),  # pattern, after white space is tidied
        ("supervision meetings", False),  # the pattern must match the whole answer
        ("a supervision", False),
        ("super vision", False),
        ("", False),
        ("   ", False),
    ],
)
def test_short_answer(typed, accepted):
    question = question_of(SHORT)
    assert short_answer_accepted(question, typed) is accepted
    assert graded(question, typed) == int(accepted)


def test_short_answer_without_pattern():
    question = question_of({k: v for k, v in SHORT.items() if k != "pattern"})
    assert short_answer_accepted(question, "Supervision")
    assert not short_answer_accepted(question, "reflective supervision")


def test_short_answer_pattern_that_takes_too_long_is_not_accepted():
    question = question_of({**SHORT, "accept": ["a"], "pattern": "(a|aa)+"})
    assert short_answer_accepted(question, "a" * 40)
    assert not short_answer_accepted(question, "a" * 40 + "!")  # would backtrack for ages


def test_short_answer_length_is_limited():
    question = question_of(SHORT)
    assert clean_answer(question, "x" * MAX_SHORT_ANSWER_LENGTH) == "x" * MAX_SHORT_ANSWER_LENGTH
    with pytest.raises(TamperedAnswer, match="at most 200 characters"):
        clean_answer(question, "x" * (MAX_SHORT_ANSWER_LENGTH + 1))
    assert not short_answer_accepted(question, "supervision" + " x" * 200)


# --- matching -----------------------------------------------------------------------------------


def test_matching_partial_credit_per_pair():
    question = question_of(MATCHING)
    assert graded(question, {"1": "1", "2": "2", "3": "3", "4": "1"}) == 1
    assert graded(question, {"1": "1", "2": "2", "3": "4", "4": "2"}) == Fraction(1, 2)
    assert graded(question, {"1": "1"}) == Fraction(1, 4)  # the rest left unanswered
    assert graded(question, {"1": "4", "2": "4", "3": "4", "4": "4"}) == 0  # the distractor
    assert graded(question, {"1": "", "2": None}) == 0
    assert clean_answer(question, {"1": "", "2": None}) is None


def test_matching_grade_status():
    question = question_of(MATCHING, points=4)
    grade = grade_question(question, {"services": {"1": "1", "2": "3"}})
    assert grade.awarded == 1
    assert grade.status == Status.PARTIALLY_CORRECT


# --- ordering -----------------------------------------------------------------------------------


def test_ordering_partial_credit_per_position():
    question = question_of(ORDERING)
    assert graded(question, {"1": 1, "2": 2, "3": 3, "4": 4}) == 1
    assert graded(question, {"1": 2, "2": 1, "3": 3, "4": 4}) == Fraction(1, 2)
    assert graded(question, {"1": 4, "2": 3, "3": 2, "4": 1}) == 0
    assert graded(question, {"1": 1, "2": 1, "3": 1, "4": 1}) == Fraction(1, 4)  # one place each
    assert graded(question, {"1": 1}) == Fraction(1, 4)


def test_ordering_all_or_nothing():
    question = question_of(ORDERING, scoring="all_or_nothing")
    assert graded(question, {"1": 1, "2": 2, "3": 3, "4": 4}) == 1
    assert graded(question, {"1": 1, "2": 2, "3": 4, "4": 3}) == 0
    assert graded(question, {"1": 1, "2": 2, "3": 3}) == 0


@given(st.permutations([1, 2, 3, 4]))
def test_ordering_credit_counts_items_in_place(order):
    question = question_of(ORDERING)
    answer = {str(item): position for item, position in zip(range(1, 5), order, strict=True)}
    in_place = sum(int(item) == position for item, position in answer.items())
    assert graded(question, answer) == Fraction(in_place, 4)


# --- scenario -----------------------------------------------------------------------------------


def test_scenario_is_the_sum_of_its_questions():
    scenario = question_of(SCENARIO)
    both = grade_question(scenario, {"late-first-step": "a", "late-boundary": True})
    assert (both.awarded, both.available, both.status) == (3, 3, Status.CORRECT)
    one = grade_question(scenario, {"late-first-step": "b", "late-boundary": True})
    assert (one.awarded, one.status) == (1, Status.PARTIALLY_CORRECT)
    assert [p.status for p in one.parts] == [Status.INCORRECT, Status.CORRECT]
    none = grade_question(scenario, {})
    assert none.status == Status.UNANSWERED


def test_scenario_cannot_be_answered_directly():
    with pytest.raises(TamperedAnswer):
        clean_answer(question_of(SCENARIO), "a")


# --- an attempt ---------------------------------------------------------------------------------


@pytest.fixture
def quiz(make_quiz):
    return make_quiz(ALL_TYPES, pass_mark=70)


TOP_LEVEL = [
    "purpose",
    "signs",
    "secrets",
    "supervision-word",
    "services",
    "disclosure-steps",
    "late-texts",
]


def test_full_marks(quiz):
    grade = grade_attempt(quiz, TOP_LEVEL, ALL_RIGHT)
    assert (grade.awarded, grade.available) == (9, 9)
    assert grade.percentage == 100
    assert grade.passed
    assert grade.for_question("late-boundary").status == Status.CORRECT
    assert grade.for_question("nowhere") is None


def test_nothing_answered(quiz):
    grade = grade_attempt(quiz, TOP_LEVEL, {})
    assert grade.awarded == 0
    assert not grade.passed
    assert {g.status for g in grade.questions} == {Status.UNANSWERED}


def test_pass_mark_is_decided_on_the_exact_score(make_quiz):
    questions = [{**TRUE_FALSE, "id": f"q{i}"} for i in range(3)]
    quiz = make_quiz(questions, pass_mark=66.67)
    two_of_three = grade_attempt(quiz, ["q0", "q1", "q2"], {"q0": False, "q1": False})
    assert two_of_three.percentage == Fraction(200, 3)
    assert not two_of_three.passed  # 66.666… is below 66.67
    assert two_of_three.percent() == Decimal("66")
    assert two_of_three.percent(1) == Decimal("66.6")  # rounded down, never up to a pass


def test_exactly_the_pass_mark_passes(make_quiz):
    quiz = make_quiz([{**TRUE_FALSE, "id": f"q{i}"} for i in range(10)], pass_mark=70)
    answers = {f"q{i}": False for i in range(7)}
    grade = grade_attempt(quiz, [f"q{i}" for i in range(10)], answers)
    assert grade.percentage == 70
    assert grade.passed


def test_pass_mark_of_zero_passes_anything(make_quiz):
    quiz = make_quiz([TRUE_FALSE], pass_mark=0)
    assert grade_attempt(quiz, ["secrets"], {}).passed


def test_points_weigh_questions(make_quiz):
    quiz = make_quiz([{**SINGLE, "points": 3}, TRUE_FALSE], pass_mark=70)
    grade = grade_attempt(quiz, ["purpose", "secrets"], {"purpose": "a", "secrets": True})
    assert grade.percentage == 75
    assert grade.passed


def test_only_drawn_questions_count(quiz):
    grade = grade_attempt(quiz, ["purpose", "secrets"], {"purpose": "a"})
    assert grade.available == 2
    assert grade.percentage == 50


# --- tampering ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"purpose": "nights"}, '"nights" is not an option of question "purpose"'),
        ({"signs": ["nights", "a"]}, '"a" is not an option of question "signs"'),
        ({"signs": "nights"}, 'question "signs" takes a list of options'),
        ({"secrets": "false"}, 'question "secrets" takes true or false'),
        ({"supervision-word": ["supervision"]}, 'question "supervision-word" takes typed text'),
        ({"services": {"9": "1"}}, '"9" is not an item of question "services"'),
        ({"services": {"1": "9"}}, '"9" is not a choice in question "services"'),
        ({"services": "1"}, 'question "services" takes an answer for each item'),
        ({"disclosure-steps": {"1": 5}}, '"5" is not a position in question "disclosure-steps"'),
        ({"disclosure-steps": {"1": "1"}}, '"1" is not a position'),
        ({"disclosure-steps": {"1": True}}, '"True" is not a position'),
        ({"late-texts": "a"}, 'question "late-texts" is not part of this attempt'),
        ({"no-such-question": "a"}, 'question "no-such-question" is not part of this attempt'),
    ],
)
def test_tampered_answers_are_refused(quiz, answers, message):
    with pytest.raises(TamperedAnswer) as raised:
        grade_attempt(quiz, TOP_LEVEL, answers)
    assert message in str(raised.value)


def test_answer_to_a_question_not_drawn_is_refused(quiz):
    with pytest.raises(TamperedAnswer, match='"signs" is not part of this attempt'):
        grade_attempt(quiz, ["purpose"], {"purpose": "a", "signs": ["nights"]})


def test_paper_with_an_unknown_or_repeated_question_is_refused(quiz):
    with pytest.raises(TamperedAnswer, match='question "nope" is not in quiz'):
        grade_attempt(quiz, ["purpose", "nope"], {})
    with pytest.raises(TamperedAnswer, match="appears twice"):
        grade_attempt(quiz, ["purpose", "purpose"], {})
    with pytest.raises(TamperedAnswer, match="is not in quiz"):
        grade_attempt(quiz, ["late-boundary"], {})  # inside a scenario, not a paper question
    with pytest.raises(ValueError, match="at least one question"):
        grade_attempt(quiz, [], {})
