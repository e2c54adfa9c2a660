"""Rules of combination: which achieved units make a qualification. One pure function.

The rules are the stored form written by `courses sync` (see `RulesSpec.to_dict`):

    {"minimum_credits": 17,
     "minimum_credits_at_level": {"level": "3", "credits": 15} | None,
     "mandatory": ["RM301", ...],
     "optional_groups": [{"id": "B", "title": "Optional units", "units": [...],
                          "minimum_credits": 3 | None, "minimum_units": None | 2}]}

Every requirement is "at least", so achieving another unit can never undo a met rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lms.curriculum.format import level_label, level_rank
from lms.i18n import _, format_list, ngettext


@dataclass(frozen=True)
class AchievedUnit:
    code: str
    credits: int
    level: str | None = None


@dataclass(frozen=True)
class GroupProgress:
    id: str
    title: str
    credits: int
    units: int
    minimum_credits: int | None
    minimum_units: int | None

    @property
    def met(self) -> bool:
        return (self.minimum_credits is None or self.credits >= self.minimum_credits) and (
            self.minimum_units is None or self.units >= self.minimum_units
        )


@dataclass(frozen=True)
class RulesResult:
    met: bool
    credits: int
    credits_at_level: int | None
    still_needed: list[str] = field(default_factory=list)
    groups: list[GroupProgress] = field(default_factory=list)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def evaluate(rules: Mapping[str, Any] | None, achieved: Iterable[AchievedUnit]) -> RulesResult:
    """Whether `achieved` units meet `rules`, the credits so far, and in plain words what is
    still needed (mandatory units first, then groups, then totals)."""
    units = {unit.code: unit for unit in achieved}
    rules = rules or {}
    credits = sum(unit.credits for unit in units.values())
    needed: list[str] = []

    for code in rules.get("mandatory") or []:
        if code not in units:
            needed.append(f"Unit {code} (mandatory)")

    groups = []
    for group in rules.get("optional_groups") or []:
        in_group = [units[code] for code in group.get("units", []) if code in units]
        progress = GroupProgress(
            id=str(group.get("id", "")),
            title=str(group.get("title") or f"Group {group.get('id', '')}"),
            credits=sum(unit.credits for unit in in_group),
            units=len(in_group),
            minimum_credits=group.get("minimum_credits"),
            minimum_units=group.get("minimum_units"),
        )
        groups.append(progress)
        if progress.minimum_credits is not None and progress.credits < progress.minimum_credits:
            missing = progress.minimum_credits - progress.credits
            needed.append(f"{_plural(missing, 'more optional credit')}, from group {progress.id}")
        if progress.minimum_units is not None and progress.units < progress.minimum_units:
            missing = progress.minimum_units - progress.units
            needed.append(f"{_plural(missing, 'more optional unit')}, from group {progress.id}")

    credits_at_level = None
    if at_level := rules.get("minimum_credits_at_level"):
        level, required = str(at_level["level"]), int(at_level["credits"])
        credits_at_level = sum(
            unit.credits for unit in units.values() if level_rank(unit.level) >= level_rank(level)
        )
        if credits_at_level < required:
            missing = required - credits_at_level
            needed.append(
                f"{_plural(missing, 'more credit')} at {level_label(level).lower()} or above"
            )

    minimum = int(rules.get("minimum_credits") or 0)
    if credits < minimum:
        needed.append(f"{_plural(minimum - credits, 'more credit')} in total")

    return RulesResult(
        met=not needed,
        credits=credits,
        credits_at_level=credits_at_level,
        still_needed=needed,
        groups=groups,
    )


def describe(rules: Mapping[str, Any] | None) -> list[str]:
    """The rules in plain sentences, for the course page."""
    if not rules:
        return []
    sentences = []
    if mandatory := rules.get("mandatory"):
        sentences.append(f"Complete every mandatory unit: {', '.join(mandatory)}.")
    for group in rules.get("optional_groups") or []:
        amounts = []
        if group.get("minimum_credits"):
            amounts.append(_plural(group["minimum_credits"], "credit"))
        if group.get("minimum_units"):
            amounts.append(_plural(group["minimum_units"], "unit"))
        title = group.get("title") or f"group {group.get('id')}"
        sentences.append(
            f"From {title} (group {group.get('id')}), achieve at least "
            f"{' and '.join(amounts)}: choose from {', '.join(group.get('units', []))}."
        )
    if at_level := rules.get("minimum_credits_at_level"):
        sentences.append(
            f"At least {_plural(int(at_level['credits']), 'credit')} must come from units at "
            f"{level_label(str(at_level['level'])).lower()} or above."
        )
    if minimum := rules.get("minimum_credits"):
        sentences.append(f"Achieve at least {_plural(int(minimum), 'credit')} in total.")
    return sentences


def explain(rules: Mapping[str, Any] | None) -> list[str]:
    """`describe`, in the reader's language, for the course page. (`describe` stays in English:
    it goes into credentials, which read alike for everybody.)"""
    if not rules:
        return []
    sentences = []
    if mandatory := rules.get("mandatory"):
        sentences.append(_("Complete every mandatory unit: %(units)s.", units=", ".join(mandatory)))
    for group in rules.get("optional_groups") or []:
        amounts = []
        if group.get("minimum_credits"):
            amounts.append(_credits(int(group["minimum_credits"])))
        if group.get("minimum_units"):
            count = int(group["minimum_units"])
            amounts.append(ngettext("%(num)d unit", "%(num)d units", count))
        sentences.append(
            _(
                "From %(title)s (group %(group)s), achieve at least %(amount)s: choose from "
                "%(units)s.",
                title=group.get("title") or group.get("id"),
                group=group.get("id"),
                amount=format_list(amounts),
                units=", ".join(group.get("units", [])),
            )
        )
    if at_level := rules.get("minimum_credits_at_level"):
        level = str(at_level["level"])
        sentences.append(
            _(
                "At least %(credits)s must come from units at entry level %(level)s or above.",
                credits=_credits(int(at_level["credits"])),
                level=level.removeprefix("entry-"),
            )
            if level.startswith("entry-")
            else _(
                "At least %(credits)s must come from units at level %(level)s or above.",
                credits=_credits(int(at_level["credits"])),
                level=level,
            )
        )
    if minimum := rules.get("minimum_credits"):
        sentences.append(
            _("Achieve at least %(credits)s in total.", credits=_credits(int(minimum)))
        )
    return sentences


def _credits(count: int) -> str:
    return ngettext("%(num)d credit", "%(num)d credits", count)
