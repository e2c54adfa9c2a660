"""Figures one capability hands to another's report, with how many people each comes from, so
the report can suppress any figure drawn from too few people to keep them anonymous."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ImpactFigure:
    label: str
    value: int | float
    # Distinct people the figure is drawn from: a report shows no figure from fewer than its
    # minimum group size (five), and says why instead.
    people: int
    unit: str = ""
