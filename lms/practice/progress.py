"""Practice hours in the cohort progress table: one column per trainee, two queries for the
whole cohort."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from lms.curriculum.models import Enrolment
from lms.franchise.progress import TraineeMeasure
from lms.i18n import _, format_decimal, format_number, ngettext
from lms.practice.models import PracticeRequirement
from lms.practice.queries import hours, totals_for


def N_(text: str) -> str:  # noqa: N802 - the usual name of a gettext no-op marker
    """Marks a column label for translation without translating it here: the table or export
    that shows it translates it when it is read (a label made at import has no reader yet)."""
    return text


def practice_hours(session: Session, enrolment_ids: Select | Sequence[int]) -> dict[int, str]:
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
        done_hours = format_decimal(hours(done.minutes if done else 0), "#,##0.#")
        parts = [
            _(
                "%(done)s of %(required)s hours",
                done=done_hours,
                required=format_number(requirement.hours),
            )
            if requirement
            else _("%(done)s hours", done=done_hours)
        ]
        supervisions = done.supervisions if done else 0
        if requirement and requirement.supervision_sessions:
            parts.append(
                ngettext(
                    "%(done)s of %(num)d supervisions",
                    "%(done)s of %(num)d supervisions",
                    requirement.supervision_sessions,
                    done=supervisions,
                )
            )
        elif supervisions:
            parts.append(ngettext("%(num)d supervision", "%(num)d supervisions", supervisions))
        texts[enrolment_id] = ", ".join(parts)
    return texts


PRACTICE_HOURS = TraineeMeasure(key="practice", label=N_("Practice"), load=practice_hours)
