"""Answers and their sums, with nothing of the database: what a form's answers mean for a
survey's questions, and the figures many answers make (mean, spread, before/after change).

Likert answers score 1 (the first label) to 5; a scale scores 0 to 10. A before/after change
is paired: only people who answered both times count, and the change is each one's after
minus her before, so people who joined or left between the two do not move the figure.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lms.errors import DomainError
from lms.i18n import _
from lms.practice.surveys.format import MAX_TEXT_ANSWER, Question, QuestionType, Survey


@dataclass(frozen=True)
class Answer:
    number: float | None = None
    choices: tuple[str, ...] | None = None
    text: str | None = None


def _one(raw: Mapping[str, Sequence[str]], name: str) -> str:
    values = [v for v in raw.get(name, ()) if v.strip()]
    return values[0].strip() if values else ""


def read_answer(question: Question, raw: Mapping[str, Sequence[str]]) -> Answer | None:
    """The answer to `question` in `raw` (form field name -> values), None when it was left
    blank. Raises DomainError (field = the question's id) for an answer it cannot take."""
    if question.type is QuestionType.MULTIPLE_CHOICE:
        chosen = tuple(dict.fromkeys(v for v in raw.get(question.id, ()) if v))
        if any(c not in question.options for c in chosen):
            raise DomainError(_("Please choose from the options shown."), field=question.id)
        return Answer(choices=chosen) if chosen else None
    value = _one(raw, question.id)
    if not value:
        return None
    if question.type is QuestionType.TEXT:
        if len(value) > MAX_TEXT_ANSWER:
            raise DomainError(
                _("Please keep this to %(limit)d characters or fewer.", limit=MAX_TEXT_ANSWER),
                field=question.id,
            )
        return Answer(text=value)
    if question.type is QuestionType.SINGLE_CHOICE:
        if value not in question.options:
            raise DomainError(_("Please choose one of the options shown."), field=question.id)
        return Answer(choices=(value,))
    try:
        number = int(value)
    except ValueError:
        number = None
    if number not in question.points:
        raise DomainError(_("Please choose one of the points on the scale."), field=question.id)
    return Answer(number=float(number))


def read_answers(survey: Survey, raw: Mapping[str, Sequence[str]]) -> dict[str, Answer]:
    """Every answer given; raises DomainError for the first question with a wrong or missing
    required answer (its `field` is the question id, so the page can put it there)."""
    answers = {}
    for question in survey.questions:
        answer = read_answer(question, raw)
        if answer is None:
            if question.required:
                raise DomainError(_("Please answer this question."), field=question.id)
            continue
        answers[question.id] = answer
    if not answers:
        raise DomainError(_("Please answer at least one question."))
    return answers


@dataclass(frozen=True)
class Summary:
    people: int
    mean: float | None
    spread: float | None  # the standard deviation (0 for one answer)
    median: float | None


def summarise(values: Sequence[float]) -> Summary:
    if not values:
        return Summary(0, None, None, None)
    spread = statistics.pstdev(values) if len(values) > 1 else 0.0
    return Summary(len(values), statistics.fmean(values), spread, statistics.median(values))


@dataclass(frozen=True)
class Change:
    people: int  # who answered both times
    before: float | None
    after: float | None
    change: float | None  # the mean of each person's change
    spread: float | None  # the standard deviation of those changes


def paired_change(before: Mapping[object, float], after: Mapping[object, float]) -> Change:
    """The change between two moments of the people (keys) who answered at both."""
    both = sorted(set(before) & set(after), key=str)
    if not both:
        return Change(0, None, None, None, None)
    changes = [after[key] - before[key] for key in both]
    return Change(
        len(both),
        statistics.fmean(before[key] for key in both),
        statistics.fmean(after[key] for key in both),
        statistics.fmean(changes),
        statistics.pstdev(changes) if len(changes) > 1 else 0.0,
    )


def option_shares(question: Question, chosen: Sequence[Sequence[str]]) -> list[tuple[str, int]]:
    """How many of the people who answered chose each option, in the file's order."""
    return [(option, sum(1 for c in chosen if option in c)) for option in question.options]
