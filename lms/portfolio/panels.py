"""The portfolio's section on a unit's learning page: where the evidence stands, and a link."""

from __future__ import annotations

from flask import url_for
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.assessment.standing import unit_summary
from lms.curriculum.models import Enrolment, Unit
from lms.curriculum.panels import Panel, unit_panel
from lms.i18n import _
from lms.permissions import can


@unit_panel("portfolio", order=30)
def portfolio_panel(session: Session, user: User, unit: Unit, enrolment: Enrolment | None):
    if enrolment is None or not can(user, "portfolio.view", enrolment):
        return None
    summary = unit_summary(session, enrolment, unit)
    if summary is None:
        return None
    return Panel(
        _("Portfolio"),
        "portfolio/_unit_panel.html",
        {
            "summary": summary,
            "unit_id": unit.id,
            "url": url_for("portfolio.unit", enrolment_id=enrolment.id, unit_id=unit.id),
            "own": enrolment.user_id == user.id,
        },
    )
