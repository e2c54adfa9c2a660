"""Sections other capabilities add to a unit page (the quiz, the portfolio status…).

Capabilities list their providers as `unit_panels` in `lms.capabilities`; each is named and
placed with `@unit_panel(name, order)` and returns a `Panel` (a template under templates/ and
its context) or None. A later capability's provider of the same name replaces an earlier
one's, so the quizzes capability takes over the "quiz" panel that names the quiz until
quizzes can be taken. Providers must keep to a fixed number of queries per page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from lms import capabilities
from lms.accounts.models import User
from lms.curriculum.models import Enrolment, Unit
from lms.i18n import _


@dataclass
class Panel:
    title: str
    template: str
    context: dict = field(default_factory=dict)


PanelProvider = Callable[[Session, User, Unit, Enrolment | None], Panel | None]


def unit_panel(name: str, order: int = 50):
    def place(provider: PanelProvider) -> PanelProvider:
        provider.panel_name, provider.panel_order = name, order
        return provider

    return place


def providers() -> list[PanelProvider]:
    by_name = {p.panel_name: p for p in capabilities.contributions("unit_panels")}
    return sorted(by_name.values(), key=lambda provider: provider.panel_order)


def panels_for(
    session: Session, user: User, unit: Unit, enrolment: Enrolment | None
) -> list[Panel]:
    panels = []
    for provider in providers():
        if (panel := provider(session, user, unit, enrolment)) is not None:
            panels.append(panel)
    return panels


@unit_panel("quiz", order=20)
def quiz_named(session: Session, user: User, unit: Unit, enrolment: Enrolment | None):
    if not unit.quiz_ref:
        return None
    return Panel(_("Knowledge check"), "curriculum/_quiz_panel.html", {"quiz_ref": unit.quiz_ref})
