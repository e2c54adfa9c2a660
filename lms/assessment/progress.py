"""Portfolio and assessment status in coordinators' reports: columns of the cohort progress
table and figures on the franchisor's overview, each read in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from lms.assessment.models import Decision, IqaSample, SampleStatus
from lms.assessment.unit_status import UnitStatus, unit_standings
from lms.curriculum.models import AssessmentCriterion
from lms.db import utcnow
from lms.franchise.figures import PartnerMetric, Source
from lms.franchise.progress import UnitMeasure
from lms.i18n import _, format_percent, ngettext
from lms.portfolio.models import Evidence, EvidenceCriterion, Submission, SubmissionStatus


def N_(text: str) -> str:  # noqa: N802 - the usual name of a gettext no-op marker
    """Marks a column label for translation without translating it here: the table or export
    that shows it translates it when it is read (a label made at import has no reader yet)."""
    return text


def _days_since(moment: datetime, now: datetime) -> int:
    return max(0, (now - moment).days)


@cache
def _coverage_statements() -> tuple[Select, Select]:
    # Built once and bound to each page's ids: asked for every page of a cohort's progress.
    unit_ids = bindparam("unit_ids", expanding=True)
    criteria = (
        select(AssessmentCriterion.unit_id, func.count())
        .where(AssessmentCriterion.unit_id.in_(unit_ids))
        .group_by(AssessmentCriterion.unit_id)
    )
    covered = (
        select(
            Evidence.enrolment_id,
            AssessmentCriterion.unit_id,
            func.count(func.distinct(EvidenceCriterion.criterion_id)),
        )
        .join(EvidenceCriterion, EvidenceCriterion.evidence_id == Evidence.id)
        .join(AssessmentCriterion, AssessmentCriterion.id == EvidenceCriterion.criterion_id)
        .where(
            Evidence.enrolment_id.in_(bindparam("enrolment_ids", expanding=True)),
            AssessmentCriterion.unit_id.in_(unit_ids),
        )
        .group_by(Evidence.enrolment_id, AssessmentCriterion.unit_id)
    )
    return criteria, covered


def portfolio_coverage(
    session: Session, enrolment_ids: Sequence[int], unit_ids: Sequence[int]
) -> dict[tuple[int, int], str]:
    """{(enrolment, unit): "3 of 5 criteria have evidence"} for units with any evidence."""
    criteria, covered = _coverage_statements()
    params = {"unit_ids": list(unit_ids), "enrolment_ids": list(enrolment_ids)}
    totals = dict(session.execute(criteria, params).all())
    texts = {}
    written: dict[tuple[int, int], str] = {}  # each different text written once a page
    for enrolment_id, unit_id, count in session.execute(covered, params):
        facts = (count, totals.get(unit_id, count))
        if (text := written.get(facts)) is None:
            text = written[facts] = ngettext(
                "%(covered)s of %(num)d criteria have evidence",
                "%(covered)s of %(num)d criteria have evidence",
                facts[1],
                covered=count,
            )
        texts[(enrolment_id, unit_id)] = text
    return texts


def assessment_status(
    session: Session, enrolment_ids: Sequence[int], unit_ids: Sequence[int]
) -> dict[tuple[int, int], str]:
    """{(enrolment, unit): where the unit stands}, as the trainee's portfolio and the API say
    (achieved only when it is on her record), with its age while it waits for an assessor."""
    now = utcnow()
    texts = {}
    written: dict[tuple, str] = {}  # each different text written once a page
    for key, standing in unit_standings(session, enrolment_ids, unit_ids).items():
        days = None
        if standing.status == UnitStatus.WITH_ASSESSOR and standing.submitted_at is not None:
            days = _days_since(standing.submitted_at, now)
        if (text := written.get((standing.status, days))) is None:
            text = standing.status.label
            if days is not None:
                text += " " + ngettext("(%(num)d day)", "(%(num)d days)", days)
            written[(standing.status, days)] = text
        texts[key] = text
    return texts


def assessment_backlog(session: Session, organisation_ids: Sequence[int]) -> dict[int, str]:
    """{organisation: "4 waiting, the oldest for 12 days"} for submissions no assessor has
    judged yet."""
    now = utcnow()
    facts = backlog_facts(session, organisation_ids)
    return {i: show_backlog(facts.get(i), now) for i in organisation_ids}


def backlog_facts(
    session: Session, organisation_ids: Sequence[int]
) -> dict[int, tuple[int, datetime]]:
    """{organisation: (submissions no assessor has judged yet, when the oldest came)}, for
    those with any."""
    rows = session.execute(
        select(Submission.organisation_id, func.count(), func.min(Submission.submitted_at))
        .where(
            Submission.organisation_id.in_(organisation_ids),
            Submission.status == SubmissionStatus.SUBMITTED,
        )
        .group_by(Submission.organisation_id)
    )
    backlog = {}
    for organisation_id, count, oldest in rows:
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        backlog[organisation_id] = (count, oldest)
    return backlog


def show_backlog(facts: tuple[int, datetime] | None, now: datetime) -> str:
    """The backlog as of `now`: "4 waiting, the oldest for 12 days"."""
    if facts is None:
        return _("None waiting")
    count, oldest = facts
    return ngettext(
        "%(waiting)s waiting, the oldest for %(num)d day",
        "%(waiting)s waiting, the oldest for %(num)d days",
        _days_since(oldest, now) if oldest is not None else 0,
        waiting=count,
    )


def iqa_coverage(session: Session, organisation_ids: Sequence[int]) -> dict[int, str]:
    """{organisation: "6 of 20 decisions sampled (30%), 5 reviewed"}."""
    facts = coverage_facts(session, organisation_ids)
    return {i: show_coverage(facts.get(i), utcnow()) for i in organisation_ids}


def coverage_facts(
    session: Session, organisation_ids: Sequence[int]
) -> dict[int, tuple[int, int, int]]:
    """{organisation: (decisions made, sampled, reviewed)} for those with any decision."""
    decisions = dict(
        session.execute(
            select(Decision.organisation_id, func.count())
            .where(Decision.organisation_id.in_(organisation_ids))
            .group_by(Decision.organisation_id)
        ).all()
    )
    samples = {
        organisation_id: (sampled, reviewed)
        for organisation_id, sampled, reviewed in session.execute(
            select(
                IqaSample.organisation_id,
                func.count(),
                func.count().filter(IqaSample.status != SampleStatus.PENDING),
            )
            .where(IqaSample.organisation_id.in_(organisation_ids))
            .group_by(IqaSample.organisation_id)
        )
    }
    return {
        organisation_id: (made, *samples.get(organisation_id, (0, 0)))
        for organisation_id, made in decisions.items()
        if made
    }


def show_coverage(facts: tuple[int, int, int] | None, now: datetime) -> str:
    """The coverage in words: "6 of 20 decisions sampled (30%), 5 reviewed"."""
    if facts is None:
        return _("No decisions yet")
    made, sampled, reviewed = facts
    return ngettext(
        "%(sampled)s of %(num)d decisions sampled (%(share)s), %(reviewed)s reviewed",
        "%(sampled)s of %(num)d decisions sampled (%(share)s), %(reviewed)s reviewed",
        made,
        sampled=sampled,
        share=format_percent((sampled * 100 // made) / 100),
        reviewed=reviewed,
    )


PORTFOLIO_COVERAGE = UnitMeasure(key="portfolio", label=N_("Portfolio"), load=portfolio_coverage)
ASSESSMENT_STATUS = UnitMeasure(
    key="assessment", label=N_("Assessment status"), load=assessment_status
)
ASSESSMENT_BACKLOG = PartnerMetric(
    key="assessment_backlog",
    label=N_("Assessment backlog (and the oldest waiting)"),
    load=backlog_facts,
    show=show_backlog,
    sources=(Source(Submission, ("organisation_id", "status", "submitted_at")),),
)
IQA_COVERAGE = PartnerMetric(
    key="iqa_coverage",
    label=N_("IQA coverage"),
    load=coverage_facts,
    show=show_coverage,
    sources=(
        Source(Decision, ("organisation_id",)),
        Source(IqaSample, ("organisation_id", "status")),
    ),
)
