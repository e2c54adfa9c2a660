"""The franchisor's overview of its partners, and the drill-down to one partner.

Every figure for every partner comes from `lms.franchise.figures`: worked out with a fixed
number of grouped queries, and kept until a row it is made from changes, so a view reads the
partners and their stamps and writes the table. Figures that belong to capabilities not yet in
use (assessment backlog, IQA coverage) are listed by them as `partner_metrics` in
`lms.capabilities`; until then the page says they are not available yet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from lms import paging
from lms.accounts.models import Organisation, User
from lms.accreditation import award_status
from lms.curriculum.models import Cohort, Course, Enrolment, EnrolmentStatus
from lms.db import utcnow
from lms.franchise.figures import PartnerFigures, figures_for, metrics
from lms.franchise.licences import LicenceUsage
from lms.franchise.models import FiguresStamp
from lms.franchise.progress import months_series
from lms.franchise.rules import partner_ids_where
from lms.i18n import _, _l, gettext, ngettext, number_writer
from lms.reporting.charts import Chart, achievements_chart, bar_chart

PENDING_METRICS = {
    "assessment_backlog": _l("Assessment backlog (and the oldest waiting)"),
    "iqa_coverage": _l("IQA coverage"),
}


@dataclass
class PartnerSummary:
    organisation: Organisation | Row  # the franchise's table reads only its id, name and slug
    figures: PartnerFigures = field(default_factory=PartnerFigures)
    licences: list[LicenceUsage] = field(default_factory=list)
    metrics: dict[str, str] = field(default_factory=dict)

    @property
    def active_cohorts(self) -> int:
        return self.figures.active_cohorts

    @property
    def by_status(self):
        """Trainees by the status readers show: an achieved trainee whose award was revoked
        is counted as "revoked", never as achieved (lms.accreditation.award_status)."""
        return self.figures.by_status

    @property
    def days_to_award(self) -> tuple[float, ...]:
        return self.figures.days_to_award

    @property
    def median_days_to_award(self) -> float | None:
        return self.figures.median_days_to_award

    @cached_property
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

    @cached_property
    def completion_rate(self) -> int | None:
        """Achieved and still held, as a percentage of everyone ever enrolled (withdrawn and
        revoked included)."""
        return round(100 * self.achieved / self.trainees) if self.trainees else None

    @cached_property
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

    def table_rows(self, partner_link: str) -> Markup:
        """The franchise table's rows, written here rather than in the template: each text
        is translated once a page rather than once a row, and every count is written by one
        formatter. `partner_link` is a partner's page with `~slug~` in place of its slug."""
        number = number_writer()
        rate = _('%(percent)s%% <span class="muted">(%(achieved)s of %(trainees)s)</span>')
        licences = {"attention": _("See above"), "in_order": _("In order"), "none": _("None yet")}
        days: dict[int, str] = {}
        texts: dict[str, str] = {}  # each metric's text escaped once
        statuses = list(self.statuses)
        keys = list(self.metric_labels)
        rows = []
        for p in self.partners:
            cells = [f'<td class="num">{number(p.active_cohorts)}</td>']
            cells += [f'<td class="num">{number(p.by_status[s])}</td>' for s in statuses]
            if p.completion_rate is None:
                cells.append('<td class="num">—</td>')
            else:
                shown = rate % {
                    "percent": number(p.completion_rate),
                    "achieved": number(p.achieved),
                    "trainees": number(p.trainees),
                }
                cells.append(f'<td class="num">{shown}</td>')
            if p.median_days_to_award is None:
                cells.append('<td class="num">—</td>')
            else:
                count = round(p.median_days_to_award)
                if count not in days:
                    days[count] = escape(
                        ngettext("%(count)s day", "%(count)s days", count, count=count)
                    )
                cells.append(f'<td class="num">{days[count]}</td>')
            for key in keys:
                text = p.metrics.get(key, "—")
                if text not in texts:
                    texts[text] = escape(text)
                cells.append(f"<td>{texts[text]}</td>")
            state = "attention" if p.warnings else "in_order" if p.licences else "none"
            cells.append(f"<td>{licences[state]}</td>")
            link = escape(partner_link.replace("~slug~", p.organisation.slug))
            rows.append(
                f'<tr>\n      <th scope="row"><a href="{link}">{escape(p.organisation.name)}'
                f"</a></th>\n      " + "\n      ".join(cells) + "\n    </tr>"
            )
        # Every value above is escaped or is a number this function wrote; the rest is its
        # own markup and the catalogue's (the completion rate's `<span>`).
        return Markup("\n    ".join(rows))  # noqa: S704


