"""Checking the curriculum: a pipeline of small checks over a loaded `Catalogue`.

Each check is a function `check(catalogue) -> Iterable[Problem]`. This module's own checks
(`course_files`) and other capabilities' (the quizzes capability validates quiz files in
full) are listed as `content_checks` in `lms.capabilities`; `check_catalogue` runs them all
after the problems found while reading. Nothing here needs the application.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from lms import capabilities
from lms.content import Problem, YamlMap
from lms.curriculum.format import (
    Catalogue,
    CourseSpec,
    LessonSpec,
    LessonTranslationSpec,
    QuizSpec,
    TranslationFolder,
    UnitSpec,
    UnitTranslationSpec,
    load_catalogue,
)
from lms.curriculum.markdown import (
    CALLOUTS,
    MAX_IMAGE_BYTES,
    SAFE_LINK_SCHEMES,
    Construct,
    scan,
    scheme_of,
    sniff_image,
    split_target,
)
from lms.curriculum.rules import AchievedUnit, evaluate
from lms.i18n import LANGUAGE_CODES

Check = Callable[[Catalogue], Iterable[Problem]]
_COURSE_CHECKS: list[Check] = []


def _course_check(check: Check) -> Check:
    _COURSE_CHECKS.append(check)
    return check


def course_files(catalogue: Catalogue) -> Iterator[Problem]:
    """Every problem the curriculum's own checks find in the course files and quiz references."""
    for check in _COURSE_CHECKS:
        yield from check(catalogue)


def check_catalogue(catalogue: Catalogue) -> list[Problem]:
    """Every problem: those found while reading, then each check's, sorted by file and line."""
    problems = set(catalogue.problems)
    for check in capabilities.contributions("content_checks"):
        problems.update(check(catalogue))
    return sorted(problems, key=lambda p: (str(p.path), p.line, p.message))


def check_paths(courses_path: Path, assessments_path: Path | None) -> tuple[Catalogue, list]:
    catalogue = load_catalogue(courses_path, assessments_path)
    return catalogue, check_catalogue(catalogue)


def accredited_codes(catalogue: Catalogue) -> set[str]:
    """Units listed by a qualification (as opposed to only by short courses)."""
    return {
        code
        for course in catalogue.courses
        if course.is_qualification
        for code in course.unit_codes
    }


# --- codes and manifests ----------------------------------------------------------------------


@_course_check
def unique_codes(catalogue: Catalogue) -> Iterator[Problem]:
    courses: dict[str, CourseSpec] = {}
    for course in catalogue.courses:
        if course.code and course.code in courses:
            other = courses[course.code].path
            yield Problem(
                course.path,
                course.line_of("code"),
                f"course code {course.code} is also used by {other}",
            )
        courses.setdefault(course.code, course)
    units: dict[str, UnitSpec] = {}
    for unit in catalogue.units():
        if unit.code and unit.code in units:
            other = units[unit.code].path
            yield Problem(
                unit.path, unit.line_of("code"), f"unit code {unit.code} is also used by {other}"
            )
        units.setdefault(unit.code, unit)


@_course_check
def manifest_units(catalogue: Catalogue) -> Iterator[Problem]:
    known = set(catalogue.units_by_code()) | catalogue.unreadable_unit_codes
    listed: set[str] = set()
    for course in catalogue.courses:
        if not course.unit_codes and "units" in course.manifest:
            yield Problem(course.path, course.line_of("units"), "the course lists no units")
        seen: set[str] = set()
        for code, line in zip(course.unit_codes, course.unit_lines, strict=True):
            if code in seen:
                yield Problem(course.path, line, f"unit {code} is listed twice")
            seen.add(code)
            if code not in known and not catalogue.single_course:
                yield Problem(
                    course.path, line, f"unknown unit {code}: no unit folder has this code"
                )
            elif code not in known:
                yield Problem(
                    course.path,
                    line,
                    f"unknown unit {code}: it is not in this course's units folder",
                )
        listed |= seen
    for unit in catalogue.units():
        if unit.code and unit.code not in listed:
            yield Problem(
                unit.path,
                unit.line_of("code"),
                f"unit {unit.code} is not listed in any course.yaml",
            )


@_course_check
def unit_folder_names(catalogue: Catalogue) -> Iterator[Problem]:
    for unit in catalogue.units():
        name = unit.folder.name
        if unit.code and name != unit.code and not name.startswith(unit.code + "-"):
            yield Problem(
                unit.path,
                unit.line_of("code"),
                f"the unit folder '{name}' must start with the unit's code ({unit.code}-…)",
            )


# --- outcomes, criteria and credits -----------------------------------------------------------


