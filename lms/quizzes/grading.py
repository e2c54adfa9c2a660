"""Grading: pure functions from a quiz definition and a trainee's answers to points.

Answers are written in the quiz's own terms (option ids, the keys of matching and ordering
items; see `lms.quizzes.format`), one per answerable question, keyed by question id — the
questions of a scenario are answered separately:

    single_choice       "option-id"
    multiple_response   ["option-id", …]
    true_false          true | false
    short_answer        "typed text"
    matching            {"<left key>": "<choice key>", …}   (left items may be left unanswered)
    ordering            {"<item key>": <position 1..n>, …}

An empty answer (None, "", [], {}) counts as not answered. Anything that does not fit the
question — an option of another question, a question that is not on the paper — raises
`TamperedAnswer`: it can only come from a changed form, and it must change nothing.

Points are exact `Fraction`s: partial credit of a third stays a third. Whether an attempt passed
is decided on the exact value; `Grade.percent()` rounds *down* for display, so a shown
percentage never reaches the pass mark when the attempt did not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

from lms.quizzes.format import (
    MAX_SHORT_ANSWER_LENGTH,
    PATTERN_TIMEOUT_SECONDS,
    LeafQuestion,
    Matching,
    MultipleResponse,
    Ordering,
    Question,
    Quiz,
    Scenario,
    Scoring,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
    compile_pattern,
    normalise_answer,
)


class TamperedAnswer(ValueError):
    """An answer that no honest form could have sent. Nothing is saved or graded."""


class Status(StrEnum):
    CORRECT = "correct"
    PARTIALLY_CORRECT = "partially_correct"
    INCORRECT = "incorrect"
    UNANSWERED = "unanswered"


# --- checking answers --------------------------------------------------------------------------


def is_empty(answer: Any) -> bool:
    return answer is None or (
        isinstance(answer, str | list | tuple | set | frozenset | dict)
        and not (answer.strip() if isinstance(answer, str) else answer)
    )


def clean_answer(question: LeafQuestion, answer: Any) -> Any:
    """The answer in its stored form, or None when it is empty. Raises `TamperedAnswer` when it
    does not fit the question."""
    if is_empty(answer):
        return None
    if isinstance(question, SingleChoice):
        return _clean_single_choice(question, answer)
    if isinstance(question, MultipleResponse):
        return _clean_multiple_response(question, answer)
    if isinstance(question, TrueFalse):
        if not isinstance(answer, bool):
            raise TamperedAnswer(f'question "{question.id}" takes true or false')
        return answer
    if isinstance(question, ShortAnswer):
        return _clean_short_answer(question, answer)
    if isinstance(question, Matching):
        return _clean_mapping(
            question, answer, dict(question.lefts), dict(question.choices), str, "choice"
        )
    if isinstance(question, Ordering):
        positions = range(1, len(question.items) + 1)
        return _clean_mapping(
            question, answer, dict(question.keyed_items), positions, int, "position"
        )
    raise TamperedAnswer(f'question "{question.id}" cannot be answered directly')


def _clean_single_choice(question: SingleChoice, answer: Any) -> str:
    if not isinstance(answer, str) or question.option(answer) is None:
        raise TamperedAnswer(f'"{answer}" is not an option of question "{question.id}"')
    return answer


def _clean_multiple_response(question: MultipleResponse, answer: Any) -> list[str]:
    if isinstance(answer, str) or not isinstance(answer, list | tuple | set | frozenset):
        raise TamperedAnswer(f'question "{question.id}" takes a list of options')
    chosen = set(answer)
    for option_id in chosen:
        if not isinstance(option_id, str) or question.option(option_id) is None:
            raise TamperedAnswer(f'"{option_id}" is not an option of question "{question.id}"')
    return sorted(chosen)


def _clean_short_answer(question: ShortAnswer, answer: Any) -> str:
    if not isinstance(answer, str):
        raise TamperedAnswer(f'question "{question.id}" takes typed text')
    if len(answer) > MAX_SHORT_ANSWER_LENGTH:
        raise TamperedAnswer(
            f"answers to short questions are at most {MAX_SHORT_ANSWER_LENGTH} characters"
        )
    return answer.strip()


def _clean_mapping(question, answer, keys, values, value_type, value_name) -> dict | None:
    if not isinstance(answer, Mapping):
        raise TamperedAnswer(f'question "{question.id}" takes an answer for each item')
    cleaned = {}
    for key, value in answer.items():
        if key not in keys:
            raise TamperedAnswer(f'"{key}" is not an item of question "{question.id}"')
        if value is None or value == "":
            continue
        if isinstance(value, bool) or not isinstance(value, value_type) or value not in values:
            raise TamperedAnswer(f'"{value}" is not a {value_name} in question "{question.id}"')
        cleaned[key] = value
    return cleaned or None


# --- scoring one question ----------------------------------------------------------------------


def short_answer_accepted(question: ShortAnswer, text: str) -> bool:
    """Case and extra white space never matter. The pattern must match the whole answer."""
    normal = normalise_answer(text)
    if not normal:
        return False
    if normal in {normalise_answer(accepted) for accepted in question.accept}:
        return True
    if question.pattern is None or len(normal) > MAX_SHORT_ANSWER_LENGTH:
        return False
    try:
        match = compile_pattern(question.pattern).fullmatch(
            " ".join(text.split()), timeout=PATTERN_TIMEOUT_SECONDS
        )
    except TimeoutError:
        return False
    return match is not None


def credit(question: LeafQuestion, answer: Any) -> Fraction:
    """The share of the question's points earned, from 0 to 1, for a cleaned answer."""
    if answer is None:
        return Fraction(0)
    if isinstance(question, SingleChoice):
        return Fraction(int(answer == question.correct_option.id))
    if isinstance(question, MultipleResponse):
        chosen = set(answer)
        correct = question.correct_ids
        if question.scoring == Scoring.ALL_OR_NOTHING:
            return Fraction(int(chosen == correct))
        right, wrong = len(chosen & correct), len(chosen - correct)
        return max(Fraction(0), Fraction(right - wrong, len(correct)))
    if isinstance(question, TrueFalse):
        return Fraction(int(answer == question.answer))
    if isinstance(question, ShortAnswer):
        return Fraction(int(short_answer_accepted(question, answer)))
    if isinstance(question, Matching):
        key = question.answer_key
        right = sum(answer.get(left) == choice for left, choice in key.items())
        return Fraction(right, len(key))
    if isinstance(question, Ordering):
        right = sum(answer.get(item) == int(item) for item, _ in question.keyed_items)
        if question.scoring == Scoring.ALL_OR_NOTHING:
            return Fraction(int(right == len(question.items)))
        return Fraction(right, len(question.items))
    raise TypeError(f"cannot score {type(question).__name__}")


