"""Who may answer surveys, hand out mentee feedback links and read the impact report.

- A trainee answers her own surveys, sees her own "journey", and makes, prints, fills in from
  paper and closes her own mentee feedback links; nobody else touches them.
- The impact report of a partner or a cohort is for those who run the partner's training (its
  coordinators and the franchisor's administrators); the franchise-wide report is for the
  franchisor's administrators. Every figure in them goes through
  `lms.practice.surveys.disclosure` (no figure from fewer than five people).
- Free-text answers are read only by coordinators of the organisation where they were given:
  they run the training and act on what trainees and mentees say. Not by the franchisor's
  administrators (who see figures across partners), nor by assessors and IQAs (a trainee's
  candid evaluation must not sit beside the judgement of her work), and never in an export.
"""

from __future__ import annotations

from sqlalchemy import Select, select

from lms.accounts.models import Organisation, User, memberships_of
from lms.accounts.roles import Role
from lms.curriculum.models import Cohort, Enrolment
from lms.franchise.rules import coordinates
from lms.permissions import has_role, organisation_ids_where, rule, twin
from lms.practice.surveys.models import MenteeLink


@rule("survey.answer")
def _answer(user: User, enrolment: Enrolment) -> bool:
    return (
        enrolment.user_id == user.id
        and enrolment.is_active
        and Role.TRAINEE in user.roles_in(enrolment.organisation_id)
    )


@twin("mentee_link.manage")
def mentee_link_ids(user: User) -> Select:
    """The trainee's own links (her list of links), in organisations where she is a trainee."""
    trainee_of = [m.organisation_id for m in memberships_of(user) if m.role == Role.TRAINEE]
    return select(MenteeLink.id).where(
        MenteeLink.trainee_id == user.id, MenteeLink.organisation_id.in_(trainee_of)
    )


@rule("mentee_link.manage")
def _manage_link(user: User, link: MenteeLink) -> bool:
    return link.trainee_id == user.id and Role.TRAINEE in user.roles_in(link.organisation_id)


@twin("impact.view")
def impact_organisation_ids(user: User) -> Select:
    """Organisations whose impact report `user` may read: partners she coordinates, and the
    franchisor she administers with all its partners."""
    return organisation_ids_where(user, [Role.COORDINATOR])


@rule("impact.view")
def _view_impact(user: User, organisation: Organisation) -> bool:
    return coordinates(user, organisation)


@rule("impact.view_cohort")
def _view_cohort_impact(user: User, cohort: Cohort) -> bool:
    """Needs `cohort.organisation` loaded."""
    return coordinates(user, cohort.organisation)


@rule("impact.read_comments")
def _read_comments(user: User, organisation: Organisation) -> bool:
    return not organisation.is_franchisor and has_role(user, organisation.id, Role.COORDINATOR)