@_course_check
def outcome_numbering(catalogue: Catalogue) -> Iterator[Problem]:
    accredited = accredited_codes(catalogue)
    for unit in catalogue.units():
        if unit.code in accredited and not unit.outcomes:
            yield Problem(
                unit.path,
                unit.front_matter.line,
                "a unit of a qualification needs learning outcomes",
            )
        for index, outcome in enumerate(unit.outcomes):
            expected = index + 1
            if outcome.number and outcome.number != expected:
                yield Problem(
                    unit.path,
                    outcome.line,
                    f"outcomes are numbered 1, 2, 3 … without gaps: expected {expected}, "
                    f"found {outcome.number}",
                )
            if not outcome.criteria:
                yield Problem(
                    unit.path, outcome.line, f"outcome {outcome.number} has no assessment criteria"
                )
            for c_index, criterion in enumerate(outcome.criteria):
                wanted = f"{outcome.number}.{c_index + 1}"
                if criterion.number and criterion.number != wanted:
                    yield Problem(
                        unit.path,
                        criterion.line,
                        f"criteria of outcome {outcome.number} are numbered "
                        f"{outcome.number}.1, {outcome.number}.2 … without gaps: "
                        f"expected {wanted}, found {criterion.number}",
                    )


@_course_check
def credits_and_hours(catalogue: Catalogue) -> Iterator[Problem]:
    accredited = accredited_codes(catalogue)
    for unit in catalogue.units():
        if unit.code not in accredited:
            continue
        if unit.level is None and "level" not in unit.front_matter:
            yield Problem(
                unit.path, unit.front_matter.line, "a unit of a qualification needs a level"
            )
        if "credits" in unit.front_matter and unit.credits < 1:
            yield Problem(
                unit.path,
                unit.line_of("credits"),
                "a unit of a qualification has at least 1 credit",
            )
        if "guided_learning_hours" not in unit.front_matter:
            yield Problem(unit.path, unit.front_matter.line, "'guided_learning_hours' is missing")
        elif unit.credits >= 1 and unit.guided_learning_hours > 10 * unit.credits:
            yield Problem(
                unit.path,
                unit.line_of("guided_learning_hours"),
                f"{unit.guided_learning_hours} guided learning hours is more than the "
                f"{10 * unit.credits} hours that {unit.credits} credits stand for",
            )


# --- rules of combination ---------------------------------------------------------------------


@_course_check
def rules_of_combination(catalogue: Catalogue) -> Iterator[Problem]:
    known = catalogue.units_by_code()
    for course in catalogue.courses:
        rules = course.rules
        if course.is_qualification and rules is None:
            yield Problem(
                course.path, course.manifest.line, "a qualification needs rules_of_combination"
            )
            continue
        if rules is None:
            continue
        if not course.is_qualification:
            yield Problem(
                course.path,
                course.line_of("rules_of_combination"),
                "only a qualification has rules_of_combination",
            )
        in_course = set(course.unit_codes)
        placed: dict[str, str] = {}
        named = [
            (code, line, "mandatory")
            for code, line in zip(rules.mandatory, rules.mandatory_lines, strict=True)
        ]
        for group in rules.optional_groups:
            named += [
                (code, line, f"group {group.id}")
                for code, line in zip(group.units, group.unit_lines, strict=True)
            ]
        for code, line, where in named:
            if code not in in_course:
                yield Problem(
                    course.path,
                    line,
                    f"the rules name unit {code}, which is not in this course's units",
                )
            if code in placed:
                yield Problem(course.path, line, f"unit {code} is both {placed[code]} and {where}")
            placed.setdefault(code, where)
        everything = [
            AchievedUnit(code, known[code].credits, known[code].level)
            for code in course.unit_codes
            if code in known
        ]
        result = evaluate(rules.to_dict(), everything)
        if not result.met:
            yield Problem(
                course.path,
                rules.line,
                "the rules of combination can never be met, even with every unit achieved: "
                "still needed " + "; ".join(result.still_needed),
            )


# --- Markdown: links, images, callouts, headings ----------------------------------------------


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def _image_problem(target: Path, root: Path) -> str | None:
    if not _inside(target, root):
        return "an image must be a file inside the courses folder"
    if not target.is_file():
        return f"the image {target.name} does not exist"
    if target.stat().st_size > MAX_IMAGE_BYTES:
        return f"the image {target.name} is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB"
    with target.open("rb") as handle:
        head = handle.read(16)
    if sniff_image(head) is None:
        return f"{target.name} is not a PNG, JPEG, GIF or WebP image"
    return None


