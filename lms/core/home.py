"""The home page is a set of sections, one per thing a person's roles need.

Each capability lists, under `home_sections` in `lms.capabilities`, functions that return the
sections it offers a given person; `@home_sections(order=...)` places them on the page. A
capability with nothing for that person returns an empty list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lms import capabilities


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    description: str = ""


@dataclass
class Section:
    """A block of the home page: link cards, or, with `template`, a partial rendered with
    this section (as `section`, its figures and lists in `data`) for a person's daily work."""

    title: str
    links: list[Link] = field(default_factory=list)
    intro: str = ""
    template: str = ""
    data: Any = None
    # Figures for the person's day (a coordinator's practice or survey figures, say): shown
    # with the day's sections, before everything else.
    daily: bool = False


SectionProvider = Callable[[object], list[Section]]
DEFAULT_ORDER = 50


def home_sections(order: int = DEFAULT_ORDER):
    """Place a provider on the page: lower `order` comes first (learning 10, staff work 30,
    admin 70, the person's own account 90)."""

    def place(provider: SectionProvider) -> SectionProvider:
        provider.home_order = order
        return provider

    return place


def sections_for(user) -> list[Section]:
    providers = capabilities.contributions("home_sections")
    sections: list[Section] = []
    for provider in sorted(providers, key=lambda p: getattr(p, "home_order", DEFAULT_ORDER)):
        sections.extend(provider(user))
    return sections
