"""The one rule every impact page, chart and export goes through: no figure from fewer than
five people.

A figure about a group is shown only when

1. at least `MINIMUM_GROUP` (five) people make it up, and
2. the rest of its parent group is either nobody or at least five people.

Groups nest: a cohort within its organisation, an organisation within its franchise (all the
franchise's partners together). The report offers only these groups, each for a whole survey
moment, and no other filter, so the only way to subtract one figure from another is a group
from its parent; rule 2 makes that subtraction always cover nobody or five people or more.
Two sibling groups cannot be subtracted either: one of them is their parent minus the other.
A figure that fails is not shown, charted or exported: it says "fewer than five people".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MINIMUM_GROUP = 5
SUPPRESSED = "fewer than five people"


def may_show(people: int, parent_people: int | None = None) -> bool:
    """Whether a figure from `people` people may be shown, given that its parent group's
    same figure comes from `parent_people` (None: the group has no parent)."""
    if people < MINIMUM_GROUP:
        return False
    if parent_people is None:
        return True
    rest = parent_people - people
    return rest == 0 or rest >= MINIMUM_GROUP


@dataclass(frozen=True)
class Figure:
    """A value fit to show, or nothing (`value` is None) with the reason."""

    value: Any
    people: int
    shown: bool

    @property
    def text(self) -> str:
        if not self.shown:
            return SUPPRESSED
        if isinstance(self.value, float):
            return f"{self.value:.1f}"
        return str(self.value)

    @property
    def export_value(self) -> Any:
        return self.value if self.shown else SUPPRESSED


def guard(value: Any, people: int, parent_people: int | None = None) -> Figure:
    """`value` as a figure that is shown only when `may_show` allows it; otherwise nothing of
    it (not even how many people) leaves this function."""
    if may_show(people, parent_people):
        return Figure(value, people, True)
    return Figure(None, 0, False)