def _markdown_problems(
    path: Path, body: str, first_line: int, catalogue: Catalogue, documents, *, lesson: bool
) -> Iterator[Problem]:
    root = catalogue.courses_path.resolve()
    references, constructs = scan(body, first_line)
    for reference in references:
        if reference.kind == "image":
            problem = _image_reference_problem(path, reference.target, root)
        else:
            problem = _link_problem(path, reference.target, documents)
        if problem:
            yield Problem(path, reference.line, problem)
    for construct in constructs:
        if problem := _construct_problem(construct, lesson=lesson):
            yield Problem(path, construct.line, problem)


def _image_reference_problem(path: Path, target: str, root: Path) -> str | None:
    if scheme_of(target) is not None:
        return f"images must be files beside the lesson, not web or data addresses ({target[:60]})"
    file_part, _ = split_target(target)
    return _image_problem((path.parent / file_part).resolve(), root)


def _link_problem(path: Path, target: str, documents) -> str | None:
    scheme = scheme_of(target)
    if scheme is not None:
        if scheme not in SAFE_LINK_SCHEMES:
            return f"links may only use http, https, mailto or tel addresses ({target[:60]})"
        return None
    file_part, _ = split_target(target)
    if not file_part:  # a link within the page
        return None
    resolved = (path.parent / file_part).resolve()
    if resolved in documents:
        return None
    if not resolved.exists():
        return f"broken link: {file_part} does not exist"
    return f"links can only point to lessons, units or web addresses, not {file_part}"


def _construct_problem(construct: Construct, *, lesson: bool) -> str | None:
    if construct.kind == "html":
        return f"raw HTML (<{construct.value}>) is not allowed; it would be shown as text"
    if construct.kind == "callout" and construct.value not in CALLOUTS:
        return f"unknown callout '{construct.value}' (use one of: {', '.join(CALLOUTS)})"
    if construct.kind == "heading" and len(construct.value) < 3:
        where = "a lesson" if lesson else "a unit overview"
        return f"use ### or smaller headings inside {where}; the title is the page's heading"
    return None


@_course_check
def markdown_content(catalogue: Catalogue) -> Iterator[Problem]:
    documents = catalogue.documents()
    for unit in catalogue.units():
        yield from _markdown_problems(
            unit.path, unit.overview, unit.overview_line, catalogue, documents, lesson=False
        )
        slugs: dict[str, Path] = {}
        for lesson in unit.lessons:
            if lesson.slug in slugs:
                yield Problem(
                    lesson.path,
                    1,
                    f"another lesson of this unit has the same name ({slugs[lesson.slug].name})",
                )
            slugs.setdefault(lesson.slug, lesson.path)
            yield from _markdown_problems(
                lesson.path, lesson.body, lesson.body_line, catalogue, documents, lesson=True
            )


# --- quizzes ----------------------------------------------------------------------------------


@_course_check
def quiz_references(catalogue: Catalogue) -> Iterator[Problem]:
    """Units and quizzes must name each other consistently, whichever side is read first."""
    for unit in catalogue.units():
        if unit.quiz is not None:
            yield from _unit_quiz_problems(catalogue, unit)
    units = catalogue.units_by_code()
    for quiz in catalogue.quizzes.values():
        yield from _quiz_unit_problems(catalogue, quiz, units)


def _unit_quiz_problems(catalogue: Catalogue, unit: UnitSpec) -> Iterator[Problem]:
    quiz = catalogue.quizzes.get(unit.quiz)
    if quiz is None:
        yield Problem(
            unit.path, unit.line_of("quiz"), f"there is no quiz '{unit.quiz}' in assessments/"
        )
    elif quiz.unit is not None and quiz.unit != unit.code:
        yield Problem(
            quiz.path,
            quiz.line_of("unit"),
            f"this quiz says it belongs to unit {quiz.unit}, but unit {unit.code} names it",
        )


def _quiz_unit_problems(
    catalogue: Catalogue, quiz: QuizSpec, units: dict[str, UnitSpec]
) -> Iterator[Problem]:
    if quiz.id != quiz.path.stem:
        yield Problem(
            quiz.path, quiz.line_of("id"), f"the quiz id '{quiz.id}' must match the file name"
        )
    if quiz.unit is None:
        yield Problem(quiz.path, quiz.data.line, "the quiz has no 'unit'")
        return
    unit = units.get(quiz.unit)
    if unit is None:
        # Checking one course alone, the unit may belong to a course not read; and a unit
        # that could not be read has had its own problem reported.
        if not catalogue.single_course and quiz.unit not in catalogue.unreadable_unit_codes:
            yield Problem(quiz.path, quiz.line_of("unit"), f"unknown unit {quiz.unit}")
        return
    numbers = unit.criterion_numbers()
    for number, line in zip(quiz.criteria, quiz.criteria_lines, strict=True):
        if number not in numbers:
            yield Problem(
                quiz.path,
                line,
                f"'{number}' is not an assessment criterion of unit {unit.code}",
            )


