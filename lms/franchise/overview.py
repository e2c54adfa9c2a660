"""The franchisor's overview of its partners, and the drill-down to one partner.

Every figure for every partner comes from a fixed number of grouped queries, so the page costs
the same whatever the number of trainees. Figures that belong to capabilities not yet in use
(assessment backlog, IQA coverage) are listed by them as `partner_metrics` in
`lms.capabilities`; until then the page says they are not available yet.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from lms import capabilities
from lms.accounts.models import Organisation, User
from lms.accreditation import award_status
from lms.curriculum.models import Cohort, CohortStatus, Enrolment, EnrolmentStatus
from lms.franchise.licences import LicenceUsage, usages_for
from lms.franchise.progress import achievements_per_month
from lms.franchise.rules import partner_ids_where
from lms.i18n import _, _l
from lms.reporting.charts import Chart, achievements_chart, bar_chart

MetricLoader = Callable[[Session, Sequence[int]], Mapping[int, str]]


@dataclass(frozen=True)
class PartnerMetric:
    """`load(session, organisation_ids)` → {organisation id: short text}, in one query."""

    key: str
    label: str
    load: MetricLoader


PENDING_METRICS = {
    "assessment_backlog": _l("Assessment backlog (and the oldest waiting)"),
    "iqa_coverage": _l("IQA coverage"),
}


def metrics() -> list[PartnerMetric]:
    return capabilities.contributions("partner_metrics")


@dataclass
class PartnerSummary:
    organisation: Organisation
    active_cohorts: int = 0
    # Trainees by the status readers show: an achieved trainee whose award was revoked is
    # counted as "revoked", never as achieved (lms.accreditation.award_status).
    by_status: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(award_status.STATUS_VALUES, 0)
    )
    days_to_award: list[float] = field(default_factory=list)
    licences: list[LicenceUsage] = field(default_factory=list)
    metrics: dict[str, str] = field(default_factory=dict)

    @property
    def trainees(self) -> int:
        return sum(self.by_status.values())

    @property
    def achieved(self) -> int:
        return self.by_status[EnrolmentStatus.ACHIEVED]

    @property
    def revoked(self) -> int:
        return self.by_status[award_status.REVOKED]

    @property
    def shown_counts(self) -> list[tuple[str, int]]:
        """(label, trainees) for each status that has any."""
        return [
            (award_status.STATUS_LABELS[value], count)
            for value, count in self.by_status.items()
            if count
        ]

    @property
    def completion_rate(self) -> int | None:
        """Achieved and still held, as a percentage of everyone ever enrolled (withdrawn and
        revoked included)."""
        return round(100 * self.achieved / self.trainees) if self.trainees else None

    @property
    def median_days_to_award(self) -> float | None:
        return statistics.median(self.days_to_award) if self.days_to_award else None

    @property
    def warnings(self) -> list[str]:
        return [warning for usage in self.licences for warning in usage.warnings()]


@dataclass
class Overview:
    partners: list[PartnerSummary]
    metric_labels: dict[str, str]
    pending_metrics: list[str]

    @cached_property
    def statuses(self) -> dict[str, str]:
        """The status columns: every status, with "Award revoked" only when some partner has
        a revoked award (worked out once: every row of the table reads them)."""
        return award_status.labels_to_show(any(p.revoked for p in self.partners))


def _summaries(
    session: Session,
    organisations: Sequence[Organisation],
    today: date,
    *,
    licence_units: bool = True,
) -> list[PartnerSummary]:
    """Each organisation's figures; its licences with the units they cover only with
    `licence_units` (a partner's page lists them; the franchise's table does not)."""
    ids = [organisation.id for organisation in organisations]
    summaries = {o.id: PartnerSummary(o) for o in organisations}
    if not ids:
        return []
    for organisation_id, count in session.execute(
        select(Cohort.organisation_id, func.count())
        .where(Cohort.organisation_id.in_(ids), Cohort.status == CohortStatus.OPEN)
        .group_by(Cohort.organisation_id)
    ):
        summaries[organisation_id].active_cohorts = count
    _count_by_status(session, summaries, ids)
    for organisation_id, enrolled_at, achieved_at in session.execute(
        select(Enrolment.organisation_id, Enrolment.enrolled_at, Enrolment.achieved_at).where(
            Enrolment.organisation_id.in_(ids),
            award_status.holds_award(),
            Enrolment.achieved_at.is_not(None),
        )
    ):
        days = (achieved_at - enrolled_at).total_seconds() / 86400
        summaries[organisation_id].days_to_award.append(max(days, 0))
    for usage in usages_for(session, ids, today, with_units=licence_units):
        summaries[usage.licence.organisation_id].licences.append(usage)
    for metric in metrics():
        for organisation_id, text in metric.load(session, ids).items():
            summaries[organisation_id].metrics[metric.key] = text
    return [summaries[i] for i in ids]


def _count_by_status(
    session: Session, summaries: dict[int, PartnerSummary], ids: Sequence[int]
) -> None:
    """Trainees of each organisation by the status readers show: one grouped query counted
    from an index, and one for the few achieved whose award was revoked."""
    for organisation_id, status, count in session.execute(
        select(Enrolment.organisation_id, Enrolment.status, func.count())
        .where(Enrolment.organisation_id.in_(ids))
        .group_by(Enrolment.organisation_id, Enrolment.status)
    ):
        summaries[organisation_id].by_status[EnrolmentStatus(status).value] += count
    for organisation_id, count in session.execute(
        select(Enrolment.organisation_id, func.count())
        .where(Enrolment.organisation_id.in_(ids), award_status.achieved_but_revoked())
        .group_by(Enrolment.organisation_id)
    ):
        by_status = summaries[organisation_id].by_status
        by_status[EnrolmentStatus.ACHIEVED.value] -= count
        by_status[award_status.REVOKED] += count


def _overview(summaries: list[PartnerSummary]) -> Overview:
    labels = {metric.key: metric.label for metric in metrics()}
    return Overview(
        summaries, labels, [label for key, label in PENDING_METRICS.items() if key not in labels]
    )


def franchise_overview(session: Session, user: User, today: date) -> Overview:
    """Every partner the user administers, with its figures."""
    partners = session.scalars(
        select(Organisation)
        .where(Organisation.id.in_(partner_ids_where(user)))
        .order_by(Organisation.name)
    ).all()
    return _overview(_summaries(session, partners, today, licence_units=False))


def partner_overview(session: Session, partner: Organisation, today: date) -> Overview:
    return _overview(_summaries(session, [partner], today))


@dataclass(frozen=True)
class CohortLine:
    cohort: Cohort
    by_status: dict[EnrolmentStatus, int]

    @property
    def active(self) -> int:
        return sum(n for s, n in self.by_status.items() if s != EnrolmentStatus.WITHDRAWN)


def partner_cohorts(session: Session, partner: Organisation, scope=None) -> list[CohortLine]:
    """The partner's cohorts (open first) with trainees by status: two queries."""
    statement = (
        select(Cohort)
        .where(Cohort.organisation_id == partner.id)
        .options(selectinload(Cohort.course))
        .order_by(Cohort.status, Cohort.starts_on.desc(), Cohort.name)
    )
    if scope is not None:
        statement = statement.where(scope)
    cohorts = session.scalars(statement).all()
    counts: dict[int, dict[EnrolmentStatus, int]] = {
        c.id: dict.fromkeys(EnrolmentStatus, 0) for c in cohorts
    }
    if cohorts:
        for cohort_id, status, count in session.execute(
            select(Enrolment.cohort_id, Enrolment.status, func.count())
            .where(Enrolment.cohort_id.in_(list(counts)))
            .group_by(Enrolment.cohort_id, Enrolment.status)
        ):
            counts[cohort_id][EnrolmentStatus(status)] = count
    return [CohortLine(cohort, counts[cohort.id]) for cohort in cohorts]


def partner_charts(session: Session, summary: PartnerSummary) -> list[Chart]:
    partner = summary.organisation
    achieved: list[datetime | None] = list(
        session.scalars(
            select(Enrolment.achieved_at).where(
                Enrolment.organisation_id == partner.id, award_status.holds_award()
            )
        )
    )
    shown = award_status.labels_to_show(summary.revoked > 0)
    return [
        bar_chart(
            f"partner-{partner.id}-status",
            _("Trainees by status"),
            _("Number of trainees of %(organisation)s at each stage.", organisation=partner.name),
            [(label, summary.by_status[value]) for value, label in shown.items()],
            x_label=_("Status"),
            y_label=_("Trainees"),
        ),
        achievements_chart(f"partner-{partner.id}-achieved", achievements_per_month(achieved)),
    ]
