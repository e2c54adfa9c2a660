"""Whether a trainee may work on a unit through the organisation she is enrolled with.

The curriculum does not know why a unit might not be offered: other capabilities say so by
answering the `unit_offered` hook in `lms.capabilities` (the franchise: a partner's licence
must cover the unit that day). Opening a unit's lessons, submitting the unit and judging it
all ask here, so they all agree.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from lms import capabilities
from lms.curriculum.models import Enrolment, Unit
from lms.errors import DomainError
from lms.i18n import _l

OfferCheck = Callable[[Session, Enrolment, Unit, date], bool]

NOT_OFFERED = _l("This unit is not part of your programme here \u2014 please ask your coordinator.")


class UnitNotOffered(DomainError):
    """The unit is not offered to the trainee here (now); the message is for whoever asked."""


def unit_offered(session: Session, enrolment: Enrolment, unit: Unit, today: date) -> bool:
    return all(
        check(session, enrolment, unit, today) for check in capabilities.hooks("unit_offered")
    )


def require_unit_offered(
    session: Session, enrolment: Enrolment, unit: Unit, today: date, message: str = NOT_OFFERED
) -> None:
    if not unit_offered(session, enrolment, unit, today):
        raise UnitNotOffered(str(message))
