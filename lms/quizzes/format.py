"""Quiz files: read `assessments/<quiz-id>.yaml`, check them, and turn them into immutable,
typed objects.

Every problem is reported as `file:line: message` (lines come from the YAML node marks), and
all problems in a file are reported together so an author can fix them in one pass. The
format is described for authors in `assessments/README.md`; keep the two in step.

A parsed quiz can be stored as JSON (`Quiz.to_dict`) and read back (`Quiz.from_dict`); the
stored form carries `SCHEMA_VERSION` so that older stored definitions can still be read when
the format grows. Whether `unit` and `criteria` exist in the curriculum is checked elsewhere
(by `courses check`), since this module knows nothing of the database.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

import regex
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from lms.content import Problem, compose_yaml, decode_text, node_line

SCHEMA_VERSION = 1

# Identifiers end up in URLs and form field names, so they are kept to plain characters.
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}")
# Quiz pages live at /quizzes/<quiz-id>, beside these pages.
RESERVED_QUIZ_IDS = frozenset({"history", "results", "attempts"})
CRITERION_PATTERN = re.compile(r"[1-9][0-9]*\.[1-9][0-9]*")

MAX_FILE_BYTES = 1024 * 1024
MAX_OPTIONS = 26  # default option ids are the letters a-z
MAX_POINTS = 100
MAX_TIME_LIMIT_MINUTES = 24 * 60
MAX_WAIT_MINUTES = 90 * 24 * 60
MAX_ATTEMPTS = 100
# Short answers are typed by people; anything longer is not an answer to a short question,
# and keeping it short also bounds the work a `pattern` can be asked to do.
MAX_SHORT_ANSWER_LENGTH = 200
MAX_PATTERN_LENGTH = 300
PATTERN_TIMEOUT_SECONDS = 0.05


class Scoring(StrEnum):
    PARTIAL = "partial"
    ALL_OR_NOTHING = "all_or_nothing"


class AfterEachAttempt(StrEnum):
    """What a trainee sees about each question once an attempt is submitted."""

    NONE = "none"  # only the score and whether she passed
    CORRECTNESS = "correctness"  # which questions were right, partly right or wrong
    FEEDBACK = "feedback"  # and the feedback on the answers she chose


class CorrectAnswers(StrEnum):
    """When the correct answers (and explanations) are shown."""

    NEVER = "never"
    AFTER_PASS_OR_FINAL = "after_pass_or_final"  # noqa: S105 - a setting, not a password
    ALWAYS = "always"


# --- problems ---------------------------------------------------------------------------------


class QuizFormatError(ValueError):
    """A quiz file (or stored definition) is not valid; `problems` says where and why."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# --- the typed quiz ----------------------------------------------------------------------------


def normalise_answer(text: str) -> str:
    """How typed answers are compared: case and runs of white space do not matter."""
    return " ".join(text.split()).casefold()


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> regex.Pattern:
    """A short-answer pattern, compiled once. Raises `regex.error` when it is not valid."""
    return regex.compile(pattern, regex.IGNORECASE | regex.V0)


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    text: str
    correct: bool = False
    feedback: str | None = None


@dataclass(frozen=True, slots=True)
class MatchPair:
    left: str
    right: str


@dataclass(frozen=True, kw_only=True)
class BaseQuestion:
    """What every answerable question has. `line` is where it starts in its file."""

    type: ClassVar[str]
    id: str
    prompt: str
    explanation: str | None = None
    points: Fraction = Fraction(1)
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, kw_only=True)
class SingleChoice(BaseQuestion):
    type: ClassVar[str] = "single_choice"
    options: tuple[Option, ...]

    @property
    def correct_option(self) -> Option:
        return next(o for o in self.options if o.correct)

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True, kw_only=True)
class MultipleResponse(BaseQuestion):
    type: ClassVar[str] = "multiple_response"
    options: tuple[Option, ...]
    scoring: Scoring = Scoring.PARTIAL

    @property
    def correct_ids(self) -> frozenset[str]:
        return frozenset(o.id for o in self.options if o.correct)

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True, kw_only=True)
class TrueFalse(BaseQuestion):
    type: ClassVar[str] = "true_false"
    answer: bool
    feedback_true: str | None = None
    feedback_false: str | None = None

    def feedback_for(self, value: bool) -> str | None:
        return self.feedback_true if value else self.feedback_false


@dataclass(frozen=True, kw_only=True)
class ShortAnswer(BaseQuestion):
    type: ClassVar[str] = "short_answer"
    accept: tuple[str, ...]
    pattern: str | None = None


@dataclass(frozen=True, kw_only=True)
class Matching(BaseQuestion):
    """Left-hand items are keyed "1", "2" … in file order; right-hand choices are each
    distinct right-hand text in order of first use, then the distractors, keyed the same way."""

    type: ClassVar[str] = "matching"
    pairs: tuple[MatchPair, ...]
    distractors: tuple[str, ...] = ()

    @property
    def lefts(self) -> tuple[tuple[str, str], ...]:
        return tuple((str(i), pair.left) for i, pair in enumerate(self.pairs, start=1))

    @property
    def choices(self) -> tuple[tuple[str, str], ...]:
        texts = list(dict.fromkeys(pair.right for pair in self.pairs)) + list(self.distractors)
        return tuple((str(i), text) for i, text in enumerate(texts, start=1))

    @property
    def answer_key(self) -> dict[str, str]:
        """Left key -> the key of its right-hand choice."""
        key_of = {text: key for key, text in self.choices}
        return {str(i): key_of[pair.right] for i, pair in enumerate(self.pairs, start=1)}


