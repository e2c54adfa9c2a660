"""Who may learn, look at a trainee's learning and preview courses.

(The module is not called `rules.py` because `lms.curriculum.rules` is the qualification's
rules of combination.)

A trainee sees the courses she is enrolled on and only her own progress. Whoever may read the
learner (`lms.permissions.reads_learner`: staff of the enrolment's organisation, the
franchisor's administrators and IQAs, her cohort's assessors, an EQA given her records) may
look at her learning, read-only. Staff anywhere may preview course content. Enrolments are
always loaded through `scope_enrolments`, so one the person cannot see is a 404.
"""

from __future__ import annotations

from sqlalchemy import Select, select

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.curriculum.models import Enrolment
from lms.permissions import STAFF, reads_learner, rule, scope_learners, twin


@twin(
    "curriculum.enrolment.view",
    ids=lambda scope, user: scope(user, select(Enrolment.id)),
)
def scope_enrolments(user: User, statement: Select) -> Select:
    """Filter a SELECT involving `Enrolment` to the enrolments `user` may look at."""
    return statement.where(scope_learners(user))


@rule("curriculum.learn")
def _learn(user: User, _: None) -> bool:
    return Role.TRAINEE in user.roles


@rule("curriculum.enrolment.view")
def _view_enrolment(user: User, enrolment: Enrolment) -> bool:
    return reads_learner(user, enrolment)


@rule("curriculum.enrolment.progress")
def _record_progress(user: User, enrolment: Enrolment) -> bool:
    """Only the trainee herself moves her own progress on, while the enrolment is active."""
    return enrolment.user_id == user.id and enrolment.is_active


@rule("curriculum.preview")
def _preview_courses(user: User, _: None) -> bool:
    return any(role in STAFF for role in user.roles)


@rule("curriculum.asset.view")
def _view_course_asset(user: User, _: None) -> bool:
    return True  # any signed-in person; the address is the picture's SHA-256
