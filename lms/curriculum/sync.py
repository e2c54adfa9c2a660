"""Loading a checked catalogue into the database: `courses sync`.

- Keyed by content hash: an unchanged file changes nothing, so a second run reports that
  nothing changed; an edited lesson is rendered again and updated in place.
- A unit whose level, credits, outcomes or criteria change while it is in use (see
  `lms.curriculum.usage`) gets a new version: the old `Unit` row and its criteria stay, so
  evidence and decisions keep pointing at what they were judged against. The course and the
  lessons move to the new version, so enrolments and progress carry on.
- The caller owns the transaction: everything is flushed and committed once, or not at all.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from lms import capabilities
from lms.content import Problem
from lms.curriculum.checks import check_catalogue
from lms.curriculum.format import (
    Catalogue,
    CourseSpec,
    LessonSpec,
    LessonTranslationSpec,
    UnitSpec,
    UnitTranslationSpec,
    sha256_hex,
)
from lms.curriculum.markdown import (
    ASSET_URL_PREFIX,
    RENDERER_VERSION,
    RenderContext,
    labels_in,
    render,
    scan,
    scheme_of,
    sniff_image,
    split_target,
)
from lms.curriculum.models import (
    AssessmentCriterion,
    Course,
    CourseAsset,
    CourseKind,
    CourseUnit,
    LearningOutcome,
    Lesson,
    LessonTranslation,
    Unit,
    UnitTranslation,
)
from lms.curriculum.usage import unit_in_use
from lms.db import utcnow
from lms.errors import DomainError

ACTIONS = ("created", "updated", "versioned", "removed", "unchanged")
KINDS = ("courses", "units", "lessons")


class SyncRefused(DomainError):
    """The files have problems; nothing was loaded."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"The course files have {len(problems)} problems; nothing was loaded.")
        self.problems = problems


@dataclass
class SyncReport:
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: dict.fromkeys(ACTIONS, 0))
    )
    details: list[str] = field(default_factory=list)

    def note(self, kind: str, action: str, detail: str | None = None) -> None:
        self.counts[kind][action] += 1
        if detail and action != "unchanged":
            self.details.append(detail)

    @property
    def changed(self) -> bool:
        return any(
            actions[action]
            for actions in self.counts.values()
            for action in ACTIONS
            if action != "unchanged"
        )

    def lines(self) -> list[str]:
        lines = list(self.details)
        for kind in (*KINDS, *(kind for kind in self.counts if kind not in KINDS)):
            actions = self.counts[kind]
            done = [f"{actions[action]} {action}" for action in ACTIONS if actions[action]]
            lines.append(f"{kind.capitalize()}: {', '.join(done) or 'none'}.")
        lines.append(
            "Everything was already up to date: nothing changed."
            if not self.changed
            else "The curriculum in the database now matches the files."
        )
        return lines


# --- hashes -----------------------------------------------------------------------------------


def _image_paths(source: Path, body: str, first_line: int) -> list[Path]:
    references, _ = scan(body, first_line)
    paths = []
    for reference in references:
        if reference.kind == "image" and scheme_of(reference.target) is None:
            file_part, _ = split_target(reference.target)
            if file_part:
                paths.append((source.parent / file_part).resolve())
    return paths


def _content_hash(source_hash: str, source: Path, body: str, first_line: int) -> str:
    images = [sha256_hex(path.read_bytes()) for path in _image_paths(source, body, first_line)]
    return sha256_hex(RENDERER_VERSION, source_hash, *images)


def structure_hash(spec: UnitSpec) -> str:
    """What assessment depends on: a change here versions a unit that is in use."""
    structure = {
        "level": spec.level,
        "credits": spec.credits,
        "outcomes": [
            [o.number, o.text, [[c.number, c.text] for c in o.criteria]] for o in spec.outcomes
        ],
    }
    return sha256_hex(json.dumps(structure, sort_keys=True))


def unit_content_hash(spec: UnitSpec) -> str:
    return _content_hash(spec.source_hash, spec.path, spec.overview, spec.overview_line)


