"""How the curriculum's qualifications and units read as Open Badges achievements."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from lms.accreditation import openbadges
from lms.accreditation.issuing import IssuingContext
from lms.curriculum.models import Course, LearningOutcome, Unit
from lms.curriculum.rules import describe

FIELD_OF_STUDY = "Peer mentoring"


def _outcome_alignments(
    context: IssuingContext, unit: Unit, outcomes: Iterable[LearningOutcome], framework: str
) -> list[openbadges.Alignment]:
    url = context.achievement_url(unit.code, unit.version)
    return [
        openbadges.Alignment(
            target_name=outcome.text,
            target_url=f"{url}#outcome-{outcome.number}",
            target_code=f"{unit.code}/{outcome.number}",
            target_description=f"Learning outcome {outcome.number} of {unit.code} {unit.title}",
            target_framework=framework,
        )
        for outcome in outcomes
    ]


def _level(level: str | None) -> str | None:
    if level and level.startswith("entry-"):
        return f"Entry {level.removeprefix('entry-')}"
    return level


def unit_achievement(
    context: IssuingContext, unit: Unit, outcomes: Iterable[LearningOutcome], course: Course
) -> openbadges.Achievement:
    outcomes = list(outcomes)
    return openbadges.Achievement(
        id=context.achievement_url(unit.code, unit.version),
        name=f"{unit.code} {unit.title}",
        description=(
            f"A unit of the {course.title}: level {_level(unit.level) or 'not set'}, "
            f"{unit.credits} credits, {unit.guided_learning_hours} guided learning hours."
        ),
        criteria=(
            "Every assessment criterion of the unit met by valid evidence, judged by a "
            "qualified assessor and quality assured by an internal quality assurer."
        ),
        achievement_type=openbadges.UNIT,
        code=unit.code,
        level=_level(unit.level),
        credits=unit.credits,
        field_of_study=FIELD_OF_STUDY,
        version=str(unit.version),
        alignments=tuple(_outcome_alignments(context, unit, outcomes, course.title)),
    )


def qualification_achievement(
    context: IssuingContext,
    course: Course,
    units: Iterable[Unit],
    outcomes_by_unit: Mapping[int, list[LearningOutcome]],
) -> openbadges.Achievement:
    alignments: list[openbadges.Alignment] = []
    for unit in units:
        alignments += _outcome_alignments(
            context, unit, outcomes_by_unit.get(unit.id, []), course.title
        )
    rules = course.rules_of_combination or {}
    return openbadges.Achievement(
        id=context.achievement_url(course.code, course.version),
        name=course.title,
        description=" ".join(course.summary.split()) or course.title,
        criteria=" ".join(describe(rules)) or "The qualification's rules of combination met.",
        achievement_type=openbadges.QUALIFICATION,
        code=course.code,
        level=_level(course.level),
        credits=int(rules.get("minimum_credits") or 0) or None,
        field_of_study=FIELD_OF_STUDY,
        version=str(course.version),
        alignments=tuple(alignments),
        tags=(course.awarding_body,) if course.awarding_body else (),
    )
