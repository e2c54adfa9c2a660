"""The one rule every impact page, chart and export goes through: no figure from fewer than
five people.

A figure about a group is shown only when

1. at least `MINIMUM_GROUP` (five) people make it up, and
2. the rest of its parent group is either nobody or at least five people, and
3. (secondary suppression) the sibling groups hidden under rules 1 and 2 together hold either
   nobody or at least five people: when they hold one to four, the smallest shown sibling is
   hidden too, and so on, since the parent's figure minus every shown sibling's is the hidden
   ones' figure.

Groups nest: a cohort within its organisation, an organisation within its franchise (all the
franchise's partners together). The report offers only these groups, each for a whole survey
moment, and no other filter (no dates, no free choice of people), so the only sums anyone can
subtract are a parent and some of its groups; the rules make every such difference cover
nobody or five people or more. A figure that fails is not shown, charted or exported: it says
"fewer than five people".

What these rules do not cover: comparing the same report on two days. When one more person
answers between two visits, the two figures differ by her answer alone; the report shows
averages to one decimal place, which blurs but does not hide that.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from lms.i18n import _l, format_decimal, format_number

MINIMUM_GROUP = 5
SUPPRESSED = _l("fewer than five people")


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
            return str(SUPPRESSED)
        if isinstance(self.value, float):
            return format_decimal(self.value, "#,##0.0")
        if isinstance(self.value, int):
            return format_number(self.value)
        return str(self.value)

    @property
    def export_value(self) -> Any:
        return self.value if self.shown else str(SUPPRESSED)


def guard(value: Any, people: int, parent_people: int | None = None) -> Figure:
    """`value` as a figure that is shown only when `may_show` allows it; otherwise nothing of
    it (not even how many people) leaves this function."""
    if may_show(people, parent_people):
        return Figure(value, people, True)
    return Figure(None, 0, False)


def shown_among(siblings: Mapping[Hashable, int]) -> set[Hashable]:
    """Which of a parent's groups (key -> people) may show the same figure: rules 1 to 3. The
    parent's people are all the groups' together."""
    total = sum(siblings.values())
    shown = {key for key, people in siblings.items() if may_show(people, total)}
    hidden = sum(people for key, people in siblings.items() if key not in shown)
    while 0 < hidden < MINIMUM_GROUP and shown:
        smallest = min(shown, key=lambda key: (siblings[key], str(key)))
        shown.discard(smallest)
        hidden += siblings[smallest]
    return shown


def guard_among(
    value: Any, key: Hashable, siblings: Mapping[Hashable, int] | None, people: int
) -> Figure:
    """`value`, a figure of `people` people in the group `key` among `siblings` (None: a group
    with no parent, such as a whole franchise, where only rule 1 applies)."""
    if siblings is None:
        return guard(value, people)
    if key in shown_among({**siblings, key: people}):
        return Figure(value, people, True)
    return Figure(None, 0, False)