def lesson_content_hash(spec: LessonSpec | LessonTranslationSpec) -> str:
    return _content_hash(spec.source_hash, spec.path, spec.body, spec.body_line)


def unit_translation_hash(spec: UnitTranslationSpec) -> str:
    digest = _content_hash(spec.source_hash, spec.path, spec.overview, spec.overview_line)
    return sha256_hex(digest, labels_in(spec.language))


def lesson_translation_hash(spec: LessonTranslationSpec) -> str:
    return sha256_hex(lesson_content_hash(spec), labels_in(spec.language))


# --- rendering with the catalogue's links and the stored assets -------------------------------


class _Renderer:
    def __init__(self, session: Session, catalogue: Catalogue):
        self.session = session
        self.documents = catalogue.documents()
        self.known_assets: set[str] = set()

    def image_for(self, path: Path) -> str | None:
        if not path.is_file():
            return None
        data = path.read_bytes()
        content_type = sniff_image(data)
        if content_type is None:
            return None
        digest = sha256_hex(data)
        if digest not in self.known_assets:
            with self.session.no_autoflush:  # rows being filled in are not ready yet
                exists = self.session.scalar(
                    select(CourseAsset.id).where(CourseAsset.sha256 == digest)
                )
            if exists is None:
                self.session.add(
                    CourseAsset(sha256=digest, content_type=content_type, size=len(data), data=data)
                )
            self.known_assets.add(digest)
        return ASSET_URL_PREFIX + digest

    def _link(self, source_unit: UnitSpec, in_lesson: bool, path: Path, fragment: str):
        target = self.documents.get(path)
        if target is None:
            return None
        unit, lesson = target
        suffix = f"#{fragment}" if fragment else ""
        if in_lesson:
            if lesson is not None and unit is source_unit:
                return lesson.slug + suffix
            if lesson is not None:
                return f"../../{unit.code}/lessons/{lesson.slug}{suffix}"
            return f"../../{unit.code}{suffix}"
        if lesson is not None:
            return f"{unit.code}/lessons/{lesson.slug}{suffix}"
        return unit.code + suffix

    def render(
        self,
        unit: UnitSpec,
        source: Path,
        body: str,
        *,
        in_lesson: bool,
        language: str | None = None,
    ) -> str:
        """`body` as safe HTML, with the labels it gets (callouts, "On this page") in
        `language`, the language it is written in (by default the unit's)."""
        context = RenderContext(
            source=source,
            link_for=lambda path, fragment: self._link(unit, in_lesson, path, fragment),
            image_for=self.image_for,
        )
        return render(body, context, with_toc=in_lesson, language=language or unit.language)


# --- units ------------------------------------------------------------------------------------


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def _set_unit_content(unit: Unit, spec: UnitSpec, renderer: _Renderer, folder: str) -> None:
    unit.title = spec.title
    unit.guided_learning_hours = spec.guided_learning_hours
    unit.content_note = spec.content_note
    unit.quiz_ref = spec.quiz
    unit.language = spec.language
    unit.folder = folder
    unit.overview_html = renderer.render(spec, spec.path, spec.overview, in_lesson=False)
    unit.content_hash = unit_content_hash(spec)
    unit.synced_at = utcnow()