def _summaries(
    session: Session,
    organisations: Sequence[Organisation | Row],
    today: date,
    *,
    stamps: Mapping[int, int | None] | None = None,
) -> list[PartnerSummary]:
    """Each organisation's figures, licences and metrics as of now. `stamps`: the
    organisations' figures stamps where the caller read them with them."""
    now = utcnow()
    figures = figures_for(session, [o.id for o in organisations], stamps=stamps)
    shown = metrics()
    texts: dict[tuple[str, Any], str] = {}  # most partners' facts are alike: written once
    summaries = []
    for organisation in organisations:
        mine = figures[organisation.id]
        summary = PartnerSummary(organisation, mine)
        summary.licences = [
            LicenceUsage(terms, mine.seats_used(terms.course_id, now), today)
            for terms in mine.licences
        ]
        for metric in shown:
            facts = (metric.key, mine.metrics.get(metric.key))
            if facts not in texts:
                texts[facts] = metric.show(facts[1], now)
            summary.metrics[metric.key] = texts[facts]
        summaries.append(summary)
    return summaries


def _overview(summaries: list[PartnerSummary]) -> Overview:
    # A metric's label is kept untranslated in code (N_): translated here, for the reader.
    labels = {metric.key: gettext(metric.label) for metric in metrics()}
    return Overview(
        summaries, labels, [label for key, label in PENDING_METRICS.items() if key not in labels]
    )


def franchise_overview(session: Session, user: User, today: date) -> Overview:
    """Every partner the user administers (its id, name and slug), with its figures."""
    partners = session.execute(
        select(Organisation.id, Organisation.name, Organisation.slug, FiguresStamp.stamp)
        .outerjoin(FiguresStamp, FiguresStamp.organisation_id == Organisation.id)
        .where(Organisation.id.in_(partner_ids_where(user)))
        .order_by(Organisation.name, Organisation.id)
    ).all()
    stamps = {partner.id: partner.stamp for partner in partners}
    return _overview(_summaries(session, partners, today, stamps=stamps))


def partner_overview(session: Session, partner: Organisation, today: date) -> Overview:
    return _overview(_summaries(session, [partner], today))


@dataclass(frozen=True)
class CohortLine:
    """A row of the partner's cohorts: the cohort's own columns (`id`, `name`, `course_title`,
    `starts_on`, `ends_on`, `status`), and its trainees by status."""

    cohort: Row
    by_status: dict[EnrolmentStatus, int]

    @property
    def active(self) -> int:
        return sum(n for s, n in self.by_status.items() if s != EnrolmentStatus.WITHDRAWN)


@dataclass(frozen=True)
class CohortPage:
    lines: list[CohortLine]
    next_cursor: str | None = None
    previous_cursor: str | None = None

    def __iter__(self):
        return iter(self.lines)


NO_DAY = date(1, 1, 1)  # a cohort with no start date sorts as the earliest


def _cohort_keys() -> paging.SortKeys:
    return [
        (Cohort.status, False),
        (func.coalesce(Cohort.starts_on, NO_DAY), True),
        (Cohort.name, False),
        (Cohort.id, False),
    ]


def partner_cohorts(
    session: Session,
    partner: Organisation,
    *,
    after: str | None = None,
    before: str | None = None,
    per_page: int = 50,
) -> CohortPage:
    """One page of the partner's cohorts (by status, the latest start first) with trainees
    by status: the first, the one after the cursor `after` or the one before `before` (keyset
    paging, `lms.paging`). Two queries."""
    keys = _cohort_keys()
    statement = (
        select(
            Cohort.id,
            Cohort.name,
            Course.title.label("course_title"),
            Cohort.starts_on,
            Cohort.ends_on,
            Cohort.status,
            *(expr for expr, _descending in keys),
        )
        .join(Course, Course.id == Cohort.course_id)
        .where(Cohort.organisation_id == partner.id)
    )
    rows, earlier, later = paging.read_page(
        session,
        statement,
        keys,
        paging.decode_cursor(after, len(keys)),
        paging.decode_cursor(before, len(keys)),
        per_page,
    )
    counts: dict[int, dict[EnrolmentStatus, int]] = {
        row.id: dict.fromkeys(EnrolmentStatus, 0) for row in rows
    }
    if rows:
        for cohort_id, status, count in session.execute(
            select(Enrolment.cohort_id, Enrolment.status, func.count())
            .where(Enrolment.cohort_id.in_(list(counts)))
            .group_by(Enrolment.cohort_id, Enrolment.status)
        ):
            counts[cohort_id][EnrolmentStatus(status)] = count

    def cursor(row: Row) -> str:
        return paging.encode_cursor(tuple(row)[-len(keys) :])

    return CohortPage(
        [CohortLine(row, counts[row.id]) for row in rows],
        next_cursor=cursor(rows[-1]) if rows and later else None,
        previous_cursor=cursor(rows[0]) if rows and earlier else None,
    )


def partner_charts(session: Session, summary: PartnerSummary) -> list[Chart]:
    partner = summary.organisation
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
        achievements_chart(
            f"partner-{partner.id}-achieved", months_series(summary.figures.achieved_by_month)
        ),
    ]
