"""Quiz results in the cohort progress table: one query for the whole cohort."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from lms.curriculum.models import Unit
from lms.franchise.progress import UnitMeasure
from lms.i18n import _, _l, format_number, ngettext
from lms.quizzes.models import Quiz, QuizAttempt


def quiz_results(
    session: Session, enrolment_ids: Select | Sequence[int], unit_ids: Sequence[int]
) -> dict[tuple[int, int], str]:
    """{(enrolment id, unit id): "Passed, 85%" | "Not passed yet (2 tries, best 60%)"}."""
    rows = session.execute(
        select(
            QuizAttempt.enrolment_id,
            Unit.id,
            func.max(case((QuizAttempt.passed.is_(True), 1), else_=0)),
            func.max(QuizAttempt.score_percent),
            func.count(QuizAttempt.id),
        )
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .join(Unit, Unit.code == Quiz.unit_code)
        .where(
            QuizAttempt.enrolment_id.in_(enrolment_ids),
            QuizAttempt.submitted_at.is_not(None),
            Unit.id.in_(unit_ids),
        )
        .group_by(QuizAttempt.enrolment_id, Unit.id)
    )
    results = {}
    for enrolment_id, unit_id, passed, best, tries in rows:
        best_text = (
            _("%(score)s%%", score=format_number(int(best)))
            if best is not None
            else _("not graded")
        )
        if passed:
            results[(enrolment_id, unit_id)] = _("Passed, best %(score)s", score=best_text)
        else:
            results[(enrolment_id, unit_id)] = ngettext(
                "Not passed yet (%(num)d try, best %(score)s)",
                "Not passed yet (%(num)d tries, best %(score)s)",
                tries,
                score=best_text,
            )
    return results


QUIZ_RESULTS = UnitMeasure(key="quiz", label=_l("Quiz results"), load=quiz_results)