def _set_unit_structure(session: Session, unit: Unit, spec: UnitSpec) -> None:
    """Make the unit's outcomes and criteria match the spec, keeping rows (and their ids)
    whose numbers are unchanged. Only for a new unit or one that is not in use."""
    unit.level = spec.level
    unit.credits = spec.credits
    unit.structure_hash = structure_hash(spec)
    wanted = {o_spec.number: o_spec for o_spec in spec.outcomes}
    for outcome in list(unit.outcomes):
        if outcome.number not in wanted:
            unit.outcomes.remove(outcome)  # its criteria go with it
    outcomes = {outcome.number: outcome for outcome in unit.outcomes}
    for position, o_spec in enumerate(spec.outcomes):
        outcome = outcomes.get(o_spec.number)
        if outcome is None:
            outcome = LearningOutcome(number=o_spec.number, criteria=[])
            unit.outcomes.append(outcome)
        outcome.text, outcome.position = o_spec.text, position
        # Criteria are numbered within their outcome ("2.1" is always outcome 2's).
        wanted_criteria = {c_spec.number: c_spec for c_spec in o_spec.criteria}
        for criterion in list(outcome.criteria):
            if criterion.number not in wanted_criteria:
                outcome.criteria.remove(criterion)
        criteria = {criterion.number: criterion for criterion in outcome.criteria}
        for c_position, c_spec in enumerate(o_spec.criteria):
            criterion = criteria.get(c_spec.number)
            if criterion is None:
                criterion = AssessmentCriterion(number=c_spec.number, unit=unit)
                outcome.criteria.append(criterion)
            criterion.text, criterion.position = c_spec.text, c_position


def _load_current_unit(session: Session, code: str) -> Unit | None:
    return session.scalar(
        select(Unit)
        .where(Unit.code == code, Unit.is_current.is_(True))
        .options(selectinload(Unit.outcomes).selectinload(LearningOutcome.criteria))
    )


def _new_unit(session: Session, spec: UnitSpec, version: int) -> Unit:
    unit = Unit(code=spec.code, version=version, is_current=True, outcomes=[], structure_hash="")
    session.add(unit)
    return unit


def sync_unit(
    session: Session, spec: UnitSpec, renderer: _Renderer, root: Path, report: SyncReport
) -> Unit:
    folder = _relative(spec.folder, root)
    current = _load_current_unit(session, spec.code)
    label = f"Unit {spec.code}"
    if current is None:
        latest = session.scalar(select(func.max(Unit.version)).where(Unit.code == spec.code))
        unit = _new_unit(session, spec, (latest or 0) + 1)
        _set_unit_structure(session, unit, spec)
        _set_unit_content(unit, spec, renderer, folder)
        session.flush()
        report.note("units", "created", f"{label}: added.")
    elif current.structure_hash != structure_hash(spec) and unit_in_use(session, current):
        current.is_current = False
        session.flush()  # one current version at a time
        unit = _new_unit(session, spec, current.version + 1)
        _set_unit_structure(session, unit, spec)
        _set_unit_content(unit, spec, renderer, folder)
        session.flush()
        for lesson in session.scalars(select(Lesson).where(Lesson.unit_id == current.id)):
            lesson.unit_id = unit.id
        for course_unit in session.scalars(
            select(CourseUnit).where(CourseUnit.unit_id == current.id)
        ):
            course_unit.unit_id = unit.id
        report.note(
            "units",
            "versioned",
            f"{label}: now version {unit.version}; version {current.version} is kept because "
            "work has been assessed against its criteria.",
        )
        for hook in capabilities.hooks("unit_versioned"):
            report.details.extend(f"{label}: {line}" for line in hook(session, current, unit))
    elif current.structure_hash != structure_hash(spec):
        unit = current
        _set_unit_structure(session, unit, spec)
        _set_unit_content(unit, spec, renderer, folder)
        report.note("units", "updated", f"{label}: outcomes, criteria or credits updated.")
    elif (current.content_hash, current.folder, current.language) != (
        unit_content_hash(spec),
        folder,
        spec.language,
    ):
        unit = current
        _set_unit_content(unit, spec, renderer, folder)
        report.note("units", "updated", f"{label}: updated.")
    else:
        unit = current
        report.note("units", "unchanged")
    session.flush()
    _sync_lessons(session, unit, spec, renderer, report)
    _sync_translations(session, unit, spec, renderer, report)
    return unit


