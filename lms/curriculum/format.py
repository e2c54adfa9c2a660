"""The course format: files in `courses/` (and quiz references in `assessments/`) read into
typed objects. Described for authors in courses/README.md.

`load_catalogue(courses_path, assessments_path)` reads everything it can and records each
problem with its file and line; `lms.curriculum.checks` then runs the checks over the result.
Nothing here touches the database.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yaml.nodes import Node

from lms.content import (
    Problem,
    YamlList,
    YamlMap,
    build_yaml,
    compose_yaml,
    decode_text,
    parse_front_matter,
    parse_yaml,
)

SCHEMA_VERSION = 1
SUPPORTED_SCHEMA_VERSIONS = frozenset({1})

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$")
QUIZ_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
LESSON_FILE_PATTERN = re.compile(r"^(\d+)-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
LEVELS = ("entry-1", "entry-2", "entry-3", "1", "2", "3", "4", "5", "6", "7", "8")
COURSE_KINDS = ("qualification", "short-course")


def level_rank(level: str | None) -> int:
    """Position of a framework level (entry-1 lowest); -1 for none."""
    return LEVELS.index(level) if level in LEVELS else -1


def level_label(level: str | None) -> str:
    if level is None:
        return ""
    if level.startswith("entry-"):
        return f"Entry {level.removeprefix('entry-')}"
    return f"Level {level}"


def sha256_hex(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


# --- the typed objects ------------------------------------------------------------------------


@dataclass
class CriterionSpec:
    number: str
    text: str
    line: int


@dataclass
class OutcomeSpec:
    number: int
    text: str
    line: int
    criteria: list[CriterionSpec] = field(default_factory=list)


@dataclass
class LessonSpec:
    slug: str
    number: int
    title: str
    minutes: int | None
    content_note: str | None
    body: str
    body_line: int
    path: Path
    source_hash: str
    position: int = 0
    # Translations of this lesson, by language code (`<unit folder>/<code>/<same file name>`).
    translations: dict[str, LessonTranslationSpec] = field(default_factory=dict)


@dataclass
class LessonTranslationSpec:
    """A lesson in another language: the same file name in the unit's `<code>/` folder.
    Only the words change; `minutes` defaults to the original's."""

    language: str
    title: str
    minutes: int | None
    content_note: str | None
    body: str
    body_line: int
    path: Path
    source_hash: str
    front_matter: YamlMap

    def line_of(self, key: str) -> int:
        return self.front_matter.line_of(key)


@dataclass
class UnitTranslationSpec:
    """A unit's title, content note and overview in another language (`<code>/unit.md`)."""

    language: str
    title: str
    content_note: str | None
    overview: str
    overview_line: int
    path: Path
    source_hash: str
    front_matter: YamlMap

    def line_of(self, key: str) -> int:
        return self.front_matter.line_of(key)


@dataclass
class TranslationFolder:
    """One `<unit folder>/<code>/` folder as read: its unit.md (if any) and lesson files."""

    language: str
    path: Path
    unit: UnitTranslationSpec | None = None
    lessons: list[LessonTranslationSpec] = field(default_factory=list)


@dataclass
class UnitSpec:
    code: str
    title: str
    level: str | None
    credits: int
    guided_learning_hours: int
    quiz: str | None
    content_note: str | None
    outcomes: list[OutcomeSpec]
    overview: str
    overview_line: int
    path: Path  # unit.md
    source_hash: str
    front_matter: YamlMap
    lessons: list[LessonSpec] = field(default_factory=list)
    # The language the unit is written in: its course's (set when the course is read).
    language: str = "en"
    translation_folders: list[TranslationFolder] = field(default_factory=list)

    @property
    def folder(self) -> Path:
        return self.path.parent

    def line_of(self, key: str) -> int:
        return self.front_matter.line_of(key)

    def translations(self) -> dict[str, UnitTranslationSpec]:
        """The unit.md of each translation folder that has one, by language."""
        return {f.language: f.unit for f in self.translation_folders if f.unit is not None}

    def criterion_numbers(self) -> set[str]:
        return {c.number for o in self.outcomes for c in o.criteria}


