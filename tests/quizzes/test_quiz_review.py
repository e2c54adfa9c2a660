"""What a trainee sees after submitting, under each review setting."""

from __future__ import annotations

import pytest

from lms.quizzes.drawing import draw_paper
from lms.quizzes.format import AfterEachAttempt, CorrectAnswers, Review
from lms.quizzes.grading import Status, grade_attempt
from lms.quizzes.review import Visibility, build_review, visibility
from tests.quizzes.samples import ALL_TYPES

A = AfterEachAttempt
C = CorrectAnswers


@pytest.mark.parametrize(
    ("after", "answers", "passed", "final", "expected"),
    [
        (A.NONE, C.NEVER, True, True, Visibility(False, False, False)),
        (A.CORRECTNESS, C.NEVER, True, True, Visibility(True, False, False)),
        (A.FEEDBACK, C.NEVER, True, True, Visibility(True, True, False)),
        (A.FEEDBACK, C.AFTER_PASS_OR_FINAL, False, False, Visibility(True, True, False)),
        (A.FEEDBACK, C.AFTER_PASS_OR_FINAL, True, False, Visibility(True, True, True)),
        (A.FEEDBACK, C.AFTER_PASS_OR_FINAL, False, True, Visibility(True, True, True)),
        (A.NONE, C.AFTER_PASS_OR_FINAL, False, False, Visibility(False, False, False)),
        (A.NONE, C.AFTER_PASS_OR_FINAL, True, False, Visibility(True, False, True)),
        (A.NONE, C.ALWAYS, False, False, Visibility(True, False, True)),
    ],
)
def test_visibility(after, answers, passed, final, expected):
    assert visibility(Review(after, answers), passed=passed, final=final) == expected


# Everything the trainee got wrong or partly right, so that nothing is shown by accident.
ANSWERS = {
    "purpose": "b",
    "signs": ["nights", "own-story", "on-time"],
    "secrets": True,
    "supervision-word": "mentoring",
    "services": {"1": "1", "2": "4"},
    "disclosure-steps": {"1": 2, "2": 1, "3": 3},
    "late-first-step": "a",
    "late-boundary": True,
}


@pytest.fixture
def attempt(make_quiz):
    quiz = make_quiz(ALL_TYPES)
    drawn = draw_paper(quiz, 11)
    grade = grade_attempt(quiz, drawn.question_ids, ANSWERS)
    return quiz, drawn, grade


def review(attempt, shown: Visibility):
    quiz, drawn, grade = attempt
    return build_review(quiz, drawn.paper, drawn.key, ANSWERS, grade, shown)


def items(questions):
    return {item.id: item for question in questions for item in question.items}


def test_nothing_per_question_with_none(attempt):
    assert review(attempt, Visibility(False, False, False)) == []


def test_correctness_only(attempt):
    questions = review(attempt, Visibility(True, False, False))
    shown = items(questions)
    assert shown["purpose"].status == Status.INCORRECT
    assert shown["signs"].status == Status.PARTIALLY_CORRECT
    assert shown["late-first-step"].status == Status.CORRECT
    assert questions[-1].status == Status.CORRECT  # the scenario, both parts right
    for item in shown.values():
        assert item.explanation is None
        assert item.accepted is None
        assert item.correct_order is None
        for choice in item.choices:
            assert choice.correct is None
            assert choice.feedback is None
            assert choice.correct_text is None
    chosen = [c.text for c in shown["purpose"].choices if c.chosen]
    assert chosen == ["To decide for her"]


def test_feedback_on_chosen_options_only_and_explanations_only_when_right(attempt):
    shown = items(review(attempt, Visibility(True, True, False)))
    purpose = shown["purpose"]
    assert [c.feedback for c in purpose.choices if c.feedback] == ["That takes her power away."]
    assert purpose.explanation is None  # it would give the answer away
    signs = {c.text: c.feedback for c in shown["signs"].choices}
    assert signs["Ending on time"] == "A healthy boundary."
    secrets = {c.text: c for c in shown["secrets"].choices}
    assert secrets["True"].feedback == "Promising secrecy could stop you acting."
    assert secrets["False"].feedback is None
    assert shown["late-first-step"].explanation is None  # it has none written


def test_correct_answers_shown(attempt):
    questions = review(attempt, Visibility(True, True, True))
    shown = items(questions)
    purpose = {c.text: c for c in shown["purpose"].choices}
    assert purpose["To walk alongside her"].correct is True
    assert purpose["To decide for her"].correct is False
    assert purpose["To give legal advice"].feedback == "That is for solicitors."
    assert purpose["To give legal advice"].chosen is False
    assert shown["purpose"].explanation == "Walking alongside, not leading."
    assert shown["supervision-word"].typed == "mentoring"
    assert shown["supervision-word"].accepted == ["supervision", "clinical supervision"]
    services = {c.text: c for c in shown["services"].choices}
    assert services["Somewhere safe tonight"].correct is True
    assert services["Advice about a court order"].chosen_text == "A gym"
    assert services["Advice about a court order"].correct_text == "A legal adviser"
    assert services["Help with housing"].chosen is False
    steps = shown["disclosure-steps"]
    assert [c.text for c in steps.choices][:3] == ["Believe her", "Listen", "Explain next steps"]
    assert steps.choices[-1].chosen is False  # not placed: listed last
    assert steps.correct_order == [
        "Listen",
        "Believe her",
        "Explain next steps",
        "Record and report",
    ]
    assert questions[-1].explanation == "About boundaries."
    assert questions[-1].scenario.startswith("Amira")


def test_review_follows_paper_order(make_quiz):
    quiz = make_quiz(ALL_TYPES, shuffle_options=True)
    drawn = draw_paper(quiz, 5)
    grade = grade_attempt(quiz, drawn.question_ids, {})
    questions = build_review(quiz, drawn.paper, drawn.key, {}, grade, Visibility(True, True, True))
    assert [q.id for q in questions] == drawn.question_ids
    assert [c.text for c in questions[0].items[0].choices] == [
        o["text"] for o in drawn.paper["questions"][0]["options"]
    ]
    assert all(item.status == Status.UNANSWERED for q in questions for item in q.items)
