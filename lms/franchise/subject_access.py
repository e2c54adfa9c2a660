"""What the franchise holds about a person: the invitations to a course sent to her address or
answered by her (`subject_access`)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.franchise.models import EnrolmentInvitation
from lms.privacy.records import Files, columns, table


def invitation_information(session: Session, user: User) -> Files:
    invitations = session.scalars(
        select(EnrolmentInvitation)
        .where(or_(EnrolmentInvitation.user_id == user.id, EnrolmentInvitation.email == user.email))
        .order_by(EnrolmentInvitation.id)
    )
    return table("learning/invitations", [columns(i) for i in invitations])