@dataclass(frozen=True)
class QuestionGrade:
    question_id: str
    awarded: Fraction
    available: Fraction
    answered: bool
    parts: tuple[QuestionGrade, ...] = ()  # a scenario's questions

    @property
    def status(self) -> Status:
        if not self.answered:
            return Status.UNANSWERED
        if self.awarded == self.available:
            return Status.CORRECT
        return Status.PARTIALLY_CORRECT if self.awarded > 0 else Status.INCORRECT


def grade_question(question: Question, answers: Mapping[str, Any]) -> QuestionGrade:
    """Grade one top-level question (a scenario is the sum of its questions)."""
    if isinstance(question, Scenario):
        parts = tuple(grade_question(q, answers) for q in question.questions)
        return QuestionGrade(
            question.id,
            awarded=sum((p.awarded for p in parts), Fraction(0)),
            available=question.points,
            answered=any(p.answered for p in parts),
            parts=parts,
        )
    answer = clean_answer(question, answers.get(question.id))
    return QuestionGrade(
        question.id,
        awarded=credit(question, answer) * question.points,
        available=question.points,
        answered=answer is not None,
    )


# --- grading an attempt ------------------------------------------------------------------------


@dataclass(frozen=True)
class Grade:
    awarded: Fraction
    available: Fraction
    pass_mark: Fraction
    questions: tuple[QuestionGrade, ...]

    @property
    def percentage(self) -> Fraction:
        return self.awarded * 100 / self.available

    @property
    def passed(self) -> bool:
        return self.percentage >= self.pass_mark

    def percent(self, places: int = 0) -> Decimal:
        """The percentage rounded down to `places` decimal places, for display and storage."""
        exact = self.percentage
        quantum = Decimal(1).scaleb(-places)
        return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
            quantum, rounding=ROUND_FLOOR
        )

    def for_question(self, question_id: str) -> QuestionGrade | None:
        for grade in self.questions:
            if grade.question_id == question_id:
                return grade
            for part in grade.parts:
                if part.question_id == question_id:
                    return part
        return None


def paper_questions(quiz: Quiz, question_ids: Sequence[str]) -> list[Question]:
    """The top-level questions of a paper, checked against the quiz."""
    top_level = {q.id: q for q in quiz.questions}
    questions = []
    for question_id in question_ids:
        if question_id not in top_level:
            raise TamperedAnswer(f'question "{question_id}" is not in quiz "{quiz.id}"')
        questions.append(top_level[question_id])
    if len(set(question_ids)) != len(question_ids):
        raise TamperedAnswer("a question appears twice on the paper")
    return questions


def answerable_ids(questions: Sequence[Question]) -> set[str]:
    ids: set[str] = set()
    for question in questions:
        if isinstance(question, Scenario):
            ids.update(q.id for q in question.questions)
        else:
            ids.add(question.id)
    return ids


def grade_attempt(quiz: Quiz, question_ids: Sequence[str], answers: Mapping[str, Any]) -> Grade:
    """Grade the answers to a paper made of the top-level questions `question_ids`."""
    questions = paper_questions(quiz, question_ids)
    if not questions:
        raise ValueError("a paper needs at least one question")
    unknown = sorted(set(answers) - answerable_ids(questions))
    if unknown:
        raise TamperedAnswer(f'question "{unknown[0]}" is not part of this attempt')
    grades = tuple(grade_question(question, answers) for question in questions)
    return Grade(
        awarded=sum((g.awarded for g in grades), Fraction(0)),
        available=sum((g.available for g in grades), Fraction(0)),
        pass_mark=quiz.pass_mark,
        questions=grades,
    )


def model_answer(question: LeafQuestion) -> Any:
    """An answer earning full marks (for demonstrations and checks of a quiz's key)."""
    if isinstance(question, SingleChoice):
        return question.correct_option.id
    if isinstance(question, MultipleResponse):
        return sorted(question.correct_ids)
    if isinstance(question, TrueFalse):
        return question.answer
    if isinstance(question, ShortAnswer):
        return question.accept[0]
    if isinstance(question, Matching):
        return question.answer_key
    if isinstance(question, Ordering):
        return {key: int(key) for key, _ in question.keyed_items}
    raise TypeError(f"no model answer for {type(question).__name__}")