def _sync_lessons(
    session: Session, unit: Unit, spec: UnitSpec, renderer: _Renderer, report: SyncReport
) -> None:
    existing = {
        lesson.slug: lesson
        for lesson in session.scalars(select(Lesson).where(Lesson.unit_id == unit.id))
    }
    for l_spec in spec.lessons:
        digest = lesson_content_hash(l_spec)
        lesson = existing.pop(l_spec.slug, None)
        label = f"Lesson {spec.code}/{l_spec.slug}"
        if lesson is None:
            lesson = Lesson(unit_id=unit.id, slug=l_spec.slug)
            session.add(lesson)
            action = "created"
        elif lesson.content_hash != digest:
            action = "updated"
        elif lesson.position != l_spec.position:
            lesson.position = l_spec.position
            report.note("lessons", "updated", f"{label}: moved.")
            continue
        else:
            report.note("lessons", "unchanged")
            continue
        lesson.position = l_spec.position
        lesson.title = l_spec.title
        lesson.minutes = l_spec.minutes
        lesson.content_note = l_spec.content_note
        lesson.html = renderer.render(spec, l_spec.path, l_spec.body, in_lesson=True)
        lesson.content_hash = digest
        lesson.synced_at = utcnow()
        # New lessons are counted, not listed: a first sync would list every one.
        report.note("lessons", action, None if action == "created" else f"{label}: updated.")
    for slug, lesson in existing.items():
        session.delete(lesson)
        report.note("lessons", "removed", f"Lesson {spec.code}/{slug}: removed.")
    session.flush()


# --- translations -----------------------------------------------------------------------------


def _sync_unit_translations(
    session: Session, unit: Unit, spec: UnitSpec, renderer: _Renderer, report: SyncReport
) -> None:
    existing = {
        row.language: row
        for row in session.scalars(
            select(UnitTranslation).where(UnitTranslation.unit_id == unit.id)
        )
    }
    for language, t_spec in sorted(spec.translations().items()):
        digest = unit_translation_hash(t_spec)
        row = existing.pop(language, None)
        label = f"Unit {spec.code} in '{language}'"
        if row is not None and row.content_hash == digest:
            report.note("translations", "unchanged")
            continue
        action = "created" if row is None else "updated"
        if row is None:
            row = UnitTranslation(unit_id=unit.id, language=language)
            session.add(row)
        row.title, row.content_note = t_spec.title, t_spec.content_note
        row.overview_html = renderer.render(
            spec, t_spec.path, t_spec.overview, in_lesson=False, language=language
        )
        row.content_hash, row.synced_at = digest, utcnow()
        report.note("translations", action, None if action == "created" else f"{label}: updated.")
    for language, row in existing.items():
        session.delete(row)
        report.note("translations", "removed", f"Unit {spec.code} in '{language}': removed.")


def _sync_lesson_translations(
    session: Session, unit: Unit, spec: UnitSpec, renderer: _Renderer, report: SyncReport
) -> None:
    lessons = {
        lesson.slug: lesson.id
        for lesson in session.scalars(select(Lesson).where(Lesson.unit_id == unit.id))
    }
    existing = {
        (row.lesson_id, row.language): row
        for row in session.scalars(
            select(LessonTranslation).where(LessonTranslation.lesson_id.in_(lessons.values()))
        )
    }
    for l_spec in spec.lessons:
        lesson_id = lessons[l_spec.slug]
        for language, t_spec in sorted(l_spec.translations.items()):
            digest = lesson_translation_hash(t_spec)
            row = existing.pop((lesson_id, language), None)
            if row is not None and row.content_hash == digest:
                report.note("translations", "unchanged")
                continue
            action = "created" if row is None else "updated"
            if row is None:
                row = LessonTranslation(lesson_id=lesson_id, language=language)
                session.add(row)
            row.title, row.content_note = t_spec.title, t_spec.content_note
            row.html = renderer.render(
                spec, t_spec.path, t_spec.body, in_lesson=True, language=language
            )
            row.content_hash, row.synced_at = digest, utcnow()
            label = f"Lesson {spec.code}/{l_spec.slug} in '{language}'"
            report.note(
                "translations", action, None if action == "created" else f"{label}: updated."
            )
    slugs = {lesson_id: slug for slug, lesson_id in lessons.items()}
    for (lesson_id, language), row in existing.items():
        session.delete(row)
        label = f"Lesson {spec.code}/{slugs[lesson_id]} in '{language}'"
        report.note("translations", "removed", f"{label}: removed.")