@dataclass(frozen=True, kw_only=True)
class Ordering(BaseQuestion):
    """Items are written in their correct order and keyed "1", "2" … (their right place)."""

    type: ClassVar[str] = "ordering"
    items: tuple[str, ...]
    scoring: Scoring = Scoring.PARTIAL

    @property
    def keyed_items(self) -> tuple[tuple[str, str], ...]:
        return tuple((str(i), text) for i, text in enumerate(self.items, start=1))


LeafQuestion = SingleChoice | MultipleResponse | TrueFalse | ShortAnswer | Matching | Ordering


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A case study followed by questions; it counts as one drawn question and is worth the
    sum of its questions' points."""

    type: ClassVar[str] = "scenario"
    id: str
    scenario: str
    questions: tuple[LeafQuestion, ...]
    prompt: str | None = None
    explanation: str | None = None
    line: int = field(default=0, compare=False)

    @property
    def points(self) -> Fraction:
        return sum((q.points for q in self.questions), Fraction(0))


Question = LeafQuestion | Scenario

QUESTION_TYPES: dict[str, type] = {
    cls.type: cls
    for cls in (
        SingleChoice,
        MultipleResponse,
        TrueFalse,
        ShortAnswer,
        Matching,
        Ordering,
        Scenario,
    )
}


@dataclass(frozen=True, slots=True)
class Pool:
    id: str
    questions: tuple[Question, ...]
    draw: int | None = None  # None: every question

    @property
    def draw_count(self) -> int:
        return len(self.questions) if self.draw is None else self.draw


@dataclass(frozen=True, slots=True)
class Review:
    after_each_attempt: AfterEachAttempt = AfterEachAttempt.FEEDBACK
    correct_answers: CorrectAnswers = CorrectAnswers.AFTER_PASS_OR_FINAL


