"""Drawing a paper: which questions an attempt gets, in which order, with which option order.

`draw_paper(quiz, seed)` is deterministic: the same quiz and seed always give the same paper,
so an attempt's paper is fixed when it starts and can be reproduced. It returns two JSON-able
halves:

- `paper` — what the page shows: prompts, scenario texts and options, with NO correct answers,
  feedback or explanations;
- `key` — kept on the server: the seed, the drawn question ids, and for each question the map
  from the tokens used on the page to the quiz's own option and item keys.

Options, matching items and ordering items appear on the page under per-attempt tokens, never
under the ids written in the quiz file: default option ids (a, b, c …) follow the file's order,
and ordering items are keyed by their correct position, so showing those would give answers
away. A token is an HMAC of the item under the attempt's seed, which the page never sees.

Questions are drawn from each pool at random (`draw`), pools stay in file order, and questions
are shuffled within their pool when `shuffle_questions` is set; a scenario's questions keep
their order. Options are shuffled when `shuffle_options` is set. The right-hand choices of a
matching question and the items of an ordering question are always shuffled, and never left in
the order that would be the answer.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from dataclasses import dataclass
from typing import Any

from lms.quizzes.format import (
    MAX_SHORT_ANSWER_LENGTH,
    LeafQuestion,
    Matching,
    MultipleResponse,
    Ordering,
    Question,
    Quiz,
    Scenario,
    ShortAnswer,
    SingleChoice,
)

PAPER_SCHEMA_VERSION = 1
TOKEN_KINDS = ("options", "lefts", "choices", "items")


@dataclass(frozen=True)
class DrawnPaper:
    paper: dict[str, Any]
    key: dict[str, Any]

    @property
    def question_ids(self) -> list[str]:
        return list(self.key["questions"])


def _tokens(seed: int, question_id: str, kind: str, keys: list[str]) -> dict[str, str]:
    """Token -> the quiz's own key, for each of `keys`; unique within the question."""
    secret = str(seed).encode()
    for length in (10, 20, 64):
        tokens = {
            "t"
            + hmac.new(
                secret, f"{question_id}\x1f{kind}\x1f{key}".encode(), hashlib.sha256
            ).hexdigest()[:length]: key
            for key in keys
        }
        if len(tokens) == len(keys):
            return tokens
    raise RuntimeError("could not make distinct tokens")  # pragma: no cover - sha256 collision


def _shuffled(rng: random.Random, values: list, *, avoid_original: bool = False) -> list:
    shuffled = list(values)
    rng.shuffle(shuffled)
    while avoid_original and len(values) > 1 and shuffled == values:
        rng.shuffle(shuffled)
    return shuffled


class _Drawer:
    def __init__(self, quiz: Quiz, seed: int):
        self.quiz = quiz
        self.seed = seed
        # Not a secret: the order only has to be reproducible from the attempt's seed.
        self.rng = random.Random(seed)  # noqa: S311
        self.tokens: dict[str, dict[str, dict[str, str]]] = {}

    def draw(self) -> DrawnPaper:
        questions: list[Question] = []
        for pool in self.quiz.pools:
            picked = list(pool.questions)
            if pool.draw is not None and pool.draw < len(picked):
                picked = self.rng.sample(picked, pool.draw)
                if not self.quiz.shuffle_questions:
                    picked.sort(key=pool.questions.index)
            if self.quiz.shuffle_questions:
                picked = _shuffled(self.rng, picked)
            questions.extend(picked)
        paper = {
            "schema_version": PAPER_SCHEMA_VERSION,
            "quiz_id": self.quiz.id,
            "title": self.quiz.title,
            "questions": [self.question(q) for q in questions],
        }
        key = {
            "schema_version": PAPER_SCHEMA_VERSION,
            "seed": self.seed,
            "questions": [q.id for q in questions],
            "tokens": self.tokens,
        }
        return DrawnPaper(paper, key)

    def question(self, question: Question) -> dict[str, Any]:
        if isinstance(question, Scenario):
            return {
                "id": question.id,
                "type": question.type,
                "prompt": question.prompt,
                "scenario": question.scenario,
                "points": str(question.points),
                "questions": [self.leaf(q) for q in question.questions],
            }
        return self.leaf(question)

    def option_order(self, items: list) -> list:
        return _shuffled(self.rng, items) if self.quiz.shuffle_options else list(items)

    def never_the_answer(self, items: list) -> list:
        return _shuffled(self.rng, items, avoid_original=True)

    def entries(self, question_id: str, kind: str, keyed: list[tuple[str, str]], order) -> list:
        tokens = _tokens(self.seed, question_id, kind, [key for key, _ in keyed])
        self.tokens.setdefault(question_id, {})[kind] = tokens
        token_of = {key: token for token, key in tokens.items()}
        return [{"id": token_of[key], "text": text} for key, text in order(keyed)]

    def leaf(self, question: LeafQuestion) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": question.id,
            "type": question.type,
            "prompt": question.prompt,
            "points": str(question.points),
        }
        self.tokens.setdefault(question.id, {})
        if isinstance(question, MultipleResponse | Ordering):
            # How the question is marked is told before she answers, never only afterwards.
            data["scoring"] = question.scoring.value
        if isinstance(question, SingleChoice | MultipleResponse):
            keyed = [(o.id, o.text) for o in question.options]
            data["options"] = self.entries(question.id, "options", keyed, self.option_order)
        elif isinstance(question, ShortAnswer):
            data["max_length"] = MAX_SHORT_ANSWER_LENGTH
        elif isinstance(question, Matching):
            data["lefts"] = self.entries(
                question.id, "lefts", list(question.lefts), self.option_order
            )
            data["choices"] = self.entries(
                question.id, "choices", list(question.choices), self.never_the_answer
            )
        elif isinstance(question, Ordering):
            data["items"] = self.entries(
                question.id, "items", list(question.keyed_items), self.never_the_answer
            )
        return data


def draw_paper(quiz: Quiz, seed: int) -> DrawnPaper:
    """The paper for one attempt; the same quiz and seed always give the same paper."""
    return _Drawer(quiz, seed).draw()
