"""Practice hours in the cohort progress table: one column per trainee, two queries for the
whole cohort."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from lms.curriculum.models import Enrolment
from lms.franchise.progress import TraineeMeasure
from lms.practice.models import PracticeRequirement
from lms.practice.queries import hours, totals_for


def practice_hours(session: Session, enrolment_ids: Select) -> dict[int, str]:
    """{enrolment id: "12.5 of 20 hours, 2 of 3 supervisions"} for those with practice or a
    requirement."""
    totals = totals_for(session, enrolment_ids)
    required = dict(
        session.execute(
            select(Enrolment.id, PracticeRequirement)
            .join(PracticeRequirement, PracticeRequirement.course_id == Enrolment.course_id)
            .where(Enrolment.id.in_(enrolment_ids))
        ).all()
    )
    texts = {}
    for enrolment_id in set(totals) | set(required):
        done = totals.get(enrolment_id)
        requirement = required.get(enrolment_id)
        done_hours = f"{hours(done.minutes if done else 0):g}"
        text = (
            f"{done_hours} of {requirement.hours} hours" if requirement else f"{done_hours} hours"
        )
        supervisions = done.supervisions if done else 0
        if requirement and requirement.supervision_sessions:
            text += f", {supervisions} of {requirement.supervision_sessions} supervisions"
        elif supervisions:
            text += f", {supervisions} supervisions"
        texts[enrolment_id] = text
    return texts


PRACTICE_HOURS = TraineeMeasure(key="practice", label="Practice", load=practice_hours)
