"""Between the page and the stored answers: read a posted question form into answers in the
quiz's own terms, and turn stored answers back into the page's tokens to show them again.

Field names on the page, for an answerable question with id Q:

    single_choice       Q = <option token>
    multiple_response   Q = <option token> (repeated)
    true_false          Q = "true" | "false"
    short_answer        Q = <text>
    matching            Q.<left token> = <choice token>
    ordering            Q.<item token> = <position 1..n>

A page saves one top-level question at a time (a scenario with all its questions). Anything
a page could not have sent raises `TamperedAnswer` and nothing is read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from lms.quizzes.format import (
    LeafQuestion,
    Matching,
    MultipleResponse,
    Ordering,
    Quiz,
    Scenario,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
)
from lms.quizzes.grading import TamperedAnswer, clean_answer


class FormData(Protocol):
    def getlist(self, key: str) -> list[str]: ...

    def __iter__(self) -> Iterator[str]: ...


class _Lists:
    """A plain `{name: [values]}` dict (or `{name: value}`) seen as form data."""

    def __init__(self, data: Mapping[str, Any]):
        self.data = {k: v if isinstance(v, list) else [v] for k, v in data.items()}

    def getlist(self, key: str) -> list[str]:
        return list(self.data.get(key, []))

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)


def _form(form: FormData | Mapping[str, Any]) -> FormData:
    return form if hasattr(form, "getlist") else _Lists(form)  # type: ignore[return-value]


def _one(form: FormData, name: str) -> str | None:
    values = form.getlist(name)
    if len(values) > 1:
        raise TamperedAnswer(f'"{name}" was sent more than once')
    return values[0] if values else None


def leaf_questions_of(quiz: Quiz, key: Mapping[str, Any], question_id: str) -> list[LeafQuestion]:
    """The answerable questions behind top-level question `question_id` of an attempt."""
    if question_id not in key["questions"]:
        raise TamperedAnswer(f'question "{question_id}" is not part of this attempt')
    question = quiz.find(question_id)
    if question is None:
        raise TamperedAnswer(f'question "{question_id}" is not in this quiz')
    return list(question.questions) if isinstance(question, Scenario) else [question]


def read_question_form(
    quiz: Quiz, key: Mapping[str, Any], question_id: str, form: FormData | Mapping[str, Any]
) -> dict[str, Any]:
    """Answers (None where left empty) for every answerable question behind `question_id`."""
    form = _form(form)
    leaves = leaf_questions_of(quiz, key, question_id)
    own = {leaf.id: leaf for leaf in leaves}
    for name in list(form):
        named, dot, _ = name.partition(".")
        if named in own:
            if dot and not isinstance(own[named], Matching | Ordering):
                raise TamperedAnswer(f'"{name}" is not a field of question "{named}"')
        elif quiz.find(named) is not None:
            raise TamperedAnswer(f'question "{named}" cannot be answered on this page')
    return {leaf.id: _read_leaf(leaf, key["tokens"].get(leaf.id, {}), form) for leaf in leaves}


def _untoken(tokens: Mapping[str, str], token: str, question: LeafQuestion) -> str:
    try:
        return tokens[token]
    except KeyError:
        raise TamperedAnswer(f'"{token}" is not an option of question "{question.id}"') from None


def _read_leaf(question: LeafQuestion, tokens: Mapping[str, Any], form: FormData) -> Any:
    name = question.id
    if isinstance(question, SingleChoice):
        value = _one(form, name)
        answer = _untoken(tokens["options"], value, question) if value else None
    elif isinstance(question, MultipleResponse):
        answer = [_untoken(tokens["options"], v, question) for v in form.getlist(name) if v]
    elif isinstance(question, TrueFalse):
        value = _one(form, name)
        if value not in (None, "", "true", "false"):
            raise TamperedAnswer(f'question "{question.id}" takes true or false')
        answer = None if not value else value == "true"
    elif isinstance(question, ShortAnswer):
        answer = _one(form, name)
    elif isinstance(question, Matching | Ordering):
        answer = _read_items(question, tokens, form)
    else:  # pragma: no cover - every answerable type is handled above
        raise TypeError(type(question).__name__)
    return clean_answer(question, answer)


def _read_items(question: Matching | Ordering, tokens: Mapping[str, Any], form: FormData):
    rows = "lefts" if isinstance(question, Matching) else "items"
    prefix = f"{question.id}."
    answer: dict[str, Any] = {}
    for name in list(form):
        if not name.startswith(prefix):
            continue
        row = _untoken(tokens[rows], name.removeprefix(prefix), question)
        value = _one(form, name)
        if not value:
            continue
        if isinstance(question, Matching):
            answer[row] = _untoken(tokens["choices"], value, question)
        else:
            if not value.isdigit():
                raise TamperedAnswer(f'"{value}" is not a position in question "{question.id}"')
            answer[row] = int(value)
    return answer


def page_values(quiz: Quiz, key: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, Any]:
    """Stored answers in the page's terms, to show them again:
    single choice -> token, multiple response -> set of tokens, true/false -> "true"/"false",
    short answer -> text, matching -> {left token: choice token}, ordering -> {item token: n}."""
    values: dict[str, Any] = {}
    for question_id, answer in answers.items():
        question = quiz.find(question_id)
        if answer is None or question is None or isinstance(question, Scenario):
            continue
        token_of = {
            kind: {k: t for t, k in mapping.items()}
            for kind, mapping in key["tokens"].get(question_id, {}).items()
        }
        if isinstance(question, SingleChoice):
            values[question_id] = token_of["options"].get(answer)
        elif isinstance(question, MultipleResponse):
            values[question_id] = {
                token_of["options"][a] for a in answer if a in token_of["options"]
            }
        elif isinstance(question, TrueFalse):
            values[question_id] = "true" if answer else "false"
        elif isinstance(question, ShortAnswer):
            values[question_id] = answer
        elif isinstance(question, Matching):
            values[question_id] = {
                token_of["lefts"][left]: token_of["choices"][choice]
                for left, choice in answer.items()
                if left in token_of["lefts"] and choice in token_of["choices"]
            }
        elif isinstance(question, Ordering):
            values[question_id] = {
                token_of["items"][item]: position
                for item, position in answer.items()
                if item in token_of["items"]
            }
    return values


def form_for_answers(
    quiz: Quiz, key: Mapping[str, Any], question_id: str, answers: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """The fields a page would post for top-level `question_id` to give `answers` (the inverse
    of `read_question_form`), as (name, value) pairs."""
    leaves = leaf_questions_of(quiz, key, question_id)
    own = {leaf.id: answers[leaf.id] for leaf in leaves if answers.get(leaf.id) is not None}
    fields: list[tuple[str, str]] = []
    for leaf_id, value in page_values(quiz, key, own).items():
        if isinstance(value, str):
            fields.append((leaf_id, value))
        elif isinstance(value, set):
            fields.extend((leaf_id, token) for token in sorted(value))
        else:
            fields.extend((f"{leaf_id}.{row}", str(choice)) for row, choice in value.items())
    return fields
