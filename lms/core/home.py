"""The home page is a set of sections, one per thing a person's roles need.

Each capability registers a function that returns the sections it offers a given person; the
home page shows them in registration order. A capability with nothing for that person
returns an empty list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    description: str = ""


@dataclass
class Section:
    title: str
    links: list[Link] = field(default_factory=list)
    intro: str = ""


SectionProvider = Callable[[object], list[Section]]
_providers: list[tuple[int, SectionProvider]] = []


def home_sections(order: int = 50):
    """Register a provider; lower `order` comes first (learning 10, staff work 30, admin 70,
    the person's own account 90)."""

    def register(provider: SectionProvider) -> SectionProvider:
        _providers.append((order, provider))
        return provider

    return register


def sections_for(user) -> list[Section]:
    sections: list[Section] = []
    for _, provider in sorted(_providers, key=lambda pair: pair[0]):
        sections.extend(provider(user))
    return sections