@dataclass(frozen=True, kw_only=True)
class Quiz:
    id: str
    title: str
    unit: str
    pass_mark: Fraction
    pools: tuple[Pool, ...]
    criteria: tuple[str, ...] = ()
    attempts: int | None = None  # None: unlimited
    wait_minutes: int = 0
    time_limit_minutes: int | None = None
    shuffle_questions: bool = False
    shuffle_options: bool = False
    review: Review = Review()
    schema_version: int = SCHEMA_VERSION
    # The language of its words (its unit's, set when the courses are synced), and its
    # translations by language (see `lms.quizzes.translations`).
    language: str = "en"
    translations: Mapping[str, Any] = field(default_factory=dict, hash=False)
    # Where the quiz came from, for messages; not part of its content.
    path: str | None = field(default=None, compare=False)
    lines: Mapping[str, int] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, hash=False
    )

    @property
    def questions(self) -> tuple[Question, ...]:
        """Every top-level question, pool by pool in file order."""
        return tuple(q for pool in self.pools for q in pool.questions)

    def leaf_questions(self) -> Iterator[LeafQuestion]:
        """Every answerable question, with scenarios opened up."""
        for question in self.questions:
            if isinstance(question, Scenario):
                yield from question.questions
            else:
                yield question

    def find(self, question_id: str) -> Question | None:
        """A question by id, at the top level or inside a scenario."""
        return self._index.get(question_id)

    def parent_of(self, question_id: str) -> Scenario | None:
        for question in self.questions:
            if isinstance(question, Scenario) and any(
                q.id == question_id for q in question.questions
            ):
                return question
        return None

    @property
    def _index(self) -> dict[str, Question]:
        index = self.__dict__.get("_index_cache")
        if index is None:
            index = {}
            for question in self.questions:
                index[question.id] = question
                if isinstance(question, Scenario):
                    index.update((q.id, q) for q in question.questions)
            object.__setattr__(self, "_index_cache", index)
        return index

    @property
    def question_count(self) -> int:
        """How many top-level questions each attempt is given."""
        return sum(pool.draw_count for pool in self.pools)

    def in_language(self, language: str | None) -> Quiz:
        """This quiz in `language` where it is translated into it, else as written."""
        from lms.quizzes.translations import translate

        return translate(self, language)

    def to_dict(self) -> dict[str, Any]:
        data = self._to_dict()
        # Left out when there is nothing to say, so quizzes stored before keep their fingerprint.
        if self.language != "en":
            data["language"] = self.language
        if self.translations:
            data["translations"] = dict(self.translations)
        return data

    def _to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "id": self.id,
            "title": self.title,
            "unit": self.unit,
            "criteria": list(self.criteria),
            "pass_mark": str(self.pass_mark),
            "attempts": self.attempts,
            "wait_minutes": self.wait_minutes,
            "time_limit_minutes": self.time_limit_minutes,
            "shuffle_questions": self.shuffle_questions,
            "shuffle_options": self.shuffle_options,
            "review": {
                "after_each_attempt": self.review.after_each_attempt.value,
                "correct_answers": self.review.correct_answers.value,
            },
            "pools": [
                {
                    "id": pool.id,
                    "draw": pool.draw,
                    "questions": [_question_to_dict(q) for q in pool.questions],
                }
                for pool in self.pools
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Quiz:
        """Read a stored definition back. Stored definitions were valid when written, so this
        only refuses a schema version it does not know."""
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise QuizFormatError(
                [Problem("stored quiz", 0, f"unknown quiz schema version {version!r}")]
            )
        review = data["review"]
        return cls(
            schema_version=version,
            id=data["id"],
            title=data["title"],
            unit=data["unit"],
            criteria=tuple(data["criteria"]),
            pass_mark=Fraction(data["pass_mark"]),
            attempts=data["attempts"],
            wait_minutes=data["wait_minutes"],
            time_limit_minutes=data["time_limit_minutes"],
            shuffle_questions=data["shuffle_questions"],
            shuffle_options=data["shuffle_options"],
            language=data.get("language", "en"),
            translations=data.get("translations") or {},
            review=Review(
                AfterEachAttempt(review["after_each_attempt"]),
                CorrectAnswers(review["correct_answers"]),
            ),
            pools=tuple(
                Pool(
                    id=pool["id"],
                    draw=pool["draw"],
                    questions=tuple(_question_from_dict(q) for q in pool["questions"]),
                )
                for pool in data["pools"]
            ),
        )

    @property
    def content_hash(self) -> str:
        """A fingerprint of the content: comments and layout in the file do not change it."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def _question_to_dict(question: Question) -> dict[str, Any]:
    data: dict[str, Any] = {"id": question.id, "type": question.type}
    if isinstance(question, Scenario):
        data.update(
            prompt=question.prompt,
            explanation=question.explanation,
            scenario=question.scenario,
            questions=[_question_to_dict(q) for q in question.questions],
        )
        return data
    data.update(
        prompt=question.prompt, explanation=question.explanation, points=str(question.points)
    )
    if isinstance(question, SingleChoice | MultipleResponse):
        data["options"] = [
            {"id": o.id, "text": o.text, "correct": o.correct, "feedback": o.feedback}
            for o in question.options
        ]
    if isinstance(question, MultipleResponse | Ordering):
        data["scoring"] = question.scoring.value
    if isinstance(question, TrueFalse):
        data.update(
            answer=question.answer,
            feedback_true=question.feedback_true,
            feedback_false=question.feedback_false,
        )
    elif isinstance(question, ShortAnswer):
        data.update(accept=list(question.accept), pattern=question.pattern)
    elif isinstance(question, Matching):
        data.update(
            pairs=[{"left": p.left, "right": p.right} for p in question.pairs],
            distractors=list(question.distractors),
        )
    elif isinstance(question, Ordering):
        data["items"] = list(question.items)
    return data


def _question_from_dict(data: Mapping[str, Any]) -> Question:
    kind = data["type"]
    if kind == "scenario":
        return Scenario(
            id=data["id"],
            prompt=data["prompt"],
            explanation=data["explanation"],
            scenario=data["scenario"],
            questions=tuple(_question_from_dict(q) for q in data["questions"]),
        )
    common = {
        "id": data["id"],
        "prompt": data["prompt"],
        "explanation": data["explanation"],
        "points": Fraction(data["points"]),
    }
    if kind in ("single_choice", "multiple_response"):
        options = tuple(Option(**o) for o in data["options"])
        if kind == "single_choice":
            return SingleChoice(**common, options=options)
        return MultipleResponse(**common, options=options, scoring=Scoring(data["scoring"]))
    if kind == "true_false":
        return TrueFalse(
            **common,
            answer=data["answer"],
            feedback_true=data["feedback_true"],
            feedback_false=data["feedback_false"],
        )
    if kind == "short_answer":
        return ShortAnswer(**common, accept=tuple(data["accept"]), pattern=data["pattern"])
    if kind == "matching":
        return Matching(
            **common,
            pairs=tuple(MatchPair(**p) for p in data["pairs"]),
            distractors=tuple(data["distractors"]),
        )
    if kind == "ordering":
        return Ordering(**common, items=tuple(data["items"]), scoring=Scoring(data["scoring"]))
    raise QuizFormatError([Problem("stored quiz", 0, f"unknown question type {kind!r}")])


# --- reading files -----------------------------------------------------------------------------


def parse_quiz(text: str, path: Path | str = "<quiz>", *, expected_id: str | None = None) -> Quiz:
    """Parse and check one quiz; raise `QuizFormatError` listing every problem."""
    quiz, problems = check_quiz_text(text, path, expected_id=expected_id)
    if problems or quiz is None:
        raise QuizFormatError(problems)
    return quiz


def check_quiz_text(
    text: str, path: Path | str = "<quiz>", *, expected_id: str | None = None
) -> tuple[Quiz | None, list[Problem]]:
    """Parse and check one quiz; the quiz is None whenever there is any problem."""
    problems: list[Problem] = []
    root = compose_yaml(text, path, problems)
    if problems:
        return None, problems
    return check_quiz_node(root, path, expected_id=expected_id)


def check_quiz_node(
    root: Node | None, path: Path | str, *, expected_id: str | None = None
) -> tuple[Quiz | None, list[Problem]]:
    """Check one quiz already read into YAML nodes (`lms.content.compose_yaml`): the courses
    check reads each quiz file once and hands its nodes here."""
    if root is None:
        return None, [Problem(path, 1, "the file is empty")]
    reader = _Reader(path)
    quiz = reader.quiz(root, expected_id)
    if reader.problems:
        return None, sorted(reader.problems)
    return quiz, []


def check_quiz_file(path: Path, display: str | None = None) -> tuple[Quiz | None, list[Problem]]:
    name = display or str(path)
    if path.stat().st_size > MAX_FILE_BYTES:
        return None, [Problem(name, 1, "the file is larger than 1 MB; split the quiz")]
    problems: list[Problem] = []
    if (text := decode_text(path.read_bytes(), name, problems)) is None:
        return None, problems
    return check_quiz_text(text, name, expected_id=path.stem)


def load_quiz_file(path: Path, display: str | None = None) -> Quiz:
    quiz, problems = check_quiz_file(path, display)
    if problems or quiz is None:
        raise QuizFormatError(problems)
    return quiz


@dataclass
class QuizSet:
    """Every quiz in a folder that loaded cleanly, and the problems of the rest."""

    quizzes: dict[str, Quiz] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def load_quiz_directory(directory: Path, display_root: Path | None = None) -> QuizSet:
    """Read every `*.yaml` in `directory` (other files, like README.md, are left alone)."""
    result = QuizSet()
    if not directory.is_dir():
        result.problems.append(Problem(str(directory), 0, "the quiz folder does not exist"))
        return result
    for path in sorted(directory.iterdir()):
        display = str(path.relative_to(display_root)) if display_root else str(path)
        if path.suffix == ".yml":
            result.problems.append(
                Problem(display, 1, f"quiz files end in .yaml: rename it to {path.stem}.yaml")
            )
            continue
        if path.suffix != ".yaml" or not path.is_file():
            continue
        quiz, problems = check_quiz_file(path, display)
        result.problems.extend(problems)
        if quiz is not None:
            result.quizzes[quiz.id] = quiz
    return result


# --- the checker -------------------------------------------------------------------------------

QUIZ_REQUIRED = {"id", "title", "unit", "pass_mark", "pools"}
QUIZ_OPTIONAL = {
    "criteria",
    "attempts",
    "wait_minutes",
    "time_limit_minutes",
    "shuffle_questions",
    "shuffle_options",
    "review",
    "translations",
}
QUESTION_COMMON_REQUIRED = {"id", "type", "prompt"}
QUESTION_COMMON_OPTIONAL = {"points", "explanation"}
QUESTION_KEYS: dict[str, tuple[set[str], set[str]]] = {
    "single_choice": ({"options"}, set()),
    "multiple_response": ({"options"}, {"scoring"}),
    "true_false": ({"answer"}, {"feedback"}),
    "short_answer": ({"accept"}, {"pattern"}),
    "matching": ({"pairs"}, {"distractors"}),
    "ordering": ({"items"}, {"scoring"}),
}
SCENARIO_REQUIRED = {"id", "type", "scenario", "questions"}
SCENARIO_OPTIONAL = {"prompt", "explanation"}

_TAG_STR = "tag:yaml.org,2002:str"
_TAG_INT = "tag:yaml.org,2002:int"
_TAG_FLOAT = "tag:yaml.org,2002:float"
_TAG_BOOL = "tag:yaml.org,2002:bool"
_TAG_NULL = "tag:yaml.org,2002:null"

_MISSING = object()


def _choices(values: Iterable[str]) -> str:
    values = list(values)
    return ", ".join(values[:-1]) + f" or {values[-1]}" if len(values) > 1 else values[0]


class _Reader:
    """Walks the composed YAML nodes, collecting problems and building the quiz."""

    def __init__(self, path: Path | str):
        self.path = path
        self.problems: list[Problem] = []
        self._constructor = SafeConstructor()
        self._question_lines: dict[str, int] = {}
        self._key_lines: dict[int, int] = {}

    def problem(self, at: Node | int, message: str) -> None:
        if isinstance(at, int):
            line = at
        elif isinstance(at, SequenceNode | MappingNode) and id(at) in self._key_lines:
            line = self._key_lines[id(at)]  # a block list or mapping: point at its key
        else:
            line = node_line(at)
        self.problems.append(Problem(self.path, line, message))

    # --- shapes -------------------------------------------------------------------------

    def mapping(
        self, node: Node, what: str, required: set[str], optional: set[str]
    ) -> dict[str, Node] | None:
        if not isinstance(node, MappingNode):
            self.problem(node, f"{what} must be a set of `key: value` lines")
            return None
        values: dict[str, Node] = {}
        allowed = required | optional
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.problem(key_node, f"keys in {what} must be plain words")
                continue
            key = self._key_text(key_node)
            if key in values:
                self.problem(key_node, f'key "{key}" appears twice in {what}')
                continue
            if key not in allowed:
                hint = difflib.get_close_matches(key, sorted(allowed), n=1)
                suggestion = f' (did you mean "{hint[0]}"?)' if hint else ""
                self.problem(key_node, f'unknown key "{key}" in {what}{suggestion}')
                continue
            values[key] = value_node
            self._key_lines[id(value_node)] = node_line(key_node)
        for key in sorted(required - set(values)):
            self.problem(node, f'{what} is missing "{key}"')
        return values

    def _key_text(self, node: ScalarNode) -> str:
        if node.tag == _TAG_BOOL:
            return "true" if self._construct(node) else "false"
        return node.value

    def sequence(self, node: Node, what: str) -> list[Node] | None:
        if not isinstance(node, SequenceNode):
            self.problem(node, f"{what} must be a list")
            return None
        return list(node.value)

    def _construct(self, node: ScalarNode) -> Any:
        try:
            return self._constructor.construct_object(node, deep=True)
        except (ConstructorError, ValueError):
            return _MISSING

    # --- scalars ------------------------------------------------------------------------

    def text(self, node: Node, what: str, *, numbers_as_text: bool = False) -> str | None:
        if isinstance(node, ScalarNode) and node.tag == _TAG_NULL:
            self.problem(node, f"{what} must not be empty")
            return None
        accepted = {_TAG_STR} | ({_TAG_INT, _TAG_FLOAT} if numbers_as_text else set())
        if not isinstance(node, ScalarNode) or node.tag not in accepted:
            self.problem(node, f"{what} must be text")
            return None
        if not node.value.strip():
            self.problem(node, f"{what} must not be empty")
            return None
        return node.value.strip()

    def identifier(self, node: Node, what: str) -> str | None:
        value = self.text(node, what)
        if value is not None and not ID_PATTERN.fullmatch(value):
            self.problem(
                node,
                f'{what} "{value}" may only use letters, digits, "-" and "_" '
                "(and at most 80 of them)",
            )
            return None
        return value

    def boolean(self, node: Node, what: str) -> bool | None:
        if not isinstance(node, ScalarNode) or node.tag != _TAG_BOOL:
            self.problem(node, f"{what} must be true or false")
            return None
        return bool(self._construct(node))

    def integer(self, node: Node, what: str, *, minimum: int, maximum: int) -> int | None:
        value = self._construct(node) if isinstance(node, ScalarNode) else _MISSING
        if getattr(node, "tag", None) != _TAG_INT or not isinstance(value, int):
            self.problem(node, f"{what} must be a whole number")
            return None
        if not minimum <= value <= maximum:
            self.problem(node, f"{what} must be between {minimum} and {maximum} (it is {value})")
            return None
        return value

    def number(
        self,
        node: Node,
        what: str,
        *,
        minimum: Fraction,
        maximum: Fraction,
        above_minimum: bool = False,
    ) -> Fraction | None:
        if not isinstance(node, ScalarNode) or node.tag not in (_TAG_INT, _TAG_FLOAT):
            self.problem(node, f"{what} must be a number")
            return None
        try:
            value = Fraction(node.value.replace("_", ""))
        except (ValueError, ZeroDivisionError):
            self.problem(node, f"{what} must be a number")
            return None
        too_low = value <= minimum if above_minimum else value < minimum
        if too_low or value > maximum:
            low = f"more than {minimum}" if above_minimum else f"at least {minimum}"
            self.problem(node, f"{what} must be {low} and at most {maximum} (it is {node.value})")
            return None
        return value

    def choice(self, node: Node, what: str, enum: type[StrEnum]) -> Any:
        values = [member.value for member in enum]
        if not isinstance(node, ScalarNode) or node.value not in values:
            shown = node.value if isinstance(node, ScalarNode) else "this"
            self.problem(node, f'unknown {what} "{shown}" (use {_choices(values)})')
            return None
        return enum(node.value)

    def texts(
        self, node: Node, what: str, *, numbers_as_text: bool = False
    ) -> list[tuple[Node, str]]:
        items = self.sequence(node, what)
        if items is None:
            return []
        result = []
        for item in items:
            value = self.text(item, f"each entry of {what}", numbers_as_text=numbers_as_text)
            if value is not None:
                result.append((item, value))
        return result

    # --- the quiz -----------------------------------------------------------------------

    def quiz(self, root: Node, expected_id: str | None) -> Quiz | None:
        fields = self.mapping(root, "the quiz", QUIZ_REQUIRED, QUIZ_OPTIONAL)
        if fields is None:
            return None
        lines = {key: node_line(node) for key, node in fields.items()}
        values: dict[str, Any] = {}
        if "id" in fields:
            values["id"] = self.quiz_id(fields["id"], expected_id)
        for key, read in self.setting_readers(lines).items():
            if key in fields:
                values[key] = read(fields[key])
        if self.problems or any(value is None for value in values.values()):
            return None
        quiz = Quiz(**values, path=self.path, lines=MappingProxyType(lines))
        if "translations" in fields:
            from lms.quizzes.translations import read_translations

            translations = read_translations(self, fields["translations"], quiz)
            if self.problems or translations is None:
                return None
            quiz = dataclasses.replace(quiz, translations=translations)
        return quiz

    def quiz_id(self, node: Node, expected_id: str | None) -> str | None:
        quiz_id = self.identifier(node, "the quiz id")
        if quiz_id in RESERVED_QUIZ_IDS:
            self.problem(node, f'"{quiz_id}" is a page of the site; choose another quiz id')
        if quiz_id is not None and expected_id is not None and quiz_id != expected_id:
            self.problem(
                node,
                f'the quiz id "{quiz_id}" does not match the file name: '
                f'name the file {quiz_id}.yaml or change the id to "{expected_id}"',
            )
        return quiz_id

    def setting_readers(self, lines: dict[str, int]) -> dict[str, Callable[[Node], Any]]:
        """How each of the quiz's other keys is read, in the order problems are reported."""
        return {
            "title": lambda node: self.text(node, "the title"),
            "unit": lambda node: self.text(node, "the unit"),
            "criteria": lambda node: self.criteria(node, lines),
            "pass_mark": lambda node: self.number(
                node, "the pass mark", minimum=Fraction(0), maximum=Fraction(100)
            ),
            "attempts": lambda node: self.integer(
                node, "attempts", minimum=1, maximum=MAX_ATTEMPTS
            ),
            "wait_minutes": lambda node: self.integer(
                node, "wait_minutes", minimum=0, maximum=MAX_WAIT_MINUTES
            ),
            "time_limit_minutes": lambda node: self.integer(
                node, "time_limit_minutes", minimum=1, maximum=MAX_TIME_LIMIT_MINUTES
            ),
            "shuffle_questions": lambda node: self.boolean(node, "shuffle_questions"),
            "shuffle_options": lambda node: self.boolean(node, "shuffle_options"),
            "review": self.review,
            "pools": self.pools,
        }

    def criteria(self, node: Node, lines: dict[str, int]) -> tuple[str, ...] | None:
        items = self.sequence(node, "criteria")
        if items is None:
            return None
        result: list[str] = []
        for item in items:
            if isinstance(item, ScalarNode) and item.tag in (_TAG_FLOAT, _TAG_INT):
                self.problem(
                    item, f'write each criterion in quotes, like "{item.value}" (not {item.value})'
                )
                continue
            value = self.text(item, "each criterion")
            if value is None:
                continue
            if not CRITERION_PATTERN.fullmatch(value):
                self.problem(item, f'criterion "{value}" must be numbered like "1.2"')
            elif value in result:
                self.problem(item, f'criterion "{value}" is listed twice')
            else:
                result.append(value)
                lines[f"criteria[{value}]"] = node_line(item)
        return tuple(result)

    def review(self, node: Node) -> Review | None:
        fields = self.mapping(node, "review", set(), {"after_each_attempt", "correct_answers"})
        if fields is None:
            return None
        review = Review()
        after = correct = None
        if "after_each_attempt" in fields:
            after = self.choice(
                fields["after_each_attempt"], "review setting after_each_attempt", AfterEachAttempt
            )
            if after is None:
                return None
        if "correct_answers" in fields:
            correct = self.choice(
                fields["correct_answers"], "review setting correct_answers", CorrectAnswers
            )
            if correct is None:
                return None
        return Review(
            after_each_attempt=after or review.after_each_attempt,
            correct_answers=correct or review.correct_answers,
        )

    def pools(self, node: Node) -> tuple[Pool, ...] | None:
        items = self.sequence(node, "pools")
        if items is None:
            return None
        if not items:
            self.problem(node, "a quiz needs at least one pool of questions")
            return None
        pools: list[Pool] = []
        seen: dict[str, int] = {}
        failed = False
        for item in items:
            pool = self.pool(item, seen)
            if pool is None:
                failed = True
            else:
                pools.append(pool)
        return None if failed else tuple(pools)

    def pool(self, node: Node, seen: dict[str, int]) -> Pool | None:
        fields = self.mapping(node, "a pool", {"id", "questions"}, {"draw"})
        if fields is None:
            return None
        pool_id = self._pool_id(fields["id"], seen) if "id" in fields else None
        what = f'pool "{pool_id}"' if pool_id else "the pool"
        questions, failed = (
            self._pool_questions(fields["questions"], what) if "questions" in fields else ([], True)
        )
        draw = None
        if "draw" in fields:
            draw = self._pool_draw(fields["draw"], what, None if failed else len(questions))
            failed = failed or draw is None
        if failed or pool_id is None:
            return None
        return Pool(id=pool_id, questions=tuple(questions), draw=draw)

    def _pool_id(self, node: Node, seen: dict[str, int]) -> str | None:
        """The pool's id; `seen` holds the lines of the ids already read."""
        pool_id = self.identifier(node, "the pool id")
        if pool_id is None:
            return None
        if pool_id in seen:
            self.problem(node, f'pool id "{pool_id}" is used twice (first on line {seen[pool_id]})')
            return None
        seen[pool_id] = node_line(node)
        return pool_id

    def _pool_questions(self, node: Node, what: str) -> tuple[list[Question], bool]:
        """The questions that could be read, and whether any (or the list itself) could not."""
        items = self.sequence(node, f"the questions of {what}")
        failed = items is None
        if items is not None and not items:
            self.problem(node, f"{what} has no questions")
            failed = True
        questions: list[Question] = []
        for item in items or []:
            question = self.question(item, inside_scenario=None)
            if question is None:
                failed = True
            else:
                questions.append(question)
        return questions, failed

    def _pool_draw(self, node: Node, what: str, held: int | None) -> int | None:
        """How many questions to draw; `held` is None when the questions could not be read,
        and then there is nothing to compare with."""
        draw = self.integer(node, f"draw in {what}", minimum=1, maximum=1000)
        if draw is not None and held is not None and draw > held:
            self.problem(node, f"{what} draws {draw} questions but holds only {held}")
            return None
        return draw

    # --- questions ----------------------------------------------------------------------

    def question(self, node: Node, inside_scenario: str | None) -> Question | None:
        if not isinstance(node, MappingNode):
            self.problem(node, "each question must be a set of `key: value` lines")
            return None
        raw = {k.value: v for k, v in node.value if isinstance(k, ScalarNode)}
        id_node = raw.get("id")
        shown_id = id_node.value if isinstance(id_node, ScalarNode) else None
        what = f'question "{shown_id}"' if shown_id else "a question"
        kind = self._question_kind(node, raw.get("type"), what, inside_scenario)
        if kind is None:
            return None
        before = len(self.problems)
        fields = self._question_fields(node, kind, what)
        if fields is None:
            return None
        question_id = self._question_id(fields)

        common: dict[str, Any] = {"id": question_id, "line": node_line(node)}
        if "prompt" in fields:
            common["prompt"] = self.text(fields["prompt"], f"the prompt of {what}")
        if "explanation" in fields:
            common["explanation"] = self.text(fields["explanation"], f"the explanation of {what}")

        if kind == "scenario":
            question = self._scenario(fields, common, what, question_id)
        else:
            if "points" in fields:
                common["points"] = self.number(
                    fields["points"],
                    f"the points of {what}",
                    minimum=Fraction(0),
                    maximum=Fraction(MAX_POINTS),
                    above_minimum=True,
                )
            reader = getattr(self, f"_{kind}")
            question = reader(fields, what)
        if len(self.problems) > before or question is None:
            return None
        if any(value is None for key, value in common.items() if key != "explanation"):
            return None
        return QUESTION_TYPES[kind](**common, **question)

    def _question_kind(
        self, node: Node, type_node: Node | None, what: str, inside_scenario: str | None
    ) -> str | None:
        """The question's type, read first: it decides which keys the question may have."""
        if type_node is None:
            self.problem(node, f'{what} is missing "type"')
            return None
        kind = type_node.value if isinstance(type_node, ScalarNode) else None
        if kind == "scenario" and inside_scenario is not None:
            self.problem(
                type_node,
                f'{what} is a scenario inside scenario "{inside_scenario}": '
                "a scenario cannot contain another scenario",
            )
            return None
        if kind not in QUESTION_TYPES:
            hint = difflib.get_close_matches(str(kind), list(QUESTION_TYPES), n=1)
            advice = f'did you mean "{hint[0]}"?' if hint else f"use {_choices(QUESTION_TYPES)}"
            self.problem(type_node, f'unknown question type "{kind}" ({advice})')
            return None
        return kind

    def _question_fields(self, node: Node, kind: str, what: str) -> dict[str, Node] | None:
        if kind == "scenario":
            return self.mapping(node, what, SCENARIO_REQUIRED, SCENARIO_OPTIONAL)
        required, optional = QUESTION_KEYS[kind]
        return self.mapping(
            node,
            what,
            QUESTION_COMMON_REQUIRED | required,
            QUESTION_COMMON_OPTIONAL | optional,
        )

    def _question_id(self, fields: dict[str, Node]) -> str | None:
        """The question's id, noted so that a second question with it is reported."""
        question_id = self.identifier(fields["id"], "the question id") if "id" in fields else None
        if question_id is not None:
            if question_id in self._question_lines:
                self.problem(
                    fields["id"],
                    f'question id "{question_id}" is used twice in this quiz '
                    f"(first on line {self._question_lines[question_id]})",
                )
            else:
                self._question_lines[question_id] = node_line(fields["id"])
        return question_id

    def _scenario(self, fields, common, what, question_id) -> dict | None:
        result: dict[str, Any] = {}
        if "scenario" in fields:
            result["scenario"] = self.text(fields["scenario"], f"the scenario text of {what}")
        questions = []
        if "questions" in fields:
            items = self.sequence(fields["questions"], f"the questions of {what}")
            if items is not None and not items:
                self.problem(fields["questions"], f"{what} has no questions")
            for item in items or []:
                question = self.question(item, inside_scenario=question_id or "?")
                if question is not None:
                    questions.append(question)
        result["questions"] = tuple(questions)
        return result

    def _options(self, node: Node, what: str) -> tuple[Option, ...] | None:
        items = self.sequence(node, f"the options of {what}")
        if items is None:
            return None
        if len(items) < 2:
            self.problem(node, f"{what} needs at least two options")
            return None
        if len(items) > MAX_OPTIONS:
            self.problem(
                node, f"{what} has {len(items)} options; at most {MAX_OPTIONS} are allowed"
            )
            return None
        options: list[Option] = []
        ids: dict[str, int] = {}
        texts: dict[str, int] = {}
        for index, item in enumerate(items):
            option = self._option(item, index, what, ids, texts)
            if option is not None:
                options.append(option)
        if len(options) != len(items):
            return None
        return tuple(options)

    def _option(
        self, item: Node, index: int, what: str, ids: dict[str, int], texts: dict[str, int]
    ) -> Option | None:
        """One option; `ids` and `texts` hold the lines of those already read, so that a
        repeated id or text is reported where it repeats."""
        fields = self.mapping(item, f"an option of {what}", {"text"}, {"id", "correct", "feedback"})
        if fields is None:
            return None
        option_id, text, correct, feedback = self._option_values(fields, index, what)
        if option_id is not None:
            if option_id in ids:
                self.problem(
                    item,
                    f'option id "{option_id}" is used twice in {what} (first on line '
                    f"{ids[option_id]}; options without an id are called a, b, c … in order)",
                )
                return None
            ids[option_id] = node_line(item)
        if text is not None:
            if text in texts:
                self.problem(
                    item, f'the option "{text}" appears twice in {what} (line {texts[text]})'
                )
                return None
            texts[text] = node_line(item)
        if option_id is None or text is None or correct is None:
            return None
        return Option(id=option_id, text=text, correct=correct, feedback=feedback)

    def _option_values(
        self, fields: dict[str, Node], index: int, what: str
    ) -> tuple[str | None, str | None, bool | None, str | None]:
        """Id (a, b, c … by position when not given), text, whether correct, feedback."""
        option_id = (
            self.identifier(fields["id"], f"an option id of {what}")
            if "id" in fields
            else chr(ord("a") + index)
        )
        text = (
            self.text(fields["text"], f"the text of an option of {what}")
            if "text" in fields
            else None
        )
        correct = (
            self.boolean(fields["correct"], f'"correct" in an option of {what}')
            if "correct" in fields
            else False
        )
        feedback = (
            self.text(fields["feedback"], f"the feedback of an option of {what}")
            if "feedback" in fields
            else None
        )
        return option_id, text, correct, feedback

    def _single_choice(self, fields, what) -> dict | None:
        options = self._options(fields["options"], what) if "options" in fields else None
        if options is None:
            return None
        correct = sum(o.correct for o in options)
        if correct != 1:
            self.problem(
                fields["options"],
                f"single_choice {what} needs exactly one correct option (it has {correct})",
            )
            return None
        return {"options": options}

    def _multiple_response(self, fields, what) -> dict | None:
        scoring = self._scoring(fields, what)
        options = self._options(fields["options"], what) if "options" in fields else None
        if options is None or scoring is None:
            return None
        if not any(o.correct for o in options):
            self.problem(fields["options"], f"multiple_response {what} needs a correct option")
            return None
        if all(o.correct for o in options):
            self.problem(
                fields["options"],
                f"multiple_response {what} needs at least one option that is not correct "
                "(otherwise choosing everything scores full marks)",
            )
            return None
        return {"options": options, "scoring": scoring}

    def _scoring(self, fields, what) -> Scoring | None:
        if "scoring" not in fields:
            return Scoring.PARTIAL
        return self.choice(fields["scoring"], f"scoring in {what}", Scoring)

    def _true_false(self, fields, what) -> dict | None:
        answer = (
            self.boolean(fields["answer"], f"the answer of {what}") if "answer" in fields else None
        )
        result: dict[str, Any] = {"answer": answer}
        if "feedback" in fields:
            feedback = self.mapping(
                fields["feedback"], f"the feedback of {what}", set(), {"true", "false"}
            )
            if feedback is None:
                return None
            for key in ("true", "false"):
                if key in feedback:
                    result[f"feedback_{key}"] = self.text(
                        feedback[key], f"the {key} feedback of {what}"
                    )
        if answer is None or any(v is None for k, v in result.items() if k != "answer"):
            return None
        return result

    def _short_answer(self, fields, what) -> dict | None:
        if "accept" not in fields:
            return None
        accepted = self.texts(
            fields["accept"], f"the accepted answers of {what}", numbers_as_text=True
        )
        if isinstance(fields["accept"], SequenceNode) and not fields["accept"].value:
            self.problem(fields["accept"], f"{what} needs at least one accepted answer")
        seen: dict[str, int] = {}
        for item, value in accepted:
            normal = normalise_answer(value)
            if len(value) > MAX_SHORT_ANSWER_LENGTH:
                self.problem(
                    item,
                    f"an accepted answer of {what} is longer than "
                    f"{MAX_SHORT_ANSWER_LENGTH} characters",
                )
            if normal in seen:
                self.problem(
                    item,
                    f'"{value}" is accepted twice in {what} (answers ignore case and extra '
                    f"spaces; see line {seen[normal]})",
                )
            seen.setdefault(normal, node_line(item))
        pattern = None
        if "pattern" in fields:
            pattern = self.text(fields["pattern"], f"the pattern of {what}")
            if pattern is not None:
                self._check_pattern(fields["pattern"], pattern, what)
        return {"accept": tuple(value for _, value in accepted), "pattern": pattern}

    def _check_pattern(self, node: Node, pattern: str, what: str) -> bool:
        if len(pattern) > MAX_PATTERN_LENGTH:
            self.problem(
                node, f"the pattern of {what} is longer than {MAX_PATTERN_LENGTH} characters"
            )
            return False
        try:
            compiled = compile_pattern(pattern)
        except regex.error as error:
            self.problem(node, f"the pattern of {what} is not a valid regular expression: {error}")
            return False
        try:
            matches_empty = compiled.fullmatch("", timeout=PATTERN_TIMEOUT_SECONDS) is not None
        except TimeoutError:
            matches_empty = False
        if matches_empty:
            self.problem(node, f"the pattern of {what} would accept an empty answer")
            return False
        return True

    def _matching(self, fields, what) -> dict | None:
        pairs, failed = self._pairs(fields["pairs"], what) if "pairs" in fields else ([], False)
        rights = {pair.right for pair in pairs}
        distractors: list[str] = []
        if "distractors" in fields:
            for item, value in self.texts(fields["distractors"], f"the distractors of {what}"):
                if value in rights:
                    self.problem(item, f'the distractor "{value}" is also a right answer in {what}')
                elif value in distractors:
                    self.problem(item, f'the distractor "{value}" is listed twice in {what}')
                else:
                    distractors.append(value)
        if failed or not pairs:
            return None
        return {"pairs": tuple(pairs), "distractors": tuple(distractors)}

    def _pairs(self, node: Node, what: str) -> tuple[list[MatchPair], bool]:
        """The pairs that could be read, and whether any could not."""
        items = self.sequence(node, f"the pairs of {what}")
        failed = False
        if items is not None and len(items) < 2:
            self.problem(node, f"matching {what} needs at least two pairs")
            failed = True
        pairs: list[MatchPair] = []
        lefts: dict[str, int] = {}
        for item in items or []:
            pair = self._pair(item, what, lefts)
            if pair is None:
                failed = True
            else:
                pairs.append(pair)
        return pairs, failed

    def _pair(self, item: Node, what: str, lefts: dict[str, int]) -> MatchPair | None:
        """One pair; `lefts` holds the lines of the left sides already read."""
        pair = self.mapping(item, f"a pair of {what}", {"left", "right"}, set())
        if pair is None or len(pair) != 2:
            return None
        left = self.text(pair["left"], f"the left side of a pair of {what}")
        right = self.text(pair["right"], f"the right side of a pair of {what}")
        if left is None or right is None:
            return None
        if left in lefts:
            self.problem(
                item, f'"{left}" is on the left of two pairs of {what} (line {lefts[left]})'
            )
            return None
        lefts[left] = node_line(item)
        return MatchPair(left, right)

    def _ordering(self, fields, what) -> dict | None:
        scoring = self._scoring(fields, what)
        if "items" not in fields:
            return None
        items = self.texts(fields["items"], f"the items of {what}")
        if isinstance(fields["items"], SequenceNode) and len(fields["items"].value) < 2:
            self.problem(fields["items"], f"ordering {what} needs at least two items")
        seen: set[str] = set()
        for item, value in items:
            if value in seen:
                self.problem(item, f'the item "{value}" is listed twice in {what}')
            seen.add(value)
        return {"items": tuple(value for _, value in items), "scoring": scoring}
