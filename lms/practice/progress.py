"""Practice hours in the cohort progress table: one column per trainee, one statement for a
page of trainees."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from lms.curriculum.models import Enrolment
from lms.franchise.progress import TraineeMeasure
from lms.i18n import _, format_decimal, format_number, ngettext
from lms.practice.models import PracticeRequirement
from lms.practice.queries import hours, minutes_logged, supervisions_attended


def N_(text: str) -> str:  # noqa: N802 - the usual name of a gettext no-op marker
    """Marks a column label for translation without translating it here: the table or export
    that shows it translates it when it is read (a label made at import has no reader yet)."""
    return text


@cache
def _practice_statement() -> Select:
    """Each enrolment's requirement (if its course has one) beside the minutes of practice
    logged and the supervisions attended, as her home page reads them for one course. Built
    once and bound to each page's ids: the column is on every cohort progress page."""
    return (
        select(
            Enrolment.id,
            PracticeRequirement.hours,
            PracticeRequirement.supervision_sessions,
            minutes_logged(Enrolment.id),
            supervisions_attended(Enrolment.id),
        )
        .outerjoin(PracticeRequirement, PracticeRequirement.course_id == Enrolment.course_id)
        .where(Enrolment.id.in_(bindparam("ids", expanding=True)))
    )


def practice_hours(session: Session, enrolment_ids: Sequence[int]) -> dict[int, str]:
    """{enrolment id: "12.5 of 20 hours, 2 of 3 supervisions"} for those with practice or a
    requirement: one statement."""
    found = session.execute(_practice_statement(), {"ids": list(enrolment_ids)})
    texts = {}
    for enrolment_id, required_hours, required_supervisions, minutes, supervisions in found:
        if required_hours is None and not minutes and not supervisions:
            continue
        done_hours = format_decimal(hours(int(minutes or 0)), "#,##0.#")
        parts = [
            _(
                "%(done)s of %(required)s hours",
                done=done_hours,
                required=format_number(required_hours),
            )
            if required_hours is not None
            else _("%(done)s hours", done=done_hours)
        ]
        if required_supervisions:
            parts.append(
                ngettext(
                    "%(done)s of %(num)d supervisions",
                    "%(done)s of %(num)d supervisions",
                    required_supervisions,
                    done=supervisions,
                )
            )
        elif supervisions:
            parts.append(ngettext("%(num)d supervision", "%(num)d supervisions", supervisions))
        texts[enrolment_id] = ", ".join(parts)
    return texts


PRACTICE_HOURS = TraineeMeasure(key="practice", label=N_("Practice"), load=practice_hours)
