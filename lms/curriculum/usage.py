"""Whether a unit is "in use": once evidence, decisions or results point at its criteria, the
unit must not be rewritten, and a changed unit becomes a new version instead.

Other capabilities register what "in use" means for them (the portfolio: evidence or decisions
point at the unit's criteria) with `register_usage_check`.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from lms.curriculum.models import Unit

UsageCheck = Callable[[Session, Unit], bool]
_USAGE_CHECKS: list[UsageCheck] = []


def register_usage_check(check: UsageCheck) -> UsageCheck:
    """Register `check(session, unit) -> bool`; usable as a decorator."""
    if check not in _USAGE_CHECKS:
        _USAGE_CHECKS.append(check)
    return check


def unregister_usage_check(check: UsageCheck) -> None:
    if check in _USAGE_CHECKS:
        _USAGE_CHECKS.remove(check)


def unit_in_use(session: Session, unit: Unit) -> bool:
    return any(check(session, unit) for check in _USAGE_CHECKS)
