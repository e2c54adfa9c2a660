"""What answers mean and what many answers add up to."""

import pytest

from lms.errors import DomainError
from lms.practice.surveys.scoring import (
    option_shares,
    paired_change,
    read_answer,
    read_answers,
    summarise,
)
from tests.factories.surveys import CONFIDENCE


def question(question_id):
    return CONFIDENCE.find(question_id)


def test_likert_scores_one_to_five_and_a_scale_zero_to_ten():
    assert read_answer(question("RM301-1"), {"RM301-1": ["1"]}).number == 1.0
    assert read_answer(question("RM301-1"), {"RM301-1": ["5"]}).number == 5.0
    assert read_answer(question("mood"), {"mood": ["0"]}).number == 0.0
    assert read_answer(question("mood"), {"mood": ["10"]}).number == 10.0


@pytest.mark.parametrize(
    ("question_id", "value"),
    [
        ("RM301-1", "0"),
        ("RM301-1", "6"),
        ("mood", "11"),
        ("mood", "-1"),
        ("mood", "five"),
        ("ready", "Maybe"),
    ],
)
def test_an_answer_off_the_scale_or_not_offered_is_refused_beside_its_question(question_id, value):
    with pytest.raises(DomainError) as refused:
        read_answer(question(question_id), {question_id: [value]})
    assert refused.value.field == question_id


def test_required_questions_must_be_answered_and_text_is_optional():
    with pytest.raises(DomainError) as refused:
        read_answers(CONFIDENCE, {"RM301-1": ["3"], "ready": ["Yes"]})
    assert refused.value.field == "mood"
    answers = read_answers(CONFIDENCE, {"RM301-1": ["3"], "mood": ["7"], "ready": ["Yes"]})
    assert set(answers) == {"RM301-1", "mood", "ready"}
    assert answers["ready"].choices == ("Yes",)
    long = read_answers(
        CONFIDENCE, {"RM301-1": ["3"], "mood": ["7"], "ready": ["Yes"], "hopes": ["  Hope  "]}
    )
    assert long["hopes"].text == "Hope"
    with pytest.raises(DomainError):
        read_answers(
            CONFIDENCE,
            {"RM301-1": ["3"], "mood": ["7"], "ready": ["Yes"], "hopes": ["x" * 2001]},
        )


def test_summary_gives_mean_spread_and_median():
    summary = summarise([1, 2, 3, 4, 5])
    assert (summary.people, summary.mean, summary.median) == (5, 3, 3)
    assert summary.spread == pytest.approx(1.41421, abs=1e-4)
    assert summarise([]).mean is None
    assert summarise([4]).spread == 0


def test_change_is_paired_only_people_who_answered_both_times_count():
    before = {"a": 2, "b": 3, "c": 1}
    after = {"a": 4, "b": 3, "d": 5}  # c left, d joined: neither moves the figure
    change = paired_change(before, after)
    assert (change.people, change.before, change.after, change.change) == (2, 2.5, 3.5, 1.0)
    assert change.spread == 1.0  # the changes were +2 and 0
    assert paired_change({"a": 1}, {"b": 2}).people == 0


def test_option_shares_count_each_option_in_file_order():
    assert option_shares(question("ready"), [("Yes",), ("Not yet",), ("Yes",)]) == [
        ("Yes", 2),
        ("Not yet", 1),
    ]


def test_when_each_moment_of_the_training_is_open():
    from datetime import date, timedelta

    from lms.practice.surveys.format import Moment
    from lms.practice.surveys.operations import moment_open, moment_reached

    end = date(2026, 6, 30)
    days = {
        "long before": end - timedelta(days=60),
        "four weeks before": end - timedelta(days=28),
        "two months after": end + timedelta(days=60),
        "three months after": end + timedelta(days=90),
        "seven months after": end + timedelta(days=210),
    }
    opened = {
        name: [
            m.value
            for m in (Moment.START, Moment.END, Moment.FOLLOW_UP)
            if moment_open(m, end, day)
        ]
        for name, day in days.items()
    }
    assert opened == {
        "long before": ["start"],
        "four weeks before": ["start", "end"],
        "two months after": ["end"],
        "three months after": ["follow_up"],
        "seven months after": [],
    }
    assert moment_open(Moment.START, None, end)  # no end date: only the start is asked
    assert not moment_open(Moment.END, None, end)
    assert moment_reached(Moment.END, end, days["seven months after"])
    assert not moment_reached(Moment.FOLLOW_UP, end, days["two months after"])
