"""A quiz in other languages: the `translations` block of a quiz file (assessments/README.md).

A translation gives the words only: the title, and for every question its prompt, explanation,
options and feedback (and a short answer's accepted answers, which are words too), by question
id, with options, pairs and items in the original's order. Everything that decides a mark (which
option is correct, points, ids, scoring) is the original's, so an attempt is graded alike in
every language. A translation must be complete: a paper never mixes two languages.

Read here from the YAML nodes (every problem with its line), stored in the quiz's definition,
and applied by `translate(quiz, language)`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from yaml.nodes import Node

from lms.i18n import LANGUAGE_CODES

# The quiz's own types live in `lms.quizzes.format`, which reads translations through this
# module; here they are known by their fields alone, so the two never import each other.
Question = Any
Quiz = Any
Reader = Any

# The words of each kind of question, besides `prompt` and `explanation`.
_WORDS = {
    "single_choice": {"options"},
    "multiple_response": {"options"},
    "true_false": {"feedback"},
    "short_answer": {"accept", "pattern"},
    "matching": {"pairs", "distractors"},
    "ordering": {"items"},
    "scenario": {"scenario"},
}


def _needed(question: Question) -> set[str]:
    """The keys a translation of `question` must have: those the original has words in."""
    needed = {"scenario"} if question.type == "scenario" else {"prompt"}
    if question.prompt and question.type == "scenario":
        needed.add("prompt")
    if question.explanation:
        needed.add("explanation")
    words = _WORDS[question.type] - {"scenario", "feedback", "distractors", "pattern"}
    needed |= words
    if question.type == "true_false" and (question.feedback_true or question.feedback_false):
        needed.add("feedback")
    if question.type == "matching" and question.distractors:
        needed.add("distractors")
    return needed


class _TranslationReader:
    def __init__(self, reader: Reader, quiz: Quiz):
        self.reader, self.quiz = reader, quiz

    def problem(self, at: Node | int, message: str) -> None:
        self.reader.problem(at, message)

    def read(self, node: Node) -> dict[str, Any] | None:
        if not hasattr(node, "value") or not isinstance(node.value, list):
            self.problem(node, "translations must be a set of `language: ...` blocks")
            return None
        found: dict[str, Any] = {}
        for key_node, value_node in node.value:
            language = str(key_node.value)
            if language not in LANGUAGE_CODES:
                self.problem(
                    key_node,
                    f'the site does not know the language "{language}" '
                    f"(use one of: {', '.join(LANGUAGE_CODES)})",
                )
                continue
            if (translation := self.language(value_node, language)) is not None:
                found[language] = translation
        return found

    def language(self, node: Node, language: str) -> dict[str, Any] | None:
        what = f'the translation "{language}"'
        fields = self.reader.mapping(node, what, {"title", "questions"}, set())
        if fields is None or "questions" not in fields or "title" not in fields:
            return None
        title = self.reader.text(fields["title"], f"the title of {what}")
        questions: dict[str, Any] = {}
        by_id = {q.id: q for q in _all_questions(self.quiz)}
        entries = fields["questions"]
        if not hasattr(entries, "value") or not isinstance(entries.value, list):
            self.problem(entries, f"the questions of {what} must be a set of `id: ...` blocks")
            return None
        for key_node, value_node in entries.value:
            question = by_id.get(str(key_node.value))
            if question is None:
                self.problem(key_node, f'the quiz has no question "{key_node.value}" to translate')
                continue
            if (words := self.question(value_node, question, language)) is not None:
                questions[question.id] = words
        for question_id in by_id.keys() - questions.keys():
            if not any(str(k.value) == question_id for k, _ in entries.value):
                self.problem(
                    fields["questions"],
                    f'question "{question_id}" has no translation into "{language}": a paper '
                    "never mixes two languages",
                )
        return {"title": title, "questions": questions}

    def question(self, node: Node, question: Question, language: str) -> dict[str, Any] | None:
        what = f'the "{language}" translation of question "{question.id}"'
        needed = _needed(question)
        allowed = {"prompt", "explanation"} | _WORDS[question.type]
        fields = self.reader.mapping(node, what, needed, allowed - needed)
        if fields is None:
            return None
        words: dict[str, Any] = {
            key: self.reader.text(fields[key], f"the {key} of {what}")
            for key in ("prompt", "explanation", "scenario")
            if key in fields
        }
        words.update(self.answers(fields, question, what))
        return words

    def answers(self, fields: dict[str, Node], question: Question, what: str) -> dict[str, Any]:
        words: dict[str, Any] = {}
        if "options" in fields:
            words["options"] = self.options(fields["options"], question, what)
        if "feedback" in fields:
            words.update(self.true_false(fields["feedback"], what))
        if "accept" in fields:
            words["accept"] = [text for _, text in self.reader.texts(fields["accept"], what)]
        if "pattern" in fields:
            pattern = self.reader.text(fields["pattern"], f"the pattern of {what}")
            if pattern is not None and self.reader._check_pattern(fields["pattern"], pattern, what):
                words["pattern"] = pattern
        if "pairs" in fields:
            words["pairs"] = self.pairs(fields["pairs"], question, what)
        for key in ("items", "distractors"):
            if key in fields:
                words[key] = self.same_count(fields[key], getattr(question, key), key, what)
        return words

    def same_count(self, node: Node, original: tuple, key: str, what: str) -> list[str]:
        texts = [text for _, text in self.reader.texts(node, f"the {key} of {what}")]
        if len(texts) != len(original):
            self.problem(
                node,
                f"the {key} of {what} are {len(texts)}, but the original has {len(original)}: "
                "translate each one, in the same order",
            )
        return texts

    def options(self, node: Node, question: Question, what: str) -> list[dict[str, Any]]:
        items = self.reader.sequence(node, f"the options of {what}") or []
        if len(items) != len(question.options):
            self.problem(
                node,
                f"{what} has {len(items)} options, but the original has "
                f"{len(question.options)}: translate each one, in the same order",
            )
        options = []
        for item, original in zip(items, question.options, strict=False):
            needed = {"text"} | ({"feedback"} if original.feedback else set())
            fields = self.reader.mapping(item, f"an option of {what}", needed, {"feedback"})
            if fields is None:
                continue
            options.append(
                {
                    "text": self.reader.text(fields["text"], f"an option of {what}")
                    if "text" in fields
                    else None,
                    "feedback": self.reader.text(fields["feedback"], f"feedback in {what}")
                    if "feedback" in fields
                    else None,
                }
            )
        return options

    def true_false(self, node: Node, what: str) -> dict[str, Any]:
        fields = self.reader.mapping(node, f"the feedback of {what}", set(), {"true", "false"})
        words: dict[str, Any] = {}
        for key in ("true", "false"):
            if fields and key in fields:
                words[f"feedback_{key}"] = self.reader.text(fields[key], f"feedback in {what}")
        return words

    def pairs(self, node: Node, question: Question, what: str) -> list[dict[str, Any]]:
        items = self.reader.sequence(node, f"the pairs of {what}") or []
        if len(items) != len(question.pairs):
            self.problem(
                node,
                f"{what} has {len(items)} pairs, but the original has {len(question.pairs)}",
            )
        pairs = []
        for item in items:
            fields = self.reader.mapping(item, f"a pair of {what}", {"left", "right"}, set())
            if fields and {"left", "right"} <= fields.keys():
                pairs.append(
                    {
                        "left": self.reader.text(fields["left"], f"a pair of {what}"),
                        "right": self.reader.text(fields["right"], f"a pair of {what}"),
                    }
                )
        originals = [pair.right for pair in question.pairs]
        rights = [pair["right"] for pair in pairs]
        if len(rights) == len(originals) and _sharing(rights) != _sharing(originals):
            self.problem(
                node,
                f"in {what}, pairs that share a right-hand side in the original must share it "
                "in the translation too (and only those)",
            )
        return pairs


def _sharing(values: list) -> list[int]:
    """Which earlier item each value repeats (its first index), to compare shapes."""
    first: dict[Any, int] = {}
    return [first.setdefault(value, index) for index, value in enumerate(values)]


def _all_questions(quiz: Quiz):
    for question in quiz.questions:
        yield question
        if question.type == "scenario":
            yield from question.questions


def read_translations(reader: Reader, node: Node, quiz: Quiz) -> dict[str, Any] | None:
    """The `translations` block, checked against `quiz`; problems go to `reader`."""
    return _TranslationReader(reader, quiz).read(node)


# --- applying ---------------------------------------------------------------------------------


def _translated(question: Question, words: dict[str, Any]) -> Question:
    changes: dict[str, Any] = {
        key: words[key] for key in ("prompt", "explanation", "scenario") if key in words
    }
    if "options" in words:
        changes["options"] = tuple(
            dataclasses.replace(o, text=t["text"], feedback=t.get("feedback"))
            for o, t in zip(question.options, words["options"], strict=True)
        )
    for key in ("feedback_true", "feedback_false"):
        if key in words:
            changes[key] = words[key]
    if "accept" in words:
        # The original's pattern matches the original's words: a translation brings its own.
        changes["accept"], changes["pattern"] = tuple(words["accept"]), words.get("pattern")
    if "pairs" in words:
        changes["pairs"] = tuple(
            dataclasses.replace(pair, left=t["left"], right=t["right"])
            for pair, t in zip(question.pairs, words["pairs"], strict=True)
        )
    for key in ("items", "distractors"):
        if key in words:
            changes[key] = tuple(words[key])
    return dataclasses.replace(question, **changes)


def translate(quiz: Quiz, language: str | None) -> Quiz:
    """`quiz` in `language` when it is translated into it, else `quiz` itself."""
    translation = quiz.translations.get(language or "")
    if translation is None:
        return quiz
    words = translation["questions"]

    def question(q: Question) -> Question:
        if q.type == "scenario":
            q = dataclasses.replace(q, questions=tuple(question(inner) for inner in q.questions))
        return _translated(q, words[q.id]) if q.id in words else q

    pools = tuple(
        dataclasses.replace(pool, questions=tuple(question(q) for q in pool.questions))
        for pool in quiz.pools
    )
    return dataclasses.replace(quiz, title=translation["title"], pools=pools, language=language)
