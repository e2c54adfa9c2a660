"""Quiz results in the cohort progress table: two queries for the whole cohort."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from sqlalchemy import BindParameter, Select, bindparam, case, func, select
from sqlalchemy.orm import Session

from lms.curriculum.models import Unit
from lms.franchise.progress import UnitMeasure
from lms.i18n import _, _l, format_number, ngettext
from lms.quizzes.models import Quiz, QuizAttempt


def _attempts_statement(enrolment_ids: Select | BindParameter) -> Select:
    return (
        select(
            QuizAttempt.enrolment_id,
            Quiz.unit_code,
            func.max(case((QuizAttempt.passed.is_(True), 1), else_=0)),
            func.max(QuizAttempt.score_percent),
            func.count(QuizAttempt.id),
        )
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .where(
            QuizAttempt.enrolment_id.in_(enrolment_ids),
            QuizAttempt.submitted_at.is_not(None),
            Quiz.unit_code.in_(bindparam("unit_codes", expanding=True)),
        )
        .group_by(QuizAttempt.enrolment_id, Quiz.unit_code)
    )


@cache
def _statements_by_ids() -> tuple[Select, Select]:
    # Built once and bound at each use: asked for every page of a cohort's progress.
    codes = select(Unit.code, Unit.id).where(Unit.id.in_(bindparam("unit_ids", expanding=True)))
    return codes, _attempts_statement(bindparam("enrolment_ids", expanding=True))


def quiz_results(
    session: Session, enrolment_ids: Select | Sequence[int], unit_ids: Sequence[int]
) -> dict[tuple[int, int], str]:
    """{(enrolment id, unit id): "Passed, 85%" | "Not passed yet (2 tries, best 60%)"}."""
    # By the units' codes, so that the attempts are found from the trainees' side: joined to
    # the units instead, SQLite looked up every trainee once for every unit.
    codes, by_ids = _statements_by_ids()
    unit_of_code = dict(session.execute(codes, {"unit_ids": list(unit_ids)}).all())
    params: dict = {"unit_codes": list(unit_of_code)}
    if isinstance(enrolment_ids, Select):
        statement = _attempts_statement(enrolment_ids)
    else:
        statement = by_ids
        params["enrolment_ids"] = list(enrolment_ids)
    rows = session.execute(statement, params)
    results = {}
    for enrolment_id, unit_code, passed, best, tries in rows:
        unit_id = unit_of_code[unit_code]
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
