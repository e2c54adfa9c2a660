"""Portfolio and assessment figures in coordinators' progress table and the franchisor's
overview, computed from real evidence, submissions and decisions."""

from datetime import timedelta

from lms.assessment import operations as assessment
from lms.assessment.operations import Verdict
from lms.assessment.progress import (
    assessment_backlog,
    assessment_status,
    iqa_coverage,
    portfolio_coverage,
)
from lms.db import utcnow
from lms.portfolio import operations as portfolio
from tests.factories import add_evidence, assessment_setting


def enrolment_ids(setting):
    return [setting.enrolment.id]


def test_portfolio_column_counts_criteria_with_evidence(session):
    setting = assessment_setting()
    first, second = setting.units
    add_evidence(setting, setting.criteria(first)[:3])
    session.commit()
    result = portfolio_coverage(session, enrolment_ids(setting), [first.id, second.id])
    assert result == {(setting.enrolment.id, first.id): "3 of 4 criteria have evidence"}


def test_assessment_column_backlog_and_iqa_coverage(session):
    setting = assessment_setting()
    unit = setting.unit
    add_evidence(setting, setting.criteria(unit))
    submission = portfolio.submit_unit(session, setting.enrolment, unit, declaration_confirmed=True)
    submission.submitted_at = utcnow() - timedelta(days=6)
    session.commit()
    org = setting.organisation.id

    assert assessment_status(session, enrolment_ids(setting), [unit.id]) == {
        (setting.enrolment.id, unit.id): "Waiting for an assessor (6 days)"
    }
    assert assessment_backlog(session, [org]) == {org: "1 waiting, the oldest for 6 days"}
    assert iqa_coverage(session, [org]) == {org: "No decisions yet"}

    verdicts = {c.id: Verdict(met=True) for c in setting.criteria(unit)}
    assessment.judge(
        session,
        submission,
        setting.assessor,
        expected_version=submission.state_version,
        outcome="referred",
        verdicts=verdicts,
        actions="Add a second reflective account.",
    )
    session.commit()
    assert assessment_status(session, enrolment_ids(setting), [unit.id]) == {
        (setting.enrolment.id, unit.id): "Referred back for more work"
    }
    assert assessment_backlog(session, [org]) == {org: "None waiting"}
    # A new assessor's first decisions are always sampled.
    assert iqa_coverage(session, [org]) == {org: "1 of 1 decisions sampled (100%), 0 reviewed"}


def test_overview_and_progress_have_nothing_pending(session, login):
    from lms.franchise.overview import PENDING_METRICS, metrics
    from lms.franchise.progress import PENDING_MEASURES, measures

    assert set(PENDING_METRICS) <= {metric.key for metric in metrics()}
    assert set(PENDING_MEASURES) <= {measure.key for measure in measures()}
