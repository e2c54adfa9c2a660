"""Quiz results in the cohort progress table: one statement for a page of trainees."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from sqlalchemy import Select, bindparam, case, func, select
from sqlalchemy.orm import Session

from lms.curriculum.models import Unit
from lms.franchise.progress import UnitMeasure
from lms.i18n import _, _l, format_number, ngettext
from lms.quizzes.models import Quiz, QuizAttempt


@cache
def _attempts_statement() -> Select:
    # Built once and bound to each page's ids: asked for every page of a cohort's progress.
    # By the units' codes, so that the attempts are found from the trainees' side: joined to
    # the units instead, SQLite looked up every trainee once for every unit. Each group's
    # unit is then named by a subquery on its code.
    unit_ids = bindparam("unit_ids", expanding=True)
    return (
        select(
            QuizAttempt.enrolment_id,
            select(Unit.id)
            .where(Unit.code == Quiz.unit_code, Unit.id.in_(unit_ids))
            .scalar_subquery(),
            func.max(case((QuizAttempt.passed.is_(True), 1), else_=0)),
            func.max(QuizAttempt.score_percent),
            func.count(QuizAttempt.id),
        )
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .where(
            QuizAttempt.enrolment_id.in_(bindparam("enrolment_ids", expanding=True)),
            QuizAttempt.submitted_at.is_not(None),
            Quiz.unit_code.in_(select(Unit.code).where(Unit.id.in_(unit_ids))),
        )
        .group_by(QuizAttempt.enrolment_id, Quiz.unit_code)
    )


def quiz_results(
    session: Session, enrolment_ids: Sequence[int], unit_ids: Sequence[int]
) -> dict[tuple[int, int], str]:
    """{(enrolment id, unit id): "Passed, 85%" | "Not passed yet (2 tries, best 60%)"}: one
    statement."""
    statement = _attempts_statement()
    params = {"unit_ids": list(unit_ids), "enrolment_ids": list(enrolment_ids)}
    results = {}
    # A page of a hundred trainees has a few dozen different results: each written once.
    written: dict[tuple, str] = {}
    for enrolment_id, unit_id, passed, best, tries in session.execute(statement, params):
        facts = (bool(passed), best, tries)
        if (text := written.get(facts)) is None:
            text = written[facts] = _result_text(*facts)
        results[(enrolment_id, unit_id)] = text
    return results


def _result_text(passed: bool, best, tries: int) -> str:
    best_text = (
        _("%(score)s%%", score=format_number(int(best))) if best is not None else _("not graded")
    )
    if passed:
        return _("Passed, best %(score)s", score=best_text)
    return ngettext(
        "Not passed yet (%(num)d try, best %(score)s)",
        "Not passed yet (%(num)d tries, best %(score)s)",
        tries,
        score=best_text,
    )


QUIZ_RESULTS = UnitMeasure(key="quiz", label=_l("Quiz results"), load=quiz_results)
