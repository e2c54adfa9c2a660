"""Whether a unit is "in use": once evidence, decisions or results point at its criteria, the
unit must not be rewritten, and a changed unit becomes a new version instead.

Other capabilities say what "in use" means for them (the portfolio: evidence or decisions
point at the unit's criteria) by answering the `unit_in_use` hook in `lms.capabilities`.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from lms import capabilities
from lms.curriculum.models import Unit

UsageCheck = Callable[[Session, Unit], bool]


def unit_in_use(session: Session, unit: Unit) -> bool:
    return any(check(session, unit) for check in capabilities.hooks("unit_in_use"))
