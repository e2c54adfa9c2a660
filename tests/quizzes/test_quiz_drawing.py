"""Drawing papers: reproducible from a seed, respecting pools and shuffles, and never carrying
correct answers, feedback or explanations."""

from __future__ import annotations

import json

import pytest

from lms import PROJECT_ROOT
from lms.quizzes.drawing import draw_paper
from lms.quizzes.format import Scenario, load_quiz_directory
from tests.quizzes.samples import ALL_TYPES, MATCHING, MULTIPLE, ORDERING, SINGLE, TRUE_FALSE

SHIPPED = load_quiz_directory(PROJECT_ROOT / "assessments").quizzes


def pooled_quiz(make_quiz, **settings):
    core = [{**TRUE_FALSE, "id": f"core-{i}"} for i in range(8)]
    extra = [{**TRUE_FALSE, "id": f"extra-{i}"} for i in range(3)]
    pools = [
        {"id": "core", "draw": 5, "questions": core},
        {"id": "extra", "draw": 2, "questions": extra},
    ]
    return make_quiz(pools=pools, **settings)


def test_same_seed_same_paper(make_quiz):
    quiz = pooled_quiz(make_quiz, shuffle_questions=True, shuffle_options=True)
    assert draw_paper(quiz, 1234) == draw_paper(quiz, 1234)


def test_different_seeds_give_different_papers(make_quiz):
    quiz = pooled_quiz(make_quiz, shuffle_questions=True)
    papers = {tuple(draw_paper(quiz, seed).question_ids) for seed in range(20)}
    assert len(papers) > 10


def test_each_pool_gives_its_draw_in_pool_order(make_quiz):
    quiz = pooled_quiz(make_quiz, shuffle_questions=True)
    for seed in range(30):
        ids = draw_paper(quiz, seed).question_ids
        assert len(ids) == 7 == quiz.question_count
        assert len(set(ids)) == 7
        assert all(i.startswith("core-") for i in ids[:5])
        assert all(i.startswith("extra-") for i in ids[5:])


def test_without_shuffling_drawn_questions_keep_file_order(make_quiz):
    quiz = pooled_quiz(make_quiz)
    for seed in range(20):
        ids = draw_paper(quiz, seed).question_ids
        assert ids[:5] == sorted(ids[:5])
        assert ids[5:] == sorted(ids[5:])


def test_every_question_drawn_sooner_or_later(make_quiz):
    quiz = pooled_quiz(make_quiz)
    seen = {i for seed in range(200) for i in draw_paper(quiz, seed).question_ids}
    assert seen == {q.id for q in quiz.questions}


def test_without_draw_every_question_in_file_order(make_quiz):
    quiz = make_quiz(ALL_TYPES)
    assert draw_paper(quiz, 7).question_ids == [q.id for q in quiz.questions]


def test_options_keep_their_order_unless_shuffled(make_quiz):
    texts = [o["text"] for o in SINGLE["options"]]
    fixed = make_quiz([SINGLE])
    assert [o["text"] for o in draw_paper(fixed, 3).paper["questions"][0]["options"]] == texts
    shuffled = make_quiz([SINGLE], shuffle_options=True)
    orders = {
        tuple(o["text"] for o in draw_paper(shuffled, seed).paper["questions"][0]["options"])
        for seed in range(30)
    }
    assert len(orders) == 6  # every order of three options turns up


def test_ordering_items_and_matching_choices_never_start_in_the_answer_order(make_quiz):
    quiz = make_quiz([ORDERING, MATCHING])
    for seed in range(50):
        ordering, matching = draw_paper(quiz, seed).paper["questions"]
        assert [i["text"] for i in ordering["items"]] != ORDERING["items"]
        assert sorted(i["text"] for i in ordering["items"]) == sorted(ORDERING["items"])
        assert [c["text"] for c in matching["choices"]] != [
            "A refuge",
            "A legal adviser",
            "The council",
            "A gym",
        ]
        assert [left["text"] for left in matching["lefts"]] == [
            p["left"] for p in MATCHING["pairs"]
        ]