def _sync_translations(
    session: Session, unit: Unit, spec: UnitSpec, renderer: _Renderer, report: SyncReport
) -> None:
    """Each translation is rendered and sanitised like its original, and updated only when its
    file (or a picture it shows) changed; a translation whose file is gone is removed."""
    _sync_unit_translations(session, unit, spec, renderer, report)
    _sync_lesson_translations(session, unit, spec, renderer, report)
    session.flush()


# --- courses ----------------------------------------------------------------------------------


def _placements(spec: CourseSpec) -> dict[str, tuple[int, bool, str | None]]:
    mandatory = set(spec.rules.mandatory) if spec.rules else set()
    groups = {}
    if spec.rules:
        for group in spec.rules.optional_groups:
            for code in group.units:
                groups.setdefault(code, group.id)
    return {
        code: (position, code in mandatory, groups.get(code))
        for position, code in enumerate(spec.unit_codes)
    }


def sync_course(
    session: Session, spec: CourseSpec, unit_ids: dict[str, int], root: Path, report: SyncReport
) -> Course:
    course = session.scalar(
        select(Course)
        .where(Course.code == spec.code)
        .options(selectinload(Course.course_units).selectinload(CourseUnit.unit))
    )
    folder = _relative(spec.folder, root)
    created = course is None
    if course is None:
        course = Course(code=spec.code, course_units=[])
        session.add(course)
    changed = created or course.content_hash != spec.source_hash or course.folder != folder
    if changed:
        course.title = spec.title
        course.kind = CourseKind(spec.kind)
        course.level = spec.level
        course.awarding_body = spec.awarding_body
        course.version = spec.version
        course.language = spec.language
        course.summary = spec.summary
        course.rules_of_combination = spec.rules.to_dict() if spec.rules else None
        course.folder = folder
        course.content_hash = spec.source_hash
    session.flush()
    wanted = _placements(spec)
    for course_unit in list(course.course_units):
        code = course_unit.unit.code
        if code not in wanted:
            course.course_units.remove(course_unit)
            changed = True
            continue
        position, mandatory, group = wanted.pop(code)
        values = (unit_ids[code], position, mandatory, group)
        current = (
            course_unit.unit_id,
            course_unit.position,
            course_unit.mandatory,
            course_unit.group_id,
        )
        if values != current:
            course_unit.unit_id, course_unit.position = unit_ids[code], position
            course_unit.mandatory, course_unit.group_id = mandatory, group
            changed = True
    for code, (position, mandatory, group) in wanted.items():
        course.course_units.append(
            CourseUnit(
                unit_id=unit_ids[code], position=position, mandatory=mandatory, group_id=group
            )
        )
        changed = True
    if changed:
        course.synced_at = utcnow()
    action = "created" if created else "updated" if changed else "unchanged"
    report.note("courses", action, f"Course {spec.code}: {'added' if created else 'updated'}.")
    session.flush()
    return course


# --- everything -------------------------------------------------------------------------------


# Capabilities' `sync_steps` (see `lms.capabilities`) run after the courses are loaded, in the
# same transaction: the quizzes capability loads the quiz files this way.
SyncStep = Callable[[Session, Catalogue, SyncReport], None]


def sync_catalogue(session: Session, catalogue: Catalogue) -> SyncReport:
    """Load a catalogue into the database. Refuses (changing nothing) if it has problems.
    Flushes; the caller commits, or rolls back on any error."""
    problems = check_catalogue(catalogue)
    if problems:
        raise SyncRefused(problems)
    report = SyncReport()
    renderer = _Renderer(session, catalogue)
    root = catalogue.courses_path
    unit_ids = {}
    for spec in catalogue.units():
        unit_ids[spec.code] = sync_unit(session, spec, renderer, root, report).id
    for course in catalogue.courses:
        sync_course(session, course, unit_ids, root, report)
    for step in capabilities.contributions("sync_steps"):
        step(session, catalogue, report)
    session.flush()
    return report