# --- languages and translations ---------------------------------------------------------------

# What a translation may repeat, and must then say exactly as the original does.
_UNIT_STRUCTURE_KEYS = ("code", "level", "credits", "guided_learning_hours", "quiz")


@_course_check
def course_languages(catalogue: Catalogue) -> Iterator[Problem]:
    for course in catalogue.courses:
        if course.language not in LANGUAGE_CODES:
            yield Problem(
                course.path,
                course.line_of("language") or course.manifest.line,
                f"the site does not know the language '{course.language}' "
                f"(use one of: {', '.join(LANGUAGE_CODES)})",
            )


def _folder_file(folder: TranslationFolder) -> Path:
    """The file a problem with a whole translation folder is reported on."""
    if folder.unit is not None:
        return folder.unit.path
    if folder.lessons:
        return folder.lessons[0].path
    return folder.path


def _same_value(original: YamlMap, translated: YamlMap, key: str) -> bool:
    return str(original.get(key)).strip() == str(translated.get(key)).strip()


def _note_problem(original: str | None, translated: str | None, what: str) -> str | None:
    if original and not translated:
        return (
            f"the original {what} has a content note, so its translation needs one too: "
            "every reader is told before she starts"
        )
    if translated and not original:
        return f"the original {what} has no content note; add it there first"
    return None


def _unit_translation_problems(unit: UnitSpec, spec: UnitTranslationSpec) -> Iterator[Problem]:
    for key in _UNIT_STRUCTURE_KEYS:
        if key in spec.front_matter and not _same_value(unit.front_matter, spec.front_matter, key):
            yield Problem(
                spec.path,
                spec.line_of(key),
                f"'{key}' is {spec.front_matter.get(key)} here but "
                f"{unit.front_matter.get(key)} in the original unit.md; a translation changes "
                "only the words (leave it out, or copy it exactly)",
            )
    if "outcomes" in spec.front_matter:
        yield Problem(
            spec.path,
            spec.line_of("outcomes"),
            "learning outcomes and criteria are not translated: they stay in the wording "
            "they are assessed in",
        )
    if problem := _note_problem(unit.content_note, spec.content_note, "unit"):
        yield Problem(spec.path, spec.line_of("content_note") or spec.front_matter.line, problem)


def _lesson_translation_problems(
    lesson: LessonSpec, spec: LessonTranslationSpec
) -> Iterator[Problem]:
    if spec.minutes is not None and spec.minutes != lesson.minutes:
        yield Problem(
            spec.path,
            spec.line_of("minutes"),
            f"'minutes' is {spec.minutes} here but {lesson.minutes} in the original; "
            "leave it out, or copy it exactly",
        )
    if problem := _note_problem(lesson.content_note, spec.content_note, "lesson"):
        yield Problem(spec.path, spec.line_of("content_note") or spec.front_matter.line, problem)


def _folder_problems(unit: UnitSpec, folder: TranslationFolder) -> Iterator[Problem]:
    if folder.language not in LANGUAGE_CODES:
        yield Problem(
            _folder_file(folder),
            1,
            f"the site does not know the language '{folder.language}' of the folder "
            f"{folder.path.name}/ (translations go in a folder named one of: "
            f"{', '.join(code for code in LANGUAGE_CODES if code != unit.language)})",
        )
        return
    if folder.language == unit.language:
        yield Problem(
            _folder_file(folder),
            1,
            f"this unit is written in '{unit.language}' already: the folder "
            f"{folder.path.name}/ cannot hold a translation into its own language",
        )
        return
    if folder.unit is not None:
        yield from _unit_translation_problems(unit, folder.unit)
    originals = {lesson.path.name: lesson for lesson in unit.lessons}
    for spec in folder.lessons:
        original = originals.get(spec.path.name)
        if original is None:
            yield Problem(
                spec.path,
                1,
                f"there is no lesson {spec.path.name} in {unit.folder.name}/ for this to "
                "translate (a translation has the same file name as its original)",
            )
        else:
            yield from _lesson_translation_problems(original, spec)


@_course_check
def translations(catalogue: Catalogue) -> Iterator[Problem]:
    documents = catalogue.documents()
    for unit in catalogue.units():
        for folder in unit.translation_folders:
            yield from _folder_problems(unit, folder)
            texts = [(t.path, t.body, t.body_line, True) for t in folder.lessons]
            if folder.unit is not None:
                u = folder.unit
                texts.append((u.path, u.overview, u.overview_line, False))
            for path, body, line, lesson in texts:
                yield from _markdown_problems(path, body, line, catalogue, documents, lesson=lesson)