def test_a_scenarios_questions_keep_their_order(make_quiz):
    quiz = make_quiz(ALL_TYPES, shuffle_questions=True, shuffle_options=True)
    for seed in range(10):
        scenario = next(
            q for q in draw_paper(quiz, seed).paper["questions"] if q["type"] == "scenario"
        )
        assert [q["id"] for q in scenario["questions"]] == ["late-first-step", "late-boundary"]
        assert scenario["scenario"].startswith("Amira")
        assert scenario["points"] == "3"


def test_tokens_hide_the_files_ids_and_map_back(make_quiz):
    quiz = make_quiz(ALL_TYPES)
    drawn = draw_paper(quiz, 99)
    single = drawn.paper["questions"][0]
    tokens = [o["id"] for o in single["options"]]
    assert not {"a", "b", "c"} & set(tokens)
    assert len(set(tokens)) == 3
    assert [drawn.key["tokens"]["purpose"]["options"][t] for t in tokens] == ["a", "b", "c"]
    ordering = next(q for q in drawn.paper["questions"] if q["type"] == "ordering")
    assert all(not item["id"].isdigit() for item in ordering["items"])
    other = draw_paper(quiz, 100).paper["questions"][0]
    assert {o["id"] for o in other["options"]}.isdisjoint(tokens)


def test_the_paper_and_key_are_plain_json(make_quiz):
    drawn = draw_paper(make_quiz(ALL_TYPES, shuffle_options=True), 5)
    assert json.loads(json.dumps(drawn.paper)) == drawn.paper
    assert json.loads(json.dumps(drawn.key)) == drawn.key
    assert drawn.key["seed"] == 5
    assert drawn.paper["schema_version"] == drawn.key["schema_version"] == 1


FORBIDDEN_KEYS = {
    "correct",
    "feedback",
    "explanation",
    "answer",
    "accept",
    "pattern",
    "pairs",
    "answer_key",
    "distractors",
}


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _secret_texts(quiz) -> set[str]:
    texts = set()
    for question in quiz.questions:
        if isinstance(question, Scenario) and question.explanation:
            texts.add(question.explanation)
    for question in quiz.leaf_questions():
        if question.explanation:
            texts.add(question.explanation)
        for option in getattr(question, "options", ()):
            if option.feedback:
                texts.add(option.feedback)
        for feedback in (
            getattr(question, "feedback_true", None),
            getattr(question, "feedback_false", None),
        ):
            if feedback:
                texts.add(feedback)
    return texts


@pytest.mark.parametrize("quiz_id", sorted(SHIPPED))
def test_papers_of_shipped_quizzes_carry_no_answers_or_feedback(quiz_id):
    quiz = SHIPPED[quiz_id]
    for seed in range(5):
        drawn = draw_paper(quiz, seed)
        assert not _keys(drawn.paper) & FORBIDDEN_KEYS
        dumped = json.dumps(drawn.paper, ensure_ascii=False)
        leaked = [text for text in _secret_texts(quiz) if text in dumped]
        assert leaked == []
        assert set(drawn.key["questions"]) == {q["id"] for q in drawn.paper["questions"]}
        assert len(drawn.paper["questions"]) == quiz.question_count


def test_the_paper_tells_how_a_question_is_marked_before_she_answers(make_quiz):
    quiz = make_quiz(
        [
            {**MULTIPLE, "scoring": "all_or_nothing"},
            {**MULTIPLE, "id": "signs-partly"},
            {**ORDERING, "scoring": "all_or_nothing"},
        ]
    )
    questions = {q["id"]: q for q in draw_paper(quiz, 1).paper["questions"]}
    assert questions["signs"]["scoring"] == "all_or_nothing"
    assert questions["signs-partly"]["scoring"] == "partial"
    assert questions["disclosure-steps"]["scoring"] == "all_or_nothing"
