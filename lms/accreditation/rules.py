"""Who may read learner records, award qualifications, download certificates and claim.

Whoever may read the learner (`lms.permissions.reads_learner`) may read her record and its PDF:
the trainee herself, staff of her organisation, the franchisor's administrators and IQAs, her
cohort's assessors, and an EQA only for the learners and the period she has been given. The
list of an organisation's records is for its staff, who may read every one of them.
Coordinators and the franchisor's administrators award, download and claim.
Targets carry their organisation loaded (`award.organisation`, `credential.organisation`,
`cohort.organisation`).
"""

from __future__ import annotations

from sqlalchemy import Select

from lms.accounts.models import Organisation, User
from lms.accounts.roles import Role
from lms.curriculum.models import Enrolment
from lms.permissions import (
    LEARNER_READERS,
    administers,
    has_role,
    learner_enrolment_ids,
    organisation_of,
    reads_learner,
    rule,
    twin,
)

RECORD_READERS = LEARNER_READERS
RECORD_LISTERS = (Role.COORDINATOR, Role.ASSESSOR, Role.IQA)


def _works_with(user: User, organisation: Organisation, *roles: Role) -> bool:
    return administers(user, organisation) or has_role(user, organisation.id, *roles)


@twin("accreditation.view_record")
def record_enrolment_ids(user: User) -> Select:
    """Enrolments whose learner record `user` may read (the query form of "view_record")."""
    return learner_enrolment_ids(user, RECORD_READERS)


@rule("accreditation.view_own")
def _view_own_achievements(user: User, _: None) -> bool:
    return True


@rule("accreditation.list_records")
def _list_records(user: User, organisation: Organisation) -> bool:
    return _works_with(user, organisation, *RECORD_LISTERS)


@rule("accreditation.view_record")
def _view_record(user: User, enrolment: Enrolment) -> bool:
    return reads_learner(user, enrolment, RECORD_READERS)


@rule("accreditation.award")
def _award(user: User, enrolment: Enrolment) -> bool:
    return _works_with(user, organisation_of(enrolment), Role.COORDINATOR)


@rule("accreditation.download_certificate")
def _download_certificate(user: User, award) -> bool:
    return award.user_id == user.id or _works_with(user, award.organisation, Role.COORDINATOR)


@rule("accreditation.download_credential")
def _download_credential(user: User, credential) -> bool:
    return credential.user_id == user.id or _works_with(
        user, credential.organisation, Role.COORDINATOR
    )


@rule("accreditation.revoke")
def _revoke(user: User, award) -> bool:
    """Only the franchisor's administrators withdraw an award."""
    return administers(user, award.organisation)


@rule("accreditation.download_cohort")
def _download_cohort(user: User, cohort) -> bool:
    return _works_with(user, cohort.organisation, Role.COORDINATOR)


@rule("accreditation.claim")
def _claim(user: User, organisation: Organisation) -> bool:
    return _works_with(user, organisation, Role.COORDINATOR)
