"""Item analysis: how each question performs across submitted attempts, so that weak
questions can be found and rewritten.

For every answerable question (a scenario's questions are analysed one by one):

- **presented** — attempts whose paper included it; **answered** — of those, how many
  answered it.
- **facility** — the mean share of the question's points earned by the attempts it was
  presented in (an unanswered question earns nothing): 1 when everyone was fully right, 0 when
  nobody earned anything. For right-or-wrong questions it is the share answering correctly.
- **discrimination** — the *corrected item-total correlation*: the Pearson correlation between
  the share of the question's points an attempt earned and that attempt's percentage on the
  *other* questions of its paper (the question is left out of the total so that it does not
  correlate with itself; papers differ when questions are drawn from pools, so percentages
  rather than raw totals are compared). For right-or-wrong questions this is the
  point-biserial correlation. It runs from -1 to 1: 0.3 and above separates stronger from
  weaker attempts well, below 0.2 weakly, and a negative value means stronger attempts did
  worse — usually a wrong key or a misleading wording. It is left out with fewer than
  `MIN_ATTEMPTS` attempts, or when everyone scored the same.
- **choices** — how often each option (or true/false value) was chosen; for matching and
  ordering questions, how often each pair or place was right; for short answers, the most
  common answers typed.

Questions are followed across versions of a quiz by their id (which is why a question id must
never be reused for a different question). Every submitted attempt counts, first or not.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from lms.i18n import _
from lms.quizzes.format import (
    LeafQuestion,
    Matching,
    MultipleResponse,
    Ordering,
    Quiz,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
    normalise_answer,
)
from lms.quizzes.grading import clean_answer, grade_attempt, short_answer_accepted

MIN_ATTEMPTS = 10
HARD_BELOW = 0.3
EASY_ABOVE = 0.9
WEAK_DISCRIMINATION_BELOW = 0.2
COMMON_ANSWERS_SHOWN = 5


@dataclass(frozen=True)
class AttemptRecord:
    """One submitted attempt: the quiz version it took, its paper and its answers."""

    quiz: Quiz
    question_ids: Sequence[str]
    answers: Mapping[str, Any]


@dataclass
class ChoiceStats:
    label: str
    count: int
    correct: bool | None = None  # None: neither right nor wrong (a typed answer's share)


@dataclass
class ItemStats:
    question_id: str
    type: str
    prompt: str
    scenario_id: str | None
    presented: int = 0
    answered: int = 0
    fully_correct: int = 0
    facility: float | None = None
    discrimination: float | None = None
    choices: list[ChoiceStats] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


@dataclass
class QuizAnalysis:
    attempts: int
    passed: int
    mean_percentage: float | None
    items: list[ItemStats]

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.attempts if self.attempts else None


@dataclass
class _Tally:
    question: LeafQuestion  # the newest version seen, for labels
    scenario_id: str | None
    shares: list[Fraction] = field(default_factory=list)
    rests: list[Fraction | None] = field(default_factory=list)
    answered: int = 0
    option_counts: Counter = field(default_factory=Counter)
    typed: Counter = field(default_factory=Counter)
    typed_correct: dict[str, bool] = field(default_factory=dict)


def analyse(current: Quiz, records: Iterable[AttemptRecord]) -> QuizAnalysis:
    """Item statistics for `current` (the quiz's newest version, which labels the questions)
    from submitted attempts of any of its versions."""
    tallies: dict[str, _Tally] = {}
    for question in current.questions:
        for leaf in _leaves(question):
            scenario = question.id if leaf is not question else None
            tallies[leaf.id] = _Tally(leaf, scenario)

    attempts = passed = 0
    percentages: list[Fraction] = []
    for record in records:
        grade = grade_attempt(record.quiz, record.question_ids, record.answers)
        attempts += 1
        passed += grade.passed
        percentages.append(grade.percentage)
        for question_grade in grade.questions:
            question = record.quiz.find(question_grade.question_id)
            parts = question_grade.parts or (question_grade,)
            for part in parts:
                leaf = record.quiz.find(part.question_id)
                tally = tallies.get(leaf.id)
                if tally is None:
                    scenario = question.id if question_grade.parts else None
                    tally = tallies[leaf.id] = _Tally(leaf, scenario)
                rest_available = grade.available - part.available
                tally.shares.append(part.awarded / part.available)
                tally.rests.append(
                    (grade.awarded - part.awarded) / rest_available if rest_available else None
                )
                answer = clean_answer(leaf, record.answers.get(leaf.id))
                tally.answered += answer is not None
                _count_choices(tally, leaf, answer)

    items = [_item(tally) for tally in tallies.values()]
    mean = float(sum(percentages) / len(percentages)) if percentages else None
    return QuizAnalysis(attempts=attempts, passed=passed, mean_percentage=mean, items=items)


def _leaves(question) -> tuple[LeafQuestion, ...]:
    return tuple(getattr(question, "questions", (question,)))


def _count_choices(tally: _Tally, question: LeafQuestion, answer: Any) -> None:
    if answer is None:
        return
    if isinstance(question, SingleChoice):
        tally.option_counts[answer] += 1
    elif isinstance(question, MultipleResponse):
        tally.option_counts.update(answer)
    elif isinstance(question, TrueFalse):
        tally.option_counts[answer] += 1
    elif isinstance(question, ShortAnswer):
        typed = normalise_answer(answer)
        tally.typed[typed] += 1
        tally.typed_correct[typed] = short_answer_accepted(question, answer)
    elif isinstance(question, Matching):
        right = question.answer_key
        # Counted by the left-hand text, so that pairs are followed across versions.
        texts = dict(question.lefts)
        tally.option_counts.update(
            texts[left] for left, key in right.items() if answer.get(left) == key
        )
    elif isinstance(question, Ordering):
        texts = dict(question.keyed_items)
        tally.option_counts.update(
            texts[k] for k, _ in question.keyed_items if answer.get(k) == int(k)
        )


def _choices(tally: _Tally) -> list[ChoiceStats]:
    question, counts = tally.question, tally.option_counts
    if isinstance(question, SingleChoice | MultipleResponse):
        return [ChoiceStats(o.text, counts[o.id], o.correct) for o in question.options]
    if isinstance(question, TrueFalse):
        return [
            ChoiceStats("True", counts[True], question.answer is True),
            ChoiceStats("False", counts[False], question.answer is False),
        ]
    if isinstance(question, Matching):
        return [ChoiceStats(f"{p.left} → {p.right}", counts[p.left], True) for p in question.pairs]
    if isinstance(question, Ordering):
        return [
            ChoiceStats(f"{position}. {text}", counts[text], True)
            for position, text in enumerate(question.items, start=1)
        ]
    return [
        ChoiceStats(typed, count, tally.typed_correct[typed])
        for typed, count in tally.typed.most_common(COMMON_ANSWERS_SHOWN)
    ]


def _correlation(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    n = len(xs)
    if n < 2:
        return None
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    syy = sum((y - mean_y) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return sxy / math.sqrt(sxx * syy)


def _item(tally: _Tally) -> ItemStats:
    question = tally.question
    presented = len(tally.shares)
    stats = ItemStats(
        question_id=question.id,
        type=question.type,
        prompt=question.prompt,
        scenario_id=tally.scenario_id,
        presented=presented,
        answered=tally.answered,
        fully_correct=sum(1 for share in tally.shares if share == 1),
        choices=_choices(tally),
    )
    if presented:
        stats.facility = float(sum(tally.shares) / presented)
    pairs = [
        (float(s), float(r))
        for s, r in zip(tally.shares, tally.rests, strict=True)
        if r is not None
    ]
    if len(pairs) >= MIN_ATTEMPTS:
        stats.discrimination = _correlation([s for s, _ in pairs], [r for _, r in pairs])
    if presented >= MIN_ATTEMPTS:
        stats.flags = _flags(stats, question)
    return stats


def _flags(stats: ItemStats, question: LeafQuestion) -> list[str]:
    return _difficulty_flags(stats) + _option_flags(stats, question)


def _difficulty_flags(stats: ItemStats) -> list[str]:
    flags = []
    if stats.facility is not None and stats.facility < HARD_BELOW:
        flags.append(_("Hard: fewer than 3 in 10 of its points were earned."))
    if stats.facility is not None and stats.facility > EASY_ABOVE:
        flags.append(_("Easy: nearly everyone earned its points."))
    if stats.discrimination is not None and stats.discrimination < 0:
        flags.append(
            _(
                "Stronger attempts did worse on this question than weaker ones: "
                "check the answer key and the wording."
            )
        )
    elif stats.discrimination is not None and stats.discrimination < WEAK_DISCRIMINATION_BELOW:
        flags.append(_("Does little to tell stronger and weaker attempts apart."))
    return flags


def _option_flags(stats: ItemStats, question: LeafQuestion) -> list[str]:
    """Options that mislead more than the right one, and options nobody believes."""
    flags = []
    if isinstance(question, SingleChoice):
        right = next(c for c in stats.choices if c.correct)
        for choice in stats.choices:
            if not choice.correct and choice.count > right.count:
                flags.append(
                    _(
                        "The wrong option “%(option)s” was chosen more often than the right one.",
                        option=choice.label,
                    )
                )
    if isinstance(question, SingleChoice | MultipleResponse):
        for choice in stats.choices:
            if not choice.correct and choice.count == 0:
                flags.append(
                    _(
                        "Nobody chose “%(option)s”: it may not be a believable option.",
                        option=choice.label,
                    )
                )
    return flags
