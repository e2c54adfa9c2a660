"""Recording audit events. Plain functions: the caller's transaction decides when they land."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lms.audit.context import current_actor
from lms.audit.models import AuditEvent


def record(
    session: Session,
    action: str,
    *,
    actor_id: int | None = None,
    organisation_id: int | None = None,
    obj: Any = None,
    object_type: str | None = None,
    object_id: Any = None,
    ip_address: str | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event. `obj` may be any mapped object with an `id`.

    The actor and address default to whoever is acting now (see `lms.audit.context`).
    """
    actor = current_actor()
    actor_id = actor_id if actor_id is not None else actor.user_id
    ip_address = ip_address if ip_address is not None else actor.ip_address
    if obj is not None:
        object_type = object_type or type(obj).__name__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    event = AuditEvent(
        action=action,
        actor_id=actor_id,
        organisation_id=organisation_id,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        ip_address=ip_address,
        detail=detail,
    )
    session.add(event)
    return event
