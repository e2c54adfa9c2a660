"""Item analysis: facility, discrimination, option counts and flags for weak questions."""

from __future__ import annotations

import statistics

import pytest

from lms.quizzes.analysis import MIN_ATTEMPTS, AttemptRecord, analyse
from tests.quizzes.samples import MULTIPLE, SHORT, SINGLE, TRUE_FALSE

QUESTIONS = [
    SINGLE,
    {**TRUE_FALSE, "id": "tf-1"},
    {**TRUE_FALSE, "id": "tf-2"},
    {**TRUE_FALSE, "id": "tf-3"},
    MULTIPLE,
]
PAPER = ["purpose", "tf-1", "tf-2", "tf-3", "signs"]


@pytest.fixture
def quiz(make_quiz):
    return make_quiz(QUESTIONS, pass_mark=60)


def record(quiz, answers):
    return AttemptRecord(quiz, PAPER, answers)


def stats_by_id(result):
    return {item.question_id: item for item in result.items}


def test_counts_and_facility(quiz):
    records = [
        record(quiz, {"purpose": "a", "tf-1": False, "signs": ["nights", "own-story"]}),
        record(quiz, {"purpose": "b", "tf-1": True, "signs": ["nights"]}),
        record(quiz, {"purpose": "a"}),
        record(quiz, {}),
    ]
    result = analyse(quiz, records)
    assert result.attempts == 4
    stats = stats_by_id(result)
    purpose = stats["purpose"]
    assert (purpose.presented, purpose.answered, purpose.fully_correct) == (4, 3, 2)
    assert purpose.facility == 0.5
    assert [(c.label, c.count, c.correct) for c in purpose.choices] == [
        ("To walk alongside her", 2, True),
        ("To decide for her", 1, False),
        ("To give legal advice", 0, False),
    ]
    signs = stats["signs"]
    assert signs.facility == pytest.approx((2 / 3 + 1 / 3) / 4)
    assert {c.label: c.count for c in signs.choices}["Thinking about her late at night"] == 2
    tf = stats["tf-1"]
    assert [(c.label, c.count) for c in tf.choices] == [("True", 1), ("False", 1)]
    assert stats["tf-3"].answered == 0
    assert stats["tf-3"].facility == 0
    assert purpose.discrimination is None  # too few attempts
    assert purpose.flags == []


def test_no_attempts(quiz):
    result = analyse(quiz, [])
    assert result.attempts == 0
    assert result.pass_rate is None
    assert result.mean_percentage is None
    assert all(item.presented == 0 and item.facility is None for item in result.items)


def make_records(quiz, rows):
    """rows: (purpose right?, tf-1 right?, tf-2 right?, tf-3 right?)"""
    return [
        record(
            quiz,
            {
                "purpose": "a" if p else "b",
                "tf-1": not t1,
                "tf-2": not t2,
                "tf-3": not t3,
                "signs": ["nights", "own-story", "rescue"],
            },
        )
        for p, t1, t2, t3 in rows
    ]


def test_discrimination_is_the_corrected_item_total_correlation(quiz):
    rows = [
        (1, 1, 1, 1), (1, 1, 1, 0), (1, 1, 0, 1), (1, 0, 1, 1), (0, 1, 0, 0),
        (0, 0, 0, 1), (0, 0, 1, 0), (1, 1, 1, 1), (0, 0, 0, 0), (0, 1, 0, 0),
        (1, 0, 1, 0), (0, 0, 0, 0),
    ]  # fmt: skip
    result = analyse(quiz, make_records(quiz, rows))
    item = [p for p, *_ in rows]
    # The rest of the paper: the other three true/false questions and "signs" (always right).
    rest = [(t1 + t2 + t3 + 1) / 4 for _, t1, t2, t3 in rows]
    expected = statistics.correlation([float(x) for x in item], rest)
    assert stats_by_id(result)["purpose"].discrimination == pytest.approx(expected)
    assert stats_by_id(result)["purpose"].discrimination > 0.3
    assert result.passed == sum(1 for r in rows if sum(r) + 1 >= 3)


def test_flags_for_weak_questions(quiz):
    # The strongest attempts get "purpose" wrong and the weakest get it right; nobody picks
    # the legal-advice option; "tf-1" is always right.
    rows = [(0, 1, 1, 1)] * 6 + [(1, 1, 0, 0)] * 6
    result = analyse(quiz, make_records(quiz, rows))
    purpose = stats_by_id(result)["purpose"]
    assert purpose.discrimination == pytest.approx(-1)
    assert any("Stronger attempts did worse" in flag for flag in purpose.flags)
    assert any("Nobody chose “To give legal advice”" in flag for flag in purpose.flags)
    tf_1 = stats_by_id(result)["tf-1"]
    assert tf_1.discrimination is None  # everyone scored the same on it
    assert any(flag.startswith("Easy") for flag in tf_1.flags)


def test_hard_question_and_popular_wrong_option(quiz):
    rows = [(0, 1, 1, 1)] * 9 + [(1, 1, 0, 0)] * 2
    result = analyse(quiz, make_records(quiz, rows))
    purpose = stats_by_id(result)["purpose"]
    assert any(flag.startswith("Hard") for flag in purpose.flags)
    assert any(
        "“To decide for her” was chosen more often than the right one" in f for f in purpose.flags
    )


def test_no_flags_below_the_minimum(quiz):
    rows = [(0, 1, 1, 1)] * (MIN_ATTEMPTS - 1)
    purpose = stats_by_id(analyse(quiz, make_records(quiz, rows)))["purpose"]
    assert purpose.flags == []
    assert purpose.discrimination is None


def test_short_answers_show_the_most_common_typed_answers(make_quiz):
    quiz = make_quiz([SHORT])
    typed = ["Supervision", "supervision ", "mentoring", "MENTORING", "mentoring", "support"]
    records = [AttemptRecord(quiz, ["supervision-word"], {"supervision-word": t}) for t in typed]
    stats = analyse(quiz, records).items[0]
    assert [(c.label, c.count, c.correct) for c in stats.choices] == [
        ("mentoring", 3, False),
        ("supervision", 2, True),
        ("support", 1, False),
    ]


def test_questions_are_followed_across_versions(make_quiz):
    old = make_quiz([SINGLE, {**TRUE_FALSE, "id": "retired"}])
    new = make_quiz([{**SINGLE, "prompt": "Reworded: what is a peer mentor for?"}, TRUE_FALSE])
    records = [
        AttemptRecord(old, ["purpose", "retired"], {"purpose": "a", "retired": False}),
        AttemptRecord(new, ["purpose", "secrets"], {"purpose": "b", "secrets": False}),
    ]
    stats = stats_by_id(analyse(new, records))
    assert stats["purpose"].presented == 2
    assert stats["purpose"].prompt.startswith("Reworded")
    assert stats["secrets"].presented == 1
    assert stats["retired"].presented == 1
    assert list(stats) == ["purpose", "secrets", "retired"]


def test_scenario_questions_are_analysed_one_by_one(make_quiz):
    from tests.quizzes.samples import SCENARIO

    quiz = make_quiz([SCENARIO])
    records = [AttemptRecord(quiz, ["late-texts"], {"late-first-step": "a"})] * 3
    stats = stats_by_id(analyse(quiz, records))
    assert stats["late-first-step"].scenario_id == "late-texts"
    assert stats["late-first-step"].facility == 1
    assert stats["late-boundary"].facility == 0
    assert "late-texts" not in stats
