"""Practice requirements in course files: the `practice` block of a qualification's
`course.yaml` (see courses/README.md), checked by `courses check` and stored by `courses sync`.

```yaml
practice:
  hours: 20                    # practice hours logged before the award
  supervision_sessions: 3      # supervision sessions attended before the award
  journal_prompts:             # optional: prompts the journal offers besides Gibbs' cycle
    - key: boundaries
      title: A moment when a boundary mattered
      headings: [What happened, What I did, What I would do next time]
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.content import Problem, YamlList, YamlMap
from lms.curriculum.format import Catalogue, CourseSpec
from lms.curriculum.models import Course
from lms.curriculum.sync import SyncReport

PRACTICE_KEYS = {"hours", "supervision_sessions", "journal_prompts"}
PROMPT_KEYS = {"key", "title", "headings"}
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
MAX_HOURS = 2000


@dataclass
class PracticeSpec:
    hours: int = 0
    supervision_sessions: int = 0
    prompts: list[dict] = field(default_factory=list)


def _whole_number(block: YamlMap, key: str, course: CourseSpec, problems: list[Problem]) -> int:
    value = block.get(key)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_HOURS:
        problems.append(
            Problem(
                course.path,
                block.line_of(key),
                f"practice '{key}' must be a whole number from 0 to {MAX_HOURS}",
            )
        )
        return 0
    return value


def _prompt(item, line: int, course: CourseSpec, seen: set, problems: list[Problem]):
    if not isinstance(item, YamlMap):
        problems.append(Problem(course.path, line, "each journal prompt needs a key and a title"))
        return None
    for key in item:
        if key not in PROMPT_KEYS:
            problems.append(
                Problem(course.path, item.line_of(key), f"unknown key '{key}' in a journal prompt")
            )
    key, title, headings = item.get("key"), item.get("title"), item.get("headings")
    if not isinstance(key, str) or not KEY_PATTERN.match(key) or key == "gibbs":
        problems.append(
            Problem(
                course.path,
                line,
                "a journal prompt's 'key' must be lower-case letters, digits and hyphens "
                "(and not 'gibbs', which is built in)",
            )
        )
        return None
    if key in seen:
        problems.append(Problem(course.path, line, f"journal prompt '{key}' is listed twice"))
        return None
    seen.add(key)
    if not isinstance(title, str) or not title.strip():
        problems.append(Problem(course.path, line, f"journal prompt '{key}' needs a title"))
        return None
    if headings is None:
        headings = YamlList()
    if not isinstance(headings, YamlList) or not all(
        isinstance(h, str) and h.strip() for h in headings
    ):
        problems.append(
            Problem(course.path, line, f"journal prompt '{key}': 'headings' must be a list of text")
        )
        return None
    return {"key": key, "title": title.strip(), "headings": [h.strip() for h in headings]}


def read_practice(course: CourseSpec) -> tuple[PracticeSpec | None, list[Problem]]:
    """The course's practice block (None when it has none) and the problems in it."""
    problems: list[Problem] = []
    block = course.manifest.get("practice")
    if block is None:
        return None, problems
    if not isinstance(block, YamlMap):
        line = course.line_of("practice")
        return None, [Problem(course.path, line, "'practice' must be a set of 'key: value' lines")]
    for key in block:
        if key not in PRACTICE_KEYS:
            problems.append(
                Problem(
                    course.path,
                    block.line_of(key),
                    f"unknown key '{key}' in practice "
                    f"(expected one of: {', '.join(sorted(PRACTICE_KEYS))})",
                )
            )
    spec = PracticeSpec(
        hours=_whole_number(block, "hours", course, problems),
        supervision_sessions=_whole_number(block, "supervision_sessions", course, problems),
    )
    prompts = block.get("journal_prompts")
    if prompts is not None and not isinstance(prompts, YamlList):
        problems.append(
            Problem(course.path, block.line_of("journal_prompts"), "'journal_prompts' is a list")
        )
    elif prompts is not None:
        seen: set[str] = set()
        for index, item in enumerate(prompts):
            if (
                prompt := _prompt(item, prompts.line_of(index), course, seen, problems)
            ) is not None:
                spec.prompts.append(prompt)
    if not course.is_qualification and (spec.hours or spec.supervision_sessions):
        problems.append(
            Problem(
                course.path,
                course.line_of("practice"),
                "only a qualification can require practice hours or supervision sessions",
            )
        )
    return spec, problems


def practice_blocks(catalogue: Catalogue) -> Iterator[Problem]:
    """`courses check`: every problem in every course's practice block."""
    for course in catalogue.courses:
        yield from read_practice(course)[1]


def load_requirements(session: Session, catalogue: Catalogue, report: SyncReport) -> None:
    """`courses sync`: each course's practice requirement as its file says (none when the
    file has no practice block)."""
    from lms.practice.models import PracticeRequirement

    for spec in catalogue.courses:
        course = session.scalar(select(Course).where(Course.code == spec.code))
        if course is None:
            continue
        practice, _ = read_practice(spec)
        stored = session.get(PracticeRequirement, course.id)
        if practice is None:
            if stored is not None:
                session.delete(stored)
                report.note("practice", "removed", f"{spec.code}: no practice requirement now.")
            continue
        values = {
            "hours": practice.hours,
            "supervision_sessions": practice.supervision_sessions,
            "prompts": practice.prompts,
        }
        if stored is None:
            session.add(PracticeRequirement(course_id=course.id, **values))
            report.note("practice", "created", f"{spec.code}: practice requirement added.")
        elif any(getattr(stored, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(stored, key, value)
            report.note("practice", "updated", f"{spec.code}: practice requirement changed.")
        else:
            report.note("practice", "unchanged")
    session.flush()
