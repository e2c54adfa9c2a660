"""Survey files: read `assessments/surveys/<survey-id>.yaml`, check them, and turn them into
immutable, typed objects (the format is described for authors in courses/README.md, "Surveys").

Every problem is a `Problem(file, line, message)`, all of a file's problems together. A survey
is stored as JSON (`Survey.to_dict`) and read back (`Survey.from_dict`). Whether `course` and
`unit` exist is checked against the catalogue by the caller, which also passes the learning
outcomes a `for_each_outcome` block expands into one question each.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from lms.content import Problem, YamlList, YamlMap, parse_yaml
from lms.i18n import _, _l

SCHEMA_VERSION = 1
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
QUESTION_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}")
MAX_FILE_BYTES = 256 * 1024
MAX_OPTIONS = 20
MAX_TEXT_ANSWER = 2000

LIKERT_LABELS = (
    "Strongly disagree",
    "Disagree",
    "Neither agree nor disagree",
    "Agree",
    "Strongly agree",
)
SCALE_LABELS = ("Not at all", "Completely")
# The default labels are stored in English with the survey and translated when shown; these
# are marked here so that they are extracted.
_SHOWN_DEFAULT_LABELS = (
    _l("Strongly disagree"),
    _l("Disagree"),
    _l("Neither agree nor disagree"),
    _l("Agree"),
    _l("Strongly agree"),
    _l("Not at all"),
    _l("Completely"),
)


class Audience(StrEnum):
    TRAINEE = "trainee"  # a trainee mentor answers, signed in, once per moment
    MENTEE = "mentee"  # her mentee answers, without an account, by link or on paper


class Moment(StrEnum):
    START = "start"  # when the trainee begins (the "before")
    END = "end"  # as the training ends (the "after")
    FOLLOW_UP = "follow_up"  # three months after the end
    ANY = "any"  # whenever (the mentee's feedback)

    @property
    def label(self) -> str:
        return str(MOMENT_LABELS[self])


MOMENT_LABELS = {
    Moment.START: _l("At the start"),
    Moment.END: _l("At the end"),
    Moment.FOLLOW_UP: _l("Three months on"),
    Moment.ANY: _l("Any time"),
}


class QuestionType(StrEnum):
    LIKERT = "likert"  # five points, scored 1 to 5
    SCALE = "scale"  # 0 to 10
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    TEXT = "text"

    @property
    def is_scored(self) -> bool:
        return self in (QuestionType.LIKERT, QuestionType.SCALE)


@dataclass(frozen=True)
class Question:
    id: str
    type: QuestionType
    prompt: str
    required: bool = True
    options: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()  # likert: five labels; scale: the words at 0 and at 10
    outcome: str | None = None  # "RM301.2": the learning outcome the question is about
    line: int = field(default=0, compare=False)

    def __post_init__(self):
        if not self.labels:
            object.__setattr__(self, "labels", _default_labels(self.type))

    @property
    def shown_labels(self) -> tuple[str, ...]:
        """The labels in the reader's language when they are the built-in ones (a survey's
        own labels are its content and shown as written)."""
        if self.labels in (LIKERT_LABELS, SCALE_LABELS):
            return tuple(_(label) for label in self.labels)
        return self.labels

    @property
    def points(self) -> tuple[int, ...]:
        """The values a scored question takes."""
        return tuple(range(1, 6)) if self.type is QuestionType.LIKERT else tuple(range(11))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type.value,
            "prompt": self.prompt,
            "required": self.required,
            "options": list(self.options),
            "labels": list(self.labels),
            "outcome": self.outcome,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Question:
        return cls(
            id=data["id"],
            type=QuestionType(data["type"]),
            prompt=data["prompt"],
            required=data.get("required", True),
            options=tuple(data.get("options", ())),
            labels=tuple(data.get("labels", ())),
            outcome=data.get("outcome"),
        )


@dataclass(frozen=True)
class Survey:
    id: str
    title: str
    audience: Audience
    moments: tuple[Moment, ...]
    questions: tuple[Question, ...]
    intro: str = ""
    course: str | None = None
    unit: str | None = None
    schema_version: int = SCHEMA_VERSION
    path: str | None = field(default=None, compare=False)

    def find(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "id": self.id,
            "title": self.title,
            "audience": self.audience.value,
            "moments": [m.value for m in self.moments],
            "intro": self.intro,
            "course": self.course,
            "unit": self.unit,
            "questions": [q.to_dict() for q in self.questions],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Survey:
        return cls(
            id=data["id"],
            title=data["title"],
            audience=Audience(data["audience"]),
            moments=tuple(Moment(m) for m in data["moments"]),
            questions=tuple(Question.from_dict(q) for q in data["questions"]),
            intro=data.get("intro", ""),
            course=data.get("course"),
            unit=data.get("unit"),
            schema_version=data.get("schema_version", SCHEMA_VERSION),
        )

    @property
    def content_hash(self) -> str:
        text = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


# --- reading ------------------------------------------------------------------------------------

# (unit code, outcome number, outcome text) for each learning outcome of a course, in order.
Outcomes = Callable[[str], list[tuple[str, int, str]] | None]

SURVEY_KEYS = {
    "id",
    "title",
    "audience",
    "moments",
    "intro",
    "course",
    "unit",
    "questions",
    "for_each_outcome",
}
QUESTION_KEYS = {"id", "type", "prompt", "required", "options", "labels", "outcome"}
OUTCOME_BLOCK_KEYS = {"prompt", "labels"}


class _Reader:
    def __init__(self, path: Path | str, problems: list[Problem]):
        self.path = path
        self.problems = problems

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def text(self, data: YamlMap, key: str, *, required: bool = True) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                self.add(data.line, f'the {_noun(data)} is missing "{key}"')
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(data.line_of(key), f'"{key}" must be some text')
            return None
        return value.strip()

    def unknown_keys(self, data: YamlMap, allowed: set[str], what: str) -> None:
        for key in data:
            if key not in allowed:
                self.add(data.line_of(key), f'{what} has no setting "{key}"')

    def texts(self, data: YamlMap, key: str) -> tuple[str, ...] | None:
        """The list of texts at `key`: () when there is none, None when it is not one."""
        value = data.get(key)
        if value is None:
            return ()
        if not isinstance(value, YamlList) or not all(
            isinstance(item, str) and item.strip() for item in value
        ):
            self.add(
                data.line_of(key),
                f'"{key}" must be a list of texts (put Yes, No or a number in quotes)',
            )
            return None
        return tuple(item.strip() for item in value)


def _noun(data: YamlMap) -> str:
    return "question" if "type" in data or "prompt" in data else "survey"


def _enum(reader: _Reader, data: YamlMap, key: str, kind: type[StrEnum], default=None):
    value = data.get(key, default)
    if value is None:
        reader.add(data.line, f'the {_noun(data)} is missing "{key}"')
        return None
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        reader.add(data.line_of(key), f'"{key}" must be one of: {allowed} (not "{value}")')
        return None


def _question(reader: _Reader, data: Any, line: int) -> Question | None:
    if not isinstance(data, YamlMap):
        reader.add(line, "each question must be a set of 'key: value' lines")
        return None
    reader.unknown_keys(data, QUESTION_KEYS, "a question")
    question_id = reader.text(data, "id")
    if question_id is not None and not QUESTION_ID_PATTERN.fullmatch(question_id):
        reader.add(data.line_of("id"), "a question id uses only letters, digits, - and _")
        question_id = None
    kind = _enum(reader, data, "type", QuestionType)
    prompt = reader.text(data, "prompt")
    required = data.get("required", kind is not QuestionType.TEXT)
    if not isinstance(required, bool):
        reader.add(data.line_of("required"), '"required" must be true or false')
        required = True
    options = reader.texts(data, "options")
    labels = reader.texts(data, "labels") or ()
    if options is None:
        options = ()
    elif kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        if not 2 <= len(options) <= MAX_OPTIONS:
            reader.add(data.line_of("options"), f"a choice needs 2 to {MAX_OPTIONS} options")
        elif len(set(options)) != len(options):
            reader.add(data.line_of("options"), "two options have the same text")
    elif options:
        reader.add(data.line_of("options"), f"a {kind} question has no options")
    _check_labels(reader, data, kind, labels)
    if None in (question_id, kind, prompt):
        return None
    return Question(
        id=question_id,
        type=kind,
        prompt=prompt,
        required=required,
        options=options,
        labels=labels or _default_labels(kind),
        outcome=None,
        line=data.line,
    )


def _check_labels(reader: _Reader, data: YamlMap, kind, labels: tuple[str, ...]) -> None:
    if not labels:
        return
    if kind is QuestionType.LIKERT and len(labels) != 5:
        reader.add(data.line_of("labels"), "a likert question has five labels, lowest first")
    elif kind is QuestionType.SCALE and len(labels) != 2:
        reader.add(data.line_of("labels"), "a scale has two labels: the words at 0 and at 10")
    elif kind not in (QuestionType.LIKERT, QuestionType.SCALE):
        reader.add(data.line_of("labels"), f"a {kind} question has no labels")


def _default_labels(kind) -> tuple[str, ...]:
    if kind is QuestionType.LIKERT:
        return LIKERT_LABELS
    if kind is QuestionType.SCALE:
        return SCALE_LABELS
    return ()


def _outcome_questions(
    reader: _Reader, data: YamlMap, course: str | None, outcomes: Outcomes
) -> list[Question]:
    block = data["for_each_outcome"]
    line = data.line_of("for_each_outcome")
    if not isinstance(block, YamlMap):
        reader.add(line, "\"for_each_outcome\" must be a set of 'key: value' lines")
        return []
    reader.unknown_keys(block, OUTCOME_BLOCK_KEYS, '"for_each_outcome"')
    prompt = reader.text(block, "prompt")
    labels = reader.texts(block, "labels") or ()
    if labels and len(labels) != 5:
        reader.add(block.line_of("labels"), "the outcome questions have five labels, lowest first")
    if course is None:
        reader.add(line, '"for_each_outcome" needs the survey\'s "course"')
        return []
    found = outcomes(course)
    if prompt is None or found is None:
        return []  # an unknown course is reported beside "course"
    if "{outcome}" not in prompt:
        reader.add(block.line_of("prompt"), 'the prompt must say where "{outcome}" goes')
        return []
    return [
        Question(
            id=f"{unit}-{number}",
            type=QuestionType.LIKERT,
            prompt=prompt.replace("{outcome}", text),
            labels=labels if len(labels) == 5 else LIKERT_LABELS,
            outcome=f"{unit}.{number}",
            line=block.line,
        )
        for unit, number, text in found
    ]


def _moments(reader: _Reader, data: YamlMap, audience) -> tuple[Moment, ...]:
    value = data.get("moments")
    if value is None:
        return (Moment.ANY,) if audience is Audience.MENTEE else (Moment.END,)
    if not isinstance(value, YamlList) or not value:
        reader.add(data.line_of("moments"), '"moments" must be a list such as [start, end]')
        return ()
    moments = []
    for index, item in enumerate(value):
        try:
            moments.append(Moment(item))
        except ValueError:
            allowed = ", ".join(m.value for m in Moment)
            reader.add(value.line_of(index), f'a moment is one of: {allowed} (not "{item}")')
    if audience is Audience.MENTEE and moments != [Moment.ANY]:
        reader.add(data.line_of("moments"), 'a mentee\'s survey is answered at moment "any"')
    if audience is Audience.TRAINEE and Moment.ANY in moments:
        reader.add(
            data.line_of("moments"),
            "a trainee's survey is answered at start, end or follow_up, not any",
        )
    if len(set(moments)) != len(moments):
        reader.add(data.line_of("moments"), "a moment is listed twice")
    return tuple(dict.fromkeys(moments))


def _questions(reader: _Reader, data: YamlMap, course, outcomes: Outcomes) -> list[Question]:
    questions: list[Question] = []
    if "for_each_outcome" in data:
        questions.extend(_outcome_questions(reader, data, course, outcomes))
    listed = data.get("questions")
    if listed is not None:
        if not isinstance(listed, YamlList):
            reader.add(data.line_of("questions"), '"questions" must be a list of questions')
        else:
            for index, item in enumerate(listed):
                question = _question(reader, item, listed.line_of(index))
                if question is not None:
                    questions.append(question)
    seen: set[str] = set()
    for question in questions:
        if question.id in seen:
            reader.add(question.line, f'question id "{question.id}" is used twice')
        seen.add(question.id)
    if not questions and "for_each_outcome" not in data:
        reader.add(data.line, "the survey has no questions")
    return questions


def parse_survey(
    data: Any, path: Path | str, problems: list[Problem], outcomes: Outcomes
) -> Survey | None:
    """The survey in `data` (read from `path`), or None with problems appended."""
    reader = _Reader(path, problems)
    known = len(problems)
    if not isinstance(data, YamlMap):
        reader.add(1, "a survey file is a set of 'key: value' lines")
        return None
    reader.unknown_keys(data, SURVEY_KEYS, "a survey")
    survey_id = reader.text(data, "id")
    if survey_id is not None:
        if not ID_PATTERN.fullmatch(survey_id):
            reader.add(data.line_of("id"), "a survey id uses only small letters, digits and -")
        elif Path(path).stem != survey_id:
            reader.add(data.line_of("id"), f'the file must be named "{survey_id}.yaml"')
    title = reader.text(data, "title")
    audience = _enum(reader, data, "audience", Audience)
    course = reader.text(data, "course", required=False)
    unit = reader.text(data, "unit", required=False)
    if course and unit:
        reader.add(data.line_of("unit"), 'a survey is attached to a "course" or a "unit", not both')
    moments = _moments(reader, data, audience)
    intro = reader.text(data, "intro", required=False) or ""
    questions = _questions(reader, data, course, outcomes)
    if len(problems) > known:
        return None
    return Survey(
        id=survey_id,
        title=title,
        audience=audience,
        moments=moments,
        questions=tuple(questions),
        intro=intro,
        course=course,
        unit=unit,
        path=str(path),
    )


def read_survey_file(path: Path, problems: list[Problem], outcomes: Outcomes) -> Survey | None:
    if path.stat().st_size > MAX_FILE_BYTES:
        problems.append(Problem(path, 1, "the file is too large for a survey"))
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(path, 1, "the file is not UTF-8 text"))
        return None
    data = parse_yaml(text, path, problems)
    return None if data is None else parse_survey(data, path, problems, outcomes)


def read_survey_folder(
    folder: Path | None, outcomes: Outcomes
) -> tuple[list[Survey], list[Problem]]:
    """Every survey in `folder` (none when there is no such folder) and every problem."""
    problems: list[Problem] = []
    surveys: list[Survey] = []
    if folder is None or not folder.is_dir():
        return surveys, problems
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        survey = read_survey_file(path, problems, outcomes)
        if survey is not None:
            surveys.append(survey)
    return surveys, problems


def iter_scored(questions: Iterable[Question]) -> Iterable[Question]:
    return (q for q in questions if q.type.is_scored)
