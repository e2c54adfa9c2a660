"""Reading posted question forms (page tokens) into stored answers, and back again."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from lms.quizzes.answers import page_values, read_question_form
from lms.quizzes.drawing import draw_paper
from lms.quizzes.grading import TamperedAnswer, grade_attempt
from tests.quizzes.samples import ALL_TYPES


@pytest.fixture
def drawn(make_quiz):
    quiz = make_quiz(ALL_TYPES, shuffle_options=True)
    return quiz, draw_paper(quiz, 2024)


def token(drawn, question_id: str, kind: str, own_key: str) -> str:
    _, paper = drawn
    return next(t for t, k in paper.key["tokens"][question_id][kind].items() if k == own_key)


def read(drawn, question_id: str, form):
    quiz, paper = drawn
    return read_question_form(quiz, paper.key, question_id, form)


def test_single_choice(drawn):
    assert read(drawn, "purpose", {"purpose": token(drawn, "purpose", "options", "b")}) == {
        "purpose": "b"
    }
    assert read(drawn, "purpose", {}) == {"purpose": None}
    assert read(drawn, "purpose", {"purpose": ""}) == {"purpose": None}


def test_multiple_response(drawn):
    form = MultiDict(
        [
            ("signs", token(drawn, "signs", "options", "rescue")),
            ("signs", token(drawn, "signs", "options", "nights")),
            ("csrf_token", "ignored"),
        ]
    )
    assert read(drawn, "signs", form) == {"signs": ["nights", "rescue"]}
    assert read(drawn, "signs", MultiDict()) == {"signs": None}


def test_true_false(drawn):
    assert read(drawn, "secrets", {"secrets": "false"}) == {"secrets": False}
    assert read(drawn, "secrets", {"secrets": "true"}) == {"secrets": True}
    assert read(drawn, "secrets", {}) == {"secrets": None}


def test_short_answer(drawn):
    assert read(drawn, "supervision-word", {"supervision-word": "  Supervision "}) == {
        "supervision-word": "Supervision"
    }
    assert read(drawn, "supervision-word", {"supervision-word": "   "}) == {
        "supervision-word": None
    }


def test_matching(drawn):
    left = token(drawn, "services", "lefts", "2")
    other_left = token(drawn, "services", "lefts", "3")
    form = {
        f"services.{left}": token(drawn, "services", "choices", "2"),
        f"services.{other_left}": "",
    }
    assert read(drawn, "services", form) == {"services": {"2": "2"}}


def test_ordering(drawn):
    form = {
        f"disclosure-steps.{token(drawn, 'disclosure-steps', 'items', '1')}": "2",
        f"disclosure-steps.{token(drawn, 'disclosure-steps', 'items', '2')}": "1",
        f"disclosure-steps.{token(drawn, 'disclosure-steps', 'items', '3')}": "",
    }
    assert read(drawn, "disclosure-steps", form) == {"disclosure-steps": {"1": 2, "2": 1}}


def test_scenario_reads_all_its_questions(drawn):
    form = {
        "late-first-step": token(drawn, "late-first-step", "options", "a"),
        "late-boundary": "true",
    }
    assert read(drawn, "late-texts", form) == {"late-first-step": "a", "late-boundary": True}


def test_round_trip_through_the_page(drawn):
    quiz, paper = drawn
    answers = {
        "purpose": "c",
        "signs": ["nights", "on-time"],
        "secrets": True,
        "supervision-word": "supervision",
        "services": {"1": "4", "3": "3"},
        "disclosure-steps": {"1": 4, "4": 1},
        "late-first-step": "b",
        "late-boundary": False,
    }
    values = page_values(quiz, paper.key, answers)
    assert values["secrets"] == "true"
    assert values["supervision-word"] == "supervision"
    form = MultiDict()
    for question_id in ("purpose", "secrets", "supervision-word", "late-first-step"):
        form.add(question_id, values[question_id])
    form.add("late-boundary", "false")
    for value in values["signs"]:
        form.add("signs", value)
    for name in ("services", "disclosure-steps"):
        for row, value in values[name].items():
            form.add(f"{name}.{row}", str(value))
    again = {}
    for question_id in paper.question_ids:
        question = quiz.find(question_id)
        own = {q.id for q in getattr(question, "questions", [question])}
        page = MultiDict([(k, v) for k, v in form.items(multi=True) if k.split(".")[0] in own])
        again.update(read_question_form(quiz, paper.key, question_id, page))
    assert again == answers
    grade_attempt(quiz, paper.question_ids, again)  # and they grade without complaint


def test_page_values_skip_empty_and_unknown_answers(drawn):
    quiz, paper = drawn
    assert page_values(quiz, paper.key, {"purpose": None, "late-texts": "a", "ghost": 1}) == {}


TAMPERED = [
    ("purpose", lambda d: {"purpose": token(d, "signs", "options", "nights")}, "is not an option"),
    ("purpose", lambda d: {"purpose": "a"}, '"a" is not an option of question "purpose"'),
    (
        "purpose",
        lambda d: MultiDict([("purpose", token(d, "purpose", "options", "a"))] * 2),
        "was sent more than once",
    ),
    ("signs", lambda d: {"signs": [token(d, "purpose", "options", "a")]}, "is not an option"),
    ("secrets", lambda d: {"secrets": "maybe"}, "takes true or false"),
    ("supervision-word", lambda d: {"supervision-word": "x" * 201}, "at most 200 characters"),
    (
        "services",
        lambda d: {"services.tnope": token(d, "services", "choices", "1")},
        "is not an option",
    ),
    (
        "services",
        lambda d: {f"services.{token(d, 'services', 'lefts', '1')}": "tnope"},
        "is not an option",
    ),
    (
        "disclosure-steps",
        lambda d: {f"disclosure-steps.{token(d, 'disclosure-steps', 'items', '1')}": "first"},
        "is not a position",
    ),
    (
        "disclosure-steps",
        lambda d: {f"disclosure-steps.{token(d, 'disclosure-steps', 'items', '1')}": "9"},
        "is not a position",
    ),
    ("purpose", lambda d: {"purpose.extra": "x"}, 'is not a field of question "purpose"'),
    (
        "purpose",
        lambda d: {"secrets": "true"},
        'question "secrets" cannot be answered on this page',
    ),
    ("late-texts", lambda d: {"purpose": "x"}, "cannot be answered on this page"),
    ("late-boundary", lambda d: {"late-boundary": "true"}, "is not part of this attempt"),
    ("not-a-question", lambda d: {}, "is not part of this attempt"),
]


@pytest.mark.parametrize(("question_id", "form", "message"), TAMPERED)
def test_tampered_forms_are_refused(drawn, question_id, form, message):
    with pytest.raises(TamperedAnswer) as raised:
        read(drawn, question_id, form(drawn))
    assert message in str(raised.value)


def test_a_question_left_out_of_the_draw_cannot_be_answered(make_quiz):
    questions = [{**ALL_TYPES[2], "id": f"q{i}"} for i in range(5)]
    quiz = make_quiz(pools=[{"id": "core", "draw": 2, "questions": questions}])
    paper = draw_paper(quiz, 1)
    left_out = next(q.id for q in quiz.questions if q.id not in paper.question_ids)
    with pytest.raises(TamperedAnswer, match="is not part of this attempt"):
        read_question_form(quiz, paper.key, left_out, {left_out: "true"})
