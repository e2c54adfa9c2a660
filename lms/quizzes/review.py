"""What a trainee may see about a submitted attempt, decided once and built into plain objects
for the page, so that a template cannot show what the quiz's review settings keep back.

- `after_each_attempt: none` — the score and whether she passed, nothing per question.
- `correctness` — also whether each question was right, partly right or wrong, and its points.
- `feedback` — also the feedback written for the answers she chose, and the explanation of
  each question she answered fully correctly.
- `correct_answers` — when the correct answers are shown (`always`, `after_pass_or_final`:
  once she has passed or has no attempts left, or `never`). With them come per-question
  correctness, every explanation and, with `feedback`, the feedback on every option.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from lms.i18n import _
from lms.quizzes.format import (
    AfterEachAttempt,
    CorrectAnswers,
    LeafQuestion,
    Matching,
    MultipleResponse,
    Ordering,
    Quiz,
    Review,
    Scenario,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
)
from lms.quizzes.grading import Grade, QuestionGrade, Status


@dataclass(frozen=True)
class Visibility:
    correctness: bool
    feedback: bool
    correct_answers: bool

    @property
    def anything(self) -> bool:
        return self.correctness or self.feedback or self.correct_answers


def visibility(review: Review, *, passed: bool, final: bool) -> Visibility:
    """`final`: the trainee has no attempts left."""
    answers = review.correct_answers == CorrectAnswers.ALWAYS or (
        review.correct_answers == CorrectAnswers.AFTER_PASS_OR_FINAL and (passed or final)
    )
    return Visibility(
        correctness=answers or review.after_each_attempt != AfterEachAttempt.NONE,
        feedback=review.after_each_attempt == AfterEachAttempt.FEEDBACK,
        correct_answers=answers,
    )


@dataclass
class ReviewChoice:
    """One option, true/false value, matched pair or ordered item as the trainee saw it."""

    text: str
    chosen: bool = False
    chosen_text: str | None = None  # matching: what she matched it with; ordering: position
    correct: bool | None = None  # None: not shown
    correct_text: str | None = None  # matching: the right match, when shown
    feedback: str | None = None


@dataclass
class ReviewItem:
    id: str
    type: str
    prompt: str
    answered: bool
    status: Status | None = None
    awarded: Fraction | None = None
    available: Fraction | None = None
    choices: list[ReviewChoice] = field(default_factory=list)
    typed: str | None = None  # short answer
    accepted: list[str] | None = None  # short answer, when correct answers are shown
    correct_order: list[str] | None = None  # ordering, when correct answers are shown
    explanation: str | None = None


@dataclass
class ReviewQuestion:
    id: str
    type: str
    prompt: str | None
    scenario: str | None
    items: list[ReviewItem]
    status: Status | None = None
    awarded: Fraction | None = None
    available: Fraction | None = None
    explanation: str | None = None


def to_look_at_again(questions: list[ReviewQuestion]) -> list[tuple[int, ReviewQuestion]]:
    """The questions not fully right, numbered as on the page, where the review settings let
    her see correctness (without correctness, no question has a status, so none is listed).
    Says which, never what the right answer was."""
    return [
        (number, question)
        for number, question in enumerate(questions, 1)
        if question.status is not None and question.status != Status.CORRECT
    ]


def build_review(
    quiz: Quiz,
    paper: Mapping[str, Any],
    key: Mapping[str, Any],
    answers: Mapping[str, Any],
    grade: Grade,
    shown: Visibility,
) -> list[ReviewQuestion]:
    """The questions of a submitted attempt in paper order, with only what `shown` allows."""
    if not shown.anything:
        return []
    result = []
    for entry in paper["questions"]:
        question = quiz.find(entry["id"])
        question_grade = grade.for_question(entry["id"])
        if question is None or question_grade is None:
            continue
        if isinstance(question, Scenario):
            leaves = [
                _item(quiz.find(sub["id"]), sub, key, answers, grade.for_question(sub["id"]), shown)
                for sub in entry["questions"]
            ]
            explanation = question.explanation if shown.correct_answers else None
        else:
            leaves = [_item(question, entry, key, answers, question_grade, shown)]
            explanation = None
        result.append(
            ReviewQuestion(
                id=question.id,
                type=question.type,
                prompt=entry.get("prompt"),
                scenario=entry.get("scenario"),
                items=leaves,
                status=question_grade.status if shown.correctness else None,
                awarded=question_grade.awarded if shown.correctness else None,
                available=question_grade.available,
                explanation=explanation,
            )
        )
    return result


def _item(
    question: LeafQuestion,
    entry: Mapping[str, Any],
    key: Mapping[str, Any],
    answers: Mapping[str, Any],
    grade: QuestionGrade,
    shown: Visibility,
) -> ReviewItem:
    answer = answers.get(question.id)
    tokens = key["tokens"].get(question.id, {})
    item = ReviewItem(
        id=question.id,
        type=question.type,
        prompt=entry["prompt"],
        answered=grade.answered,
        available=grade.available,
    )
    if shown.correctness:
        item.status, item.awarded = grade.status, grade.awarded
    if shown.correct_answers or (shown.feedback and grade.status == Status.CORRECT):
        item.explanation = question.explanation

    if isinstance(question, SingleChoice | MultipleResponse):
        item.choices = _option_choices(question, entry, tokens, answer, shown)
    elif isinstance(question, TrueFalse):
        item.choices = _true_false_choices(question, answer, shown)
    elif isinstance(question, ShortAnswer):
        item.typed = answer
        item.accepted = list(question.accept) if shown.correct_answers else None
    elif isinstance(question, Matching):
        item.choices = _matching_choices(question, entry, tokens, answer, shown)
    elif isinstance(question, Ordering):
        item.choices = _ordering_choices(question, entry, tokens, answer, shown)
        item.correct_order = list(question.items) if shown.correct_answers else None
    return item


# The paper names options, lefts and items by tokens, so that the page never reveals the
# quiz's own keys; `tokens` maps them back. `entry` lists them in the order she saw them.


def _option_choices(
    question: SingleChoice | MultipleResponse,
    entry: Mapping[str, Any],
    tokens: Mapping[str, Any],
    answer: Any,
    shown: Visibility,
) -> list[ReviewChoice]:
    chosen = {answer} if isinstance(answer, str) else set(answer or ())
    choices = []
    for option_entry in entry["options"]:
        option = question.option(tokens["options"][option_entry["id"]])
        picked = option.id in chosen
        choices.append(
            ReviewChoice(
                text=option_entry["text"],
                chosen=picked,
                correct=option.correct if shown.correct_answers else None,
                feedback=option.feedback
                if shown.feedback and (picked or shown.correct_answers)
                else None,
            )
        )
    return choices


def _true_false_choices(question: TrueFalse, answer: Any, shown: Visibility) -> list[ReviewChoice]:
    choices = []
    for value, text in ((True, _("True")), (False, _("False"))):
        picked = answer is value
        choices.append(
            ReviewChoice(
                text=text,
                chosen=picked,
                correct=(question.answer is value) if shown.correct_answers else None,
                feedback=question.feedback_for(value) if shown.feedback and picked else None,
            )
        )
    return choices


def _matching_choices(
    question: Matching,
    entry: Mapping[str, Any],
    tokens: Mapping[str, Any],
    answer: Any,
    shown: Visibility,
) -> list[ReviewChoice]:
    choice_text = dict(question.choices)
    right = question.answer_key
    choices = []
    for left_entry in entry["lefts"]:
        left = tokens["lefts"][left_entry["id"]]
        picked = (answer or {}).get(left)
        choices.append(
            ReviewChoice(
                text=left_entry["text"],
                chosen=picked is not None,
                chosen_text=choice_text.get(picked) if picked else None,
                correct=(picked == right[left]) if shown.correct_answers else None,
                correct_text=choice_text[right[left]] if shown.correct_answers else None,
            )
        )
    return choices


def _ordering_choices(
    question: Ordering,
    entry: Mapping[str, Any],
    tokens: Mapping[str, Any],
    answer: Any,
    shown: Visibility,
) -> list[ReviewChoice]:
    """The items in the order she put them, those she left unplaced last."""
    positions = answer or {}
    texts = dict(question.keyed_items)
    placed = sorted(
        (tokens["items"][e["id"]] for e in entry["items"]),
        key=lambda k: (positions.get(k) is None, positions.get(k) or 0),
    )
    choices = []
    for item_key in placed:
        position = positions.get(item_key)
        choices.append(
            ReviewChoice(
                text=texts[item_key],
                chosen=position is not None,
                chosen_text=str(position) if position is not None else None,
                correct=(position == int(item_key)) if shown.correct_answers else None,
            )
        )
    return choices