@dataclass
class GroupSpec:
    id: str
    title: str
    units: list[str]
    minimum_credits: int | None
    minimum_units: int | None
    line: int
    unit_lines: list[int] = field(default_factory=list)


@dataclass
class RulesSpec:
    minimum_credits: int
    minimum_credits_at_level: tuple[str, int] | None
    mandatory: list[str]
    optional_groups: list[GroupSpec]
    line: int
    mandatory_lines: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The stored form (Course.rules_of_combination), read by `lms.curriculum.rules`."""
        at_level = None
        if self.minimum_credits_at_level:
            level, credits = self.minimum_credits_at_level
            at_level = {"level": level, "credits": credits}
        return {
            "minimum_credits": self.minimum_credits,
            "minimum_credits_at_level": at_level,
            "mandatory": list(self.mandatory),
            "optional_groups": [
                {
                    "id": group.id,
                    "title": group.title,
                    "units": list(group.units),
                    "minimum_credits": group.minimum_credits,
                    "minimum_units": group.minimum_units,
                }
                for group in self.optional_groups
            ],
        }


@dataclass
class CourseSpec:
    code: str
    title: str
    kind: str
    level: str | None
    awarding_body: str | None
    version: int
    language: str
    summary: str
    unit_codes: list[str]
    unit_lines: list[int]
    rules: RulesSpec | None
    path: Path  # course.yaml
    source_hash: str
    manifest: YamlMap
    schema_version: int = SCHEMA_VERSION
    # Units found in this course's own units/ folder (a manifest may also list another's).
    own_units: list[UnitSpec] = field(default_factory=list)

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def is_qualification(self) -> bool:
        return self.kind == "qualification"

    def line_of(self, key: str) -> int:
        return self.manifest.line_of(key)


@dataclass
class QuizSpec:
    """What the curriculum needs to know of a quiz file. The file is read once: `node` is the
    YAML as read, for the quizzes capability's own check, which keeps what it made of it in
    `checked` so that a check followed by a sync reads it no more."""

    id: str
    unit: str | None
    criteria: list[str]
    criteria_lines: list[int]
    path: Path
    data: YamlMap
    node: Node | None = field(default=None, repr=False, compare=False)
    checked: Any = field(default=None, repr=False, compare=False)

    def line_of(self, key: str) -> int:
        return self.data.line_of(key)


@dataclass
class Catalogue:
    courses_path: Path
    assessments_path: Path | None
    courses: list[CourseSpec] = field(default_factory=list)
    quizzes: dict[str, QuizSpec] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # Unit folders whose unit.md could not be read: their code (from the folder name) is known.
    unreadable_unit_codes: set[str] = field(default_factory=set)
    # True when only one course folder was read (so other courses' quizzes are not judged).
    single_course: bool = False
    schema_version: int = SCHEMA_VERSION

    def units(self) -> list[UnitSpec]:
        return [unit for course in self.courses for unit in course.own_units]

    def units_by_code(self) -> dict[str, UnitSpec]:
        found: dict[str, UnitSpec] = {}
        for unit in self.units():
            found.setdefault(unit.code, unit)
        return found

    def units_of(self, course: CourseSpec) -> list[UnitSpec]:
        """The units a course lists, in its order (unknown codes left out)."""
        known = self.units_by_code()
        return [known[code] for code in course.unit_codes if code in known]

    def documents(self) -> dict[Path, tuple[UnitSpec, LessonSpec | None]]:
        """Every unit.md and lesson file by resolved path: what a relative link can reach."""
        found: dict[Path, tuple[UnitSpec, LessonSpec | None]] = {}
        for unit in self.units():
            found[unit.path.resolve()] = (unit, None)
            for lesson in unit.lessons:
                found[lesson.path.resolve()] = (unit, lesson)
            # A translation links to the files beside it (`02-next.md`) as its original does,
            # whether or not that lesson is translated yet: it leads to the same page.
            for folder in unit.translation_folders:
                found[(folder.path / "unit.md").resolve()] = (unit, None)
                for lesson in unit.lessons:
                    found[(folder.path / lesson.path.name).resolve()] = (unit, lesson)
        return found

    def add(self, path: Path, line: int, message: str) -> None:
        self.problems.append(Problem(path, line, message))


# --- reading fields ---------------------------------------------------------------------------


class _Fields:
    """Reads typed fields from a YAML mapping, recording a problem for each wrong one."""

    def __init__(
        self, data: YamlMap, path: Path, problems: list[Problem], known: set[str], what: str
    ):
        self.data, self.path, self.problems = data, path, problems
        for key in data:
            if key not in known:
                self._problem(
                    data.line_of(key),
                    f"unknown key '{key}' in {what} (expected one of: {', '.join(sorted(known))})",
                )

    def _problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def line(self, key: str) -> int:
        return self.data.line_of(key)

    def present(self, key: str) -> bool:
        return self.data.get(key) is not None

    def text(self, key: str, *, required: bool = True) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self._problem(self.data.line, f"'{key}' is missing")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self._problem(self.line(key), f"'{key}' must be text")
            return None
        value = str(value).strip()
        if required and not value:
            self._problem(self.line(key), f"'{key}' is empty")
            return None
        return value or None

    def integer(self, key: str, *, required: bool = True, minimum: int = 0) -> int | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self._problem(self.data.line, f"'{key}' is missing")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self._problem(self.line(key), f"'{key}' must be a whole number")
            return None
        if value < minimum:
            self._problem(self.line(key), f"'{key}' must be {minimum} or more")
            return None
        return value

    def level(self, key: str, *, required: bool) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self._problem(self.data.line, f"'{key}' is missing")
            return None
        text = str(value).strip().lower()
        if isinstance(value, bool) or text not in LEVELS:
            self._problem(
                self.line(key), f"'{key}' must be one of entry-1, entry-2, entry-3 or 1 to 8"
            )
            return None
        return text

    def code(self, key: str) -> str:
        value = self.text(key)
        if value is None:
            return ""
        if not CODE_PATTERN.match(value):
            self._problem(
                self.line(key),
                f"'{key}' must be letters, digits and hyphens (at most 40), not '{value}'",
            )
        return value

    def sequence(self, key: str, *, required: bool = False) -> YamlList:
        value = self.data.get(key)
        if value is None:
            if required:
                self._problem(self.data.line, f"'{key}' is missing")
            return YamlList()
        if not isinstance(value, YamlList):
            self._problem(self.line(key), f"'{key}' must be a list")
            return YamlList()
        return value

    def mapping(self, key: str) -> YamlMap | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, YamlMap):
            self._problem(self.line(key), f"'{key}' must be a set of 'key: value' lines")
            return None
        return value


def _codes(items: YamlList, path: Path, problems: list[Problem], what: str):
    codes, lines = [], []
    for index, item in enumerate(items):
        line = items.line_of(index)
        if isinstance(item, bool) or not isinstance(item, str | int) or not str(item).strip():
            problems.append(Problem(path, line, f"each entry of {what} must be a unit code"))
            continue
        codes.append(str(item).strip())
        lines.append(line)
    return codes, lines


# --- courses ----------------------------------------------------------------------------------

COURSE_KEYS = {
    "schema_version",
    "code",
    "title",
    "kind",
    "level",
    "awarding_body",
    "version",
    "language",
    "summary",
    "units",
    "rules_of_combination",
    # read by the practice capability (lms.practice.course_files)
    "practice",
}
RULES_KEYS = {"minimum_credits", "minimum_credits_at_level", "mandatory", "optional_groups"}
GROUP_KEYS = {"id", "title", "units", "minimum_credits", "minimum_units"}
AT_LEVEL_KEYS = {"level", "credits"}


def _read_rules(data: YamlMap, path: Path, problems: list[Problem], rules_line: int) -> RulesSpec:
    fields = _Fields(data, path, problems, RULES_KEYS, "rules_of_combination")
    minimum = fields.integer("minimum_credits", required=False) or 0
    at_level = None
    if (at := fields.mapping("minimum_credits_at_level")) is not None:
        level_fields = _Fields(at, path, problems, AT_LEVEL_KEYS, "minimum_credits_at_level")
        level = level_fields.level("level", required=True)
        credits = level_fields.integer("credits", minimum=1)
        if level is not None and credits is not None:
            at_level = (level, credits)
    mandatory, mandatory_lines = _codes(fields.sequence("mandatory"), path, problems, "'mandatory'")
    groups = []
    group_items = fields.sequence("optional_groups")
    for index, item in enumerate(group_items):
        line = group_items.line_of(index)
        if not isinstance(item, YamlMap):
            problems.append(Problem(path, line, "each optional group must have an id and units"))
            continue
        group_fields = _Fields(item, path, problems, GROUP_KEYS, "an optional group")
        group_id = group_fields.text("id") or f"group {index + 1}"
        units, unit_lines = _codes(
            group_fields.sequence("units", required=True), path, problems, "a group's 'units'"
        )
        min_credits = group_fields.integer("minimum_credits", required=False)
        min_units = group_fields.integer("minimum_units", required=False)
        if min_credits is None and min_units is None:
            problems.append(
                Problem(path, item.line, f"group {group_id} needs minimum_credits or minimum_units")
            )
        groups.append(
            GroupSpec(
                id=group_id,
                title=group_fields.text("title", required=False) or f"Group {group_id}",
                units=units,
                minimum_credits=min_credits,
                minimum_units=min_units,
                line=item.line,
                unit_lines=unit_lines,
            )
        )
    return RulesSpec(minimum, at_level, mandatory, groups, rules_line, mandatory_lines)


def read_course(path: Path, problems: list[Problem]) -> CourseSpec | None:
    raw = path.read_bytes()
    if (text := decode_text(raw, path, problems)) is None:
        return None
    data = parse_yaml(text, path, problems)
    if data is None:
        if not any(p.path == path for p in problems):
            problems.append(Problem(path, 1, "course.yaml is empty"))
        return None
    if not isinstance(data, YamlMap):
        problems.append(Problem(path, 1, "course.yaml must be a set of 'key: value' lines"))
        return None
    fields = _Fields(data, path, problems, COURSE_KEYS, "course.yaml")
    schema = fields.integer("schema_version", required=False, minimum=1) or SCHEMA_VERSION
    if schema not in SUPPORTED_SCHEMA_VERSIONS:
        problems.append(
            Problem(path, fields.line("schema_version"), f"schema_version {schema} is not known")
        )
    kind = fields.text("kind") or "qualification"
    if kind not in COURSE_KINDS:
        problems.append(
            Problem(path, fields.line("kind"), "'kind' must be qualification or short-course")
        )
    units, unit_lines = _codes(fields.sequence("units", required=True), path, problems, "'units'")
    rules = None
    if (rules_data := fields.mapping("rules_of_combination")) is not None:
        rules = _read_rules(rules_data, path, problems, fields.line("rules_of_combination"))
    return CourseSpec(
        code=fields.code("code"),
        title=fields.text("title") or "",
        kind=kind,
        level=fields.level("level", required=kind == "qualification"),
        awarding_body=fields.text("awarding_body", required=kind == "qualification"),
        version=fields.integer("version", required=False, minimum=1) or 1,
        language=fields.text("language", required=False) or "en",
        summary=fields.text("summary", required=False) or "",
        unit_codes=units,
        unit_lines=unit_lines,
        rules=rules,
        path=path,
        source_hash=sha256_hex(raw),
        manifest=data,
        schema_version=schema,
    )


# --- units and lessons ------------------------------------------------------------------------

UNIT_KEYS = {
    "code",
    "title",
    "level",
    "credits",
    "guided_learning_hours",
    "quiz",
    "content_note",
    "outcomes",
}
OUTCOME_KEYS = {"number", "text", "criteria"}
CRITERION_KEYS = {"number", "text"}
LESSON_KEYS = {"title", "minutes", "content_note"}


def _read_outcomes(items: YamlList, path: Path, problems: list[Problem]) -> list[OutcomeSpec]:
    outcomes = []
    for index, item in enumerate(items):
        line = items.line_of(index)
        if not isinstance(item, YamlMap):
            problems.append(Problem(path, line, "each outcome needs a number, text and criteria"))
            continue
        fields = _Fields(item, path, problems, OUTCOME_KEYS, "an outcome")
        number = fields.integer("number", minimum=1)
        outcome = OutcomeSpec(number or 0, fields.text("text") or "", item.line)
        criteria = fields.sequence("criteria")
        for c_index, c_item in enumerate(criteria):
            c_line = criteria.line_of(c_index)
            if not isinstance(c_item, YamlMap):
                problems.append(Problem(path, c_line, "each criterion needs a number and text"))
                continue
            c_fields = _Fields(c_item, path, problems, CRITERION_KEYS, "a criterion")
            c_number = c_fields.text("number") or ""
            if isinstance(c_item.get("number"), float):
                problems.append(
                    Problem(
                        path,
                        c_fields.line("number"),
                        f'write criterion numbers in quotes, like "{c_item["number"]}"',
                    )
                )
            outcome.criteria.append(
                CriterionSpec(c_number, c_fields.text("text") or "", c_item.line)
            )
        outcomes.append(outcome)
    return outcomes


def read_unit(path: Path, problems: list[Problem]) -> UnitSpec | None:
    raw = path.read_bytes()
    if (text := decode_text(raw, path, problems)) is None:
        return None
    document = parse_front_matter(text, path, problems)
    data = document.front_matter
    if data is None:
        return None
    fields = _Fields(data, path, problems, UNIT_KEYS, "a unit's front matter")
    return UnitSpec(
        code=fields.code("code"),
        title=fields.text("title") or "",
        level=fields.level("level", required=False),
        credits=fields.integer("credits") or 0,
        guided_learning_hours=fields.integer("guided_learning_hours", required=False) or 0,
        quiz=fields.text("quiz", required=False),
        content_note=fields.text("content_note", required=False),
        outcomes=_read_outcomes(fields.sequence("outcomes"), path, problems),
        overview=document.body,
        overview_line=document.body_line,
        path=path,
        source_hash=sha256_hex(raw),
        front_matter=data,
    )


def read_lesson(path: Path, problems: list[Problem]) -> LessonSpec | None:
    match = LESSON_FILE_PATTERN.match(path.name)
    assert match is not None
    raw = path.read_bytes()
    if (text := decode_text(raw, path, problems)) is None:
        return None
    document = parse_front_matter(text, path, problems)
    data = document.front_matter
    if data is None:
        return None
    fields = _Fields(data, path, problems, LESSON_KEYS, "a lesson's front matter")
    return LessonSpec(
        slug=match.group(2),
        number=int(match.group(1)),
        title=fields.text("title") or "",
        minutes=fields.integer("minutes", required=False, minimum=1),
        content_note=fields.text("content_note", required=False),
        body=document.body,
        body_line=document.body_line,
        path=path,
        source_hash=sha256_hex(raw),
    )


# A unit's subfolder named like a language (`ca`, `es`, `pt-br`) holds translations; any other
# subfolder (`images`) is left alone.
LANGUAGE_FOLDER_PATTERN = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?$")
UNIT_TRANSLATION_KEYS = UNIT_KEYS  # checked against the original by `lms.curriculum.checks`


def read_unit_translation(
    path: Path, language: str, problems: list[Problem]
) -> UnitTranslationSpec | None:
    raw = path.read_bytes()
    if (text := decode_text(raw, path, problems)) is None:
        return None
    document = parse_front_matter(text, path, problems)
    data = document.front_matter
    if data is None:
        return None
    fields = _Fields(data, path, problems, UNIT_TRANSLATION_KEYS, "a unit's front matter")
    return UnitTranslationSpec(
        language=language,
        title=fields.text("title") or "",
        content_note=fields.text("content_note", required=False),
        overview=document.body,
        overview_line=document.body_line,
        path=path,
        source_hash=sha256_hex(raw),
        front_matter=data,
    )


def read_lesson_translation(
    path: Path, language: str, problems: list[Problem]
) -> LessonTranslationSpec | None:
    raw = path.read_bytes()
    if (text := decode_text(raw, path, problems)) is None:
        return None
    document = parse_front_matter(text, path, problems)
    data = document.front_matter
    if data is None:
        return None
    fields = _Fields(data, path, problems, LESSON_KEYS, "a lesson's front matter")
    return LessonTranslationSpec(
        language=language,
        title=fields.text("title") or "",
        minutes=fields.integer("minutes", required=False, minimum=1),
        content_note=fields.text("content_note", required=False),
        body=document.body,
        body_line=document.body_line,
        path=path,
        source_hash=sha256_hex(raw),
        front_matter=data,
    )


def _read_translation_folder(folder: Path, problems: list[Problem]) -> TranslationFolder:
    found = TranslationFolder(language=folder.name, path=folder)
    for path in sorted(folder.glob("*.md")):
        if path.name == "unit.md":
            found.unit = read_unit_translation(path, folder.name, problems)
        elif not LESSON_FILE_PATTERN.match(path.name):
            problems.append(
                Problem(path, 1, "a translated lesson has the same file name as its original")
            )
        elif (lesson := read_lesson_translation(path, folder.name, problems)) is not None:
            found.lessons.append(lesson)
    return found


def _read_unit_folder(folder: Path, catalogue: Catalogue) -> UnitSpec | None:
    problems = catalogue.problems
    unit_file = folder / "unit.md"
    if not unit_file.is_file():
        problems.append(Problem(unit_file, 1, "this unit folder has no unit.md"))
        catalogue.unreadable_unit_codes.add(folder.name.split("-", 1)[0])
        return None
    unit = read_unit(unit_file, problems)
    if unit is None:
        catalogue.unreadable_unit_codes.add(folder.name.split("-", 1)[0])
        return None
    lessons: list[LessonSpec] = []
    for path in sorted(folder.glob("*.md")):
        if path.name == "unit.md":
            continue
        if not LESSON_FILE_PATTERN.match(path.name):
            problems.append(
                Problem(
                    path,
                    1,
                    "a lesson file is named like 01-lesson-name.md "
                    "(a number, a hyphen, then lowercase words joined by hyphens)",
                )
            )
            continue
        if (lesson := read_lesson(path, problems)) is not None:
            lessons.append(lesson)
    lessons.sort(key=lambda lesson: (lesson.number, lesson.path.name))
    for position, lesson in enumerate(lessons):
        lesson.position = position
    unit.lessons = lessons
    _read_translations(folder, unit, problems)
    return unit


def _read_translations(folder: Path, unit: UnitSpec, problems: list[Problem]) -> None:
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        if LANGUAGE_FOLDER_PATTERN.match(sub.name):
            unit.translation_folders.append(_read_translation_folder(sub, problems))
    by_name = {lesson.path.name: lesson for lesson in unit.lessons}
    for translation in unit.translation_folders:
        for translated in translation.lessons:
            if (original := by_name.get(translated.path.name)) is not None:
                original.translations[translation.language] = translated


def read_course_folder(folder: Path, catalogue: Catalogue) -> None:
    manifest = folder / "course.yaml"
    course = read_course(manifest, catalogue.problems)
    units_folder = folder / "units"
    units = []
    if units_folder.is_dir():
        for unit_folder in sorted(p for p in units_folder.iterdir() if p.is_dir()):
            if unit_folder.name.startswith("."):
                continue
            if (unit := _read_unit_folder(unit_folder, catalogue)) is not None:
                units.append(unit)
    if course is not None:
        course.own_units = units
        for unit in units:
            unit.language = course.language
        catalogue.courses.append(course)
    else:
        # The units are not checked until the manifest can be read, but other files may
        # still refer to them without being told they do not exist.
        catalogue.unreadable_unit_codes.update(unit.code for unit in units)


# --- quizzes ----------------------------------------------------------------------------------


def _read_quiz_yaml(path: Path, problems: list[Problem]) -> tuple[Any, Any]:
    known = len(problems)
    if (text := decode_text(path.read_bytes(), path, problems)) is None:
        return None, None
    node = compose_yaml(text, path, problems)
    if node is None:
        if len(problems) == known:
            problems.append(Problem(path, 1, "the file is empty"))
        return None, None
    return node, build_yaml(node, path, problems)


def read_quiz(path: Path, problems: list[Problem]) -> QuizSpec | None:
    node, data = _read_quiz_yaml(path, problems)
    if node is None:
        return None
    if not isinstance(data, YamlMap):
        if data is not None:
            problems.append(Problem(path, 1, "a quiz file must be a set of 'key: value' lines"))
        return None
    quiz_id = data.get("id")
    if not isinstance(quiz_id, str) or not quiz_id.strip():
        problems.append(Problem(path, data.line, "the quiz has no 'id'"))
        quiz_id = path.stem
    unit = data.get("unit")
    if unit is not None and (isinstance(unit, bool) or not isinstance(unit, str | int)):
        problems.append(Problem(path, data.line_of("unit"), "'unit' must be a unit code"))
        unit = None
    criteria, criteria_lines = [], []
    raw_criteria = data.get("criteria")
    if raw_criteria is not None:
        if isinstance(raw_criteria, YamlList):
            for index, item in enumerate(raw_criteria):
                criteria.append(str(item).strip())
                criteria_lines.append(raw_criteria.line_of(index))
        else:
            problems.append(
                Problem(path, data.line_of("criteria"), "'criteria' must be a list of numbers")
            )
    return QuizSpec(
        id=quiz_id.strip(),
        unit=None if unit is None else str(unit).strip(),
        criteria=criteria,
        criteria_lines=criteria_lines,
        path=path,
        data=data,
        node=node,
    )


def _read_quizzes(catalogue: Catalogue) -> None:
    folder = catalogue.assessments_path
    if folder is None or not folder.is_dir():
        return
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        quiz = read_quiz(path, catalogue.problems)
        if quiz is None:
            continue
        if quiz.id in catalogue.quizzes:
            other = catalogue.quizzes[quiz.id].path.name
            catalogue.add(path, quiz.line_of("id"), f"quiz id '{quiz.id}' is also used by {other}")
            continue
        catalogue.quizzes[quiz.id] = quiz


# --- the whole catalogue ----------------------------------------------------------------------


def load_catalogue(courses_path: Path, assessments_path: Path | None = None) -> Catalogue:
    """Read every course under `courses_path` (or the one course it holds) and every quiz
    under `assessments_path`. Problems found while reading are in `catalogue.problems`;
    run `lms.curriculum.checks.check_catalogue` for the rest."""
    courses_path = Path(courses_path)
    assessments_path = Path(assessments_path) if assessments_path else None
    catalogue = Catalogue(courses_path, assessments_path)
    if not courses_path.is_dir():
        catalogue.add(courses_path, 1, "there is no folder here")
        return catalogue
    if (courses_path / "course.yaml").is_file():
        catalogue.single_course = True
        read_course_folder(courses_path, catalogue)
    else:
        for folder in sorted(p for p in courses_path.iterdir() if p.is_dir()):
            if folder.name.startswith((".", "_")):
                continue
            if not (folder / "course.yaml").is_file():
                catalogue.add(folder / "course.yaml", 1, "this course folder has no course.yaml")
                continue
            read_course_folder(folder, catalogue)
    _read_quizzes(catalogue)
    return catalogue
