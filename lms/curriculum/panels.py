"""Sections other capabilities add to a unit page (the quiz, the portfolio status…).

A provider is registered under a name with `unit_panel(name, order)` and returns a `Panel`
(a template under templates/ and its context) or None. Registering a name again replaces the
provider, so the quizzes capability can take over the "quiz" panel that names the quiz until
quizzes can be taken. Providers must keep to a fixed number of queries per page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.curriculum.models import Enrolment, Unit


@dataclass
class Panel:
    title: str
    template: str
    context: dict = field(default_factory=dict)


PanelProvider = Callable[[Session, User, Unit, Enrolment | None], Panel | None]
_PANELS: dict[str, tuple[int, PanelProvider]] = {}


def unit_panel(name: str, order: int = 50):
    def register(provider: PanelProvider) -> PanelProvider:
        _PANELS[name] = (order, provider)
        return provider

    return register


def panels_for(
    session: Session, user: User, unit: Unit, enrolment: Enrolment | None
) -> list[Panel]:
    panels = []
    for _, provider in sorted(_PANELS.values(), key=lambda entry: entry[0]):
        if (panel := provider(session, user, unit, enrolment)) is not None:
            panels.append(panel)
    return panels


@unit_panel("quiz", order=20)
def _quiz_named(session: Session, user: User, unit: Unit, enrolment: Enrolment | None):
    if not unit.quiz_ref:
        return None
    return Panel("Knowledge check", "curriculum/_quiz_panel.html", {"quiz_ref": unit.quiz_ref})
