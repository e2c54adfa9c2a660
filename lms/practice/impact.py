"""The impact report: what surveys say about change for trainee mentors and their mentees,
beside the practice figures other capabilities add (the "impact_figures" hook), for a cohort,
a partner or the whole franchise.

Every figure passes through `lms.practice.surveys.disclosure.guard` with the same figure of the
group's parent (a cohort's organisation, an organisation's franchise), so nothing from fewer
than five people is shown, charted or exported, and no two figures subtract to fewer than
five. Free-text answers are never part of the report (see `comments`, read by coordinators).

The data of the widest group needed (the parent) is read in a fixed number of queries and
every figure is counted from it, so the report's query count does not grow with the data.
Surveys show change, not its cause: the page says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms import capabilities
from lms.accounts.models import Organisation
from lms.curriculum.models import Cohort, Course, Enrolment, EnrolmentStatus
from lms.i18n import _, _l
from lms.practice.surveys.disclosure import Figure, guard_among, may_show
from lms.practice.surveys.format import Audience, Moment, Question, QuestionType
from lms.practice.surveys.format import Survey as SurveyDefinition
from lms.practice.surveys.models import MenteeLink, Survey, SurveyAnswer, SurveyResponse
from lms.practice.surveys.operations import moment_reached
from lms.practice.surveys.queries import applies, unit_codes_of
from lms.practice.surveys.scoring import paired_change, summarise
from lms.reporting.charts import Chart, bar_chart
from lms.reporting.figures import ImpactFigure

CAUSATION_NOTE = _l(
    "These figures show how answers changed over the training. Many things happen in a "
    "person's life at the same time, so they cannot show that the training alone caused the "
    "change."
)
COMPARISONS = ((Moment.START, Moment.END), (Moment.START, Moment.FOLLOW_UP))


class ScopeKind(StrEnum):
    COHORT = "cohort"
    PARTNER = "partner"
    FRANCHISE = "franchise"


@dataclass(frozen=True)
class Scope:
    """A group the report is about. Only these groups (and their parents) are ever offered."""

    kind: ScopeKind
    organisation: Organisation  # the partner (cohort, partner) or the franchisor
    cohort: Cohort | None = None

    @property
    def franchisor_id(self) -> int:
        return self.organisation.franchisor_id or self.organisation.id

    @property
    def name(self) -> str:
        if self.cohort is not None:
            return self.cohort.name
        if self.kind is ScopeKind.FRANCHISE:
            return _("All partners of %(organisation)s", organisation=self.organisation.name)
        return self.organisation.name

    def holds(self, organisation_id: int, cohort_id: int | None) -> bool:
        """Whether a record of `organisation_id` (and `cohort_id`) is in this group; the
        franchise's records are all read through `_organisation_ids` already."""
        if self.kind is ScopeKind.COHORT:
            return cohort_id == self.cohort.id
        if self.kind is ScopeKind.PARTNER:
            return organisation_id == self.organisation.id
        return True


def scope_of(organisation: Organisation, cohort: Cohort | None = None) -> Scope:
    if cohort is not None:
        return Scope(ScopeKind.COHORT, organisation, cohort)
    if organisation.is_franchisor:
        return Scope(ScopeKind.FRANCHISE, organisation)
    return Scope(ScopeKind.PARTNER, organisation)


def parent_of(session: Session, scope: Scope) -> Scope | None:
    if scope.kind is ScopeKind.COHORT:
        return Scope(ScopeKind.PARTNER, scope.organisation)
    if scope.kind is ScopeKind.PARTNER and scope.organisation.franchisor_id is not None:
        franchisor = session.get(Organisation, scope.organisation.franchisor_id)
        return Scope(ScopeKind.FRANCHISE, franchisor)
    return None


def _organisation_ids(scope: Scope):
    """A SELECT of the organisations whose records the widest group holds."""
    if scope.kind is ScopeKind.FRANCHISE:
        return select(Organisation.id).where(Organisation.franchisor_id == scope.organisation.id)
    return select(Organisation.id).where(Organisation.id == scope.organisation.id)


# --- the data, read once ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Enrolment:
    id: int
    user_id: int
    organisation_id: int
    cohort_id: int | None
    course_code: str
    end: date | None
    units: frozenset[str]


@dataclass(frozen=True)
class _Answer:
    response_id: int
    enrolment_id: int | None
    organisation_id: int
    cohort_id: int | None
    survey: str
    moment: Moment
    question: str
    number: float | None
    choices: tuple[str, ...]


@dataclass
class _Data:
    surveys: list[SurveyDefinition]
    enrolments: list[_Enrolment]
    answers: list[_Answer]
    links: list[tuple[int, int | None]]  # (organisation_id, cohort_id) of each link


def _read(session: Session, widest: Scope) -> _Data:
    organisations = _organisation_ids(widest)
    surveys = [
        s.parsed
        for s in session.scalars(
            select(Survey).where(Survey.is_current.is_(True)).order_by(Survey.slug)
        )
    ]
    enrolment_rows = session.execute(
        select(Enrolment, Course.code, Cohort.ends_on)
        .join(Course, Course.id == Enrolment.course_id)
        .outerjoin(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(
            Enrolment.organisation_id.in_(organisations),
            Enrolment.status != EnrolmentStatus.WITHDRAWN,
        )
        .order_by(Enrolment.id)
    ).all()
    units = unit_codes_of(session, {e.course_id for e, _, _ in enrolment_rows})
    enrolments = [
        _Enrolment(
            e.id,
            e.user_id,
            e.organisation_id,
            e.cohort_id,
            code,
            ends_on or (e.achieved_at.date() if e.achieved_at else None),
            units.get(e.course_id, frozenset()),
        )
        for e, code, ends_on in enrolment_rows
    ]
    answer_rows = session.execute(
        select(
            SurveyResponse.id,
            SurveyResponse.enrolment_id,
            SurveyResponse.organisation_id,
            SurveyResponse.cohort_id,
            SurveyResponse.survey_slug,
            SurveyResponse.moment,
            SurveyAnswer.question_id,
            SurveyAnswer.number,
            SurveyAnswer.choices,
        )
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .where(SurveyResponse.organisation_id.in_(organisations))
        .order_by(SurveyResponse.id, SurveyAnswer.id)
    ).all()
    answers = [
        _Answer(r[0], r[1], r[2], r[3], r[4], Moment(r[5]), r[6], r[7], tuple(r[8] or ()))
        for r in answer_rows
    ]
    links = [
        (organisation_id, cohort_id)
        for organisation_id, cohort_id in session.execute(
            select(MenteeLink.organisation_id, MenteeLink.cohort_id).where(
                MenteeLink.organisation_id.in_(organisations)
            )
        )
    ]
    return _Data(surveys, enrolments, answers, links)


# --- figures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    moment: Moment
    invited: int  # whom the moment has reached (for a mentee survey: links handed out)
    answered: Figure  # how many answered
    share: Figure  # answered as a percentage of invited


@dataclass(frozen=True)
class Score:
    """A scored question at one moment."""

    question: Question
    moment: Moment
    mean: Figure
    spread: Figure


@dataclass(frozen=True)
class Shares:
    """A choice question at one moment: the percentage of people choosing each option."""

    question: Question
    moment: Moment
    people: Figure
    options: tuple[tuple[str, Figure], ...]


@dataclass(frozen=True)
class ChangeRow:
    question: Question
    before_moment: Moment
    after_moment: Moment
    people: Figure
    before: Figure
    after: Figure
    change: Figure
    spread: Figure

    @property
    def shown(self) -> bool:
        return self.people.shown


@dataclass
class SurveyReport:
    survey: SurveyDefinition
    rates: list[Rate] = field(default_factory=list)
    changes: list[ChangeRow] = field(default_factory=list)
    scores: list[Score] = field(default_factory=list)
    shares: list[Shares] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


@dataclass
class ImpactReport:
    scope: Scope
    surveys: list[SurveyReport]
    practice: list[tuple[ImpactFigure, Figure]]
    note: str = CAUSATION_NOTE


def _percentage(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


class _Counter:
    """Counts one survey's answers in a group and in each of its parent's groups (its
    siblings), so that every figure can be guarded among them."""

    def __init__(self, data: _Data, scope: Scope, parent: Scope | None, survey):
        self.scope, self.parent, self.survey = scope, parent, survey
        # Indexed once by (question, moment) and by moment, so each figure reads only its own.
        self.by_question: dict = defaultdict(list)
        self.by_moment: dict = defaultdict(list)
        for answer in data.answers:
            if answer.survey == survey.id:
                self.by_question[(answer.question, answer.moment)].append(answer)
                self.by_moment[answer.moment].append(answer)
        self.enrolments = [e for e in data.enrolments if applies(survey, e.course_code, e.units)]
        self.links = data.links
        self.key = _group_key(scope)
        self.own = _own_key(scope)

    def _mine(self, items: Iterable, organisation_of, cohort_of) -> list:
        return [i for i in items if self.scope.holds(organisation_of(i), cohort_of(i))]

    def answers_of(self, question: str | None, moment: Moment) -> list[_Answer]:
        """Every answer to `question` (to any, with None) at `moment`, in the parent's groups."""
        if question is None:
            return self.by_moment.get(moment, [])
        return self.by_question.get((question, moment), [])

    def mine(self, answers: list[_Answer]) -> list[_Answer]:
        return self._mine(answers, lambda a: a.organisation_id, lambda a: a.cohort_id)

    def siblings(self, answers: list[_Answer], measure) -> dict | None:
        """`measure` of `answers` in each group of the parent (None without a parent)."""
        if self.parent is None:
            return None
        grouped: dict = defaultdict(list)
        for answer in answers:
            grouped[self.key(answer.organisation_id, answer.cohort_id)].append(answer)
        return {key: measure(items) for key, items in grouped.items()}

    def guard(self, value, people: int, siblings: dict | None) -> Figure:
        return guard_among(value, self.own, siblings, people)

    def invited(self, moment: Moment, today: date) -> int:
        if self.survey.audience is Audience.MENTEE:
            return len(self._mine(self.links, lambda link: link[0], lambda link: link[1]))
        enrolments = self._mine(self.enrolments, lambda e: e.organisation_id, lambda e: e.cohort_id)
        return sum(1 for e in enrolments if moment_reached(moment, e.end, today))


def _group_key(scope: Scope):
    if scope.kind is ScopeKind.COHORT:
        return lambda organisation_id, cohort_id: cohort_id
    return lambda organisation_id, cohort_id: organisation_id


def _own_key(scope: Scope):
    return scope.cohort.id if scope.cohort is not None else scope.organisation.id


def _responses(answers: Sequence[_Answer]) -> int:
    return len({a.response_id for a in answers})


def _rates(counter: _Counter, today: date) -> list[Rate]:
    rates = []
    for moment in counter.survey.moments:
        invited = counter.invited(moment, today)
        if not invited and counter.survey.audience is Audience.TRAINEE:
            continue  # the moment has reached nobody yet
        everyone = counter.answers_of(None, moment)
        answered = _responses(counter.mine(everyone))
        siblings = counter.siblings(everyone, _responses)
        rates.append(
            Rate(
                moment,
                invited,
                counter.guard(answered, answered, siblings),
                counter.guard(_percentage(answered, invited), answered, siblings),
            )
        )
    return rates


def _score(counter: _Counter, question: Question, moment: Moment) -> Score:
    everyone = counter.answers_of(question.id, moment)
    siblings = counter.siblings(everyone, len)
    summary = summarise([a.number for a in counter.mine(everyone) if a.number is not None])
    return Score(
        question,
        moment,
        counter.guard(summary.mean, summary.people, siblings),
        counter.guard(summary.spread, summary.people, siblings),
    )


def _shares(counter: _Counter, question: Question, moment: Moment) -> Shares:
    everyone = counter.answers_of(question.id, moment)
    siblings = counter.siblings(everyone, len)
    found = [a.choices for a in counter.mine(everyone)]
    people = len(found)
    options = tuple(
        (
            option,
            counter.guard(
                _percentage(sum(1 for c in found if option in c), people), people, siblings
            ),
        )
        for option in question.options
    )
    return Shares(question, moment, counter.guard(people, people, siblings), options)


def _by_person(answers: Iterable[_Answer]) -> dict[int, float]:
    return {a.enrolment_id: a.number for a in answers if a.number is not None and a.enrolment_id}


def _change(counter: _Counter, question: Question, before: Moment, after: Moment) -> ChangeRow:
    def pairs(answers):
        return paired_change(
            _by_person(a for a in answers if a.moment is before),
            _by_person(a for a in answers if a.moment is after),
        )

    everyone = counter.answers_of(question.id, before) + counter.answers_of(question.id, after)
    mine = pairs(counter.mine(everyone))
    siblings = counter.siblings(everyone, lambda answers: pairs(answers).people)
    return ChangeRow(
        question,
        before,
        after,
        counter.guard(mine.people, mine.people, siblings),
        counter.guard(mine.before, mine.people, siblings),
        counter.guard(mine.after, mine.people, siblings),
        counter.guard(mine.change, mine.people, siblings),
        counter.guard(mine.spread, mine.people, siblings),
    )


def _change_chart(survey: SurveyDefinition, row: ChangeRow) -> Chart:
    top = "5" if row.question.type is QuestionType.LIKERT else "10"
    return bar_chart(
        f"{survey.id}-{row.question.id}-{row.after_moment}",
        _("%(question)s: before and after", question=row.question.outcome or row.question.prompt),
        _(
            "%(question)s Average answer of the %(people)s people who answered both times, "
            "from 1 to %(top)s.",
            question=row.question.prompt,
            people=row.people.value,
            top=top,
        ),
        [
            (row.before_moment.label, round(row.before.value, 1)),
            (row.after_moment.label, round(row.after.value, 1)),
        ],
        x_label=_("When"),
        y_label=_("Average (up to %(top)s)", top=top),
    )


def _survey_report(counter: _Counter, today: date) -> SurveyReport:
    survey = counter.survey
    report = SurveyReport(survey, rates=_rates(counter, today))
    for before, after in COMPARISONS:
        if before in survey.moments and after in survey.moments:
            for question in survey.questions:
                if question.type.is_scored:
                    row = _change(counter, question, before, after)
                    report.changes.append(row)
                    if row.shown:
                        report.charts.append(_change_chart(survey, row))
    for moment in survey.moments:
        for question in survey.questions:
            if question.type.is_scored:
                report.scores.append(_score(counter, question, moment))
            elif question.type is not QuestionType.TEXT:
                report.shares.append(_shares(counter, question, moment))
    return report


# --- practice figures from other capabilities --------------------------------------------------


def _learners_by_group(data: _Data, scope: Scope, parent: Scope | None) -> dict:
    """The trainees' user ids in each group of the parent (just the group's own without one)."""
    key, own = _group_key(scope), _own_key(scope)
    groups: dict = defaultdict(set)
    for e in data.enrolments:
        if parent is not None:
            groups[key(e.organisation_id, e.cohort_id)].add(e.user_id)
        elif scope.holds(e.organisation_id, e.cohort_id):
            groups[own].add(e.user_id)
    groups.setdefault(own, set())
    return {group: sorted(ids) for group, ids in groups.items()}


def practice_figures(
    session: Session, data: _Data, scope: Scope, parent: Scope | None
) -> list[tuple[ImpactFigure, Figure]]:
    """Each provider's figures for the group's trainees (their user ids), each guarded among
    the provider's same figure for every group of the parent (one call for all the groups)."""
    own = _own_key(scope)
    learners = _learners_by_group(data, scope, parent)
    shown = []
    for provider in capabilities.hooks("impact_figures"):
        by_group = provider(session, learners)
        for figure in by_group[own]:
            siblings = None
            if parent is not None:
                siblings = {
                    group: next((f.people for f in figures if f.label == figure.label), 0)
                    for group, figures in by_group.items()
                }
            shown.append((figure, guard_among(figure.value, own, siblings, figure.people)))
    return shown


def impact_report(session: Session, scope: Scope, today: date) -> ImpactReport:
    parent = parent_of(session, scope)
    data = _read(session, parent or scope)
    surveys = [
        _survey_report(_Counter(data, scope, parent, survey), today) for survey in data.surveys
    ]
    return ImpactReport(scope, surveys, practice_figures(session, data, scope, parent))


def scope_cohorts(session: Session, organisation: Organisation) -> list[Cohort]:
    """The cohorts of a partner, each with its own report."""
    return list(
        session.scalars(
            select(Cohort).where(Cohort.organisation_id == organisation.id).order_by(Cohort.name)
        )
    )


def scope_partners(session: Session, franchisor: Organisation) -> list[Organisation]:
    """The partners of a franchisor, each with its own report."""
    return list(
        session.scalars(
            select(Organisation)
            .where(Organisation.franchisor_id == franchisor.id)
            .order_by(Organisation.name)
        )
    )


# --- exports ---------------------------------------------------------------------------------

EXPORT_HEADER = (
    _l("Group"),
    _l("Survey"),
    _l("Question"),
    _l("When"),
    _l("Measure"),
    _l("Value"),
    _l("People"),
)


def export_rows(report: ImpactReport) -> Iterable[tuple]:
    """Every figure of the report, one a row; a suppressed figure says so and gives no number
    (not even of people)."""
    group = report.scope.name
    for part in report.surveys:
        title = part.survey.title
        for rate in part.rates:
            yield (
                group,
                title,
                "",
                rate.moment.label,
                _("Answered"),
                rate.answered.export_value,
                rate.answered.export_value,
            )
            yield (group, title, "", rate.moment.label, _("Invited"), rate.invited, "")
            yield (
                group,
                title,
                "",
                rate.moment.label,
                _("Answered (%)"),
                rate.share.export_value,
                rate.answered.export_value,
            )
        for row in part.changes:
            when = _(
                "%(before)s to %(after)s",
                before=row.before_moment.label,
                after=row.after_moment.label,
            )
            for measure, figure in (
                (_("Average before"), row.before),
                (_("Average after"), row.after),
                (_("Average change"), row.change),
                (_("Spread of change (standard deviation)"), row.spread),
            ):
                yield (
                    group,
                    title,
                    row.question.prompt,
                    when,
                    measure,
                    _rounded(figure),
                    row.people.export_value,
                )
        for score in part.scores:
            for measure, figure in (
                (_("Average"), score.mean),
                (_("Spread (standard deviation)"), score.spread),
            ):
                yield (
                    group,
                    title,
                    score.question.prompt,
                    score.moment.label,
                    measure,
                    _rounded(figure),
                    _people(figure),
                )
        for shares in part.shares:
            for option, figure in shares.options:
                yield (
                    group,
                    title,
                    shares.question.prompt,
                    shares.moment.label,
                    _("Chose: %(option)s (%%)", option=option),
                    figure.export_value,
                    shares.people.export_value,
                )
    for figure, shown in report.practice:
        yield (
            group,
            _("Practice"),
            figure.label,
            "",
            figure.unit or _("Value"),
            shown.export_value,
            shown.people if shown.shown else shown.export_value,
        )


def _rounded(figure: Figure):
    return (
        round(figure.value, 2)
        if figure.shown and figure.value is not None
        else (figure.export_value)
    )


def _people(figure: Figure):
    return figure.people if figure.shown else figure.export_value


def export_filename(scope: Scope, today: date, kind: str) -> str:
    return f"report-{scope.kind}-{today.isoformat()}.{kind}"


# --- free text, for those with the right ----------------------------------------------------------


@dataclass(frozen=True)
class Comment:
    survey: str
    question: str
    moment: Moment
    text: str


def comments(session: Session, organisation: Organisation) -> list[Comment]:
    """The written answers given at a partner, by survey, question and moment, never with who
    gave them, and only from a survey moment at least five people answered there (fewer, and
    the timing alone could tell who wrote what). Sorted by text, not by time."""
    rows = session.execute(
        select(
            SurveyResponse.id,
            SurveyResponse.survey_slug,
            SurveyResponse.moment,
            SurveyAnswer.question_id,
            SurveyAnswer.text,
        )
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .where(SurveyResponse.organisation_id == organisation.id)
    ).all()
    respondents: dict[tuple[str, str], set[int]] = defaultdict(set)
    for response_id, slug, moment, _question, _text in rows:
        respondents[(slug, moment)].add(response_id)
    titles = {
        s.slug: s.parsed for s in session.scalars(select(Survey).where(Survey.is_current.is_(True)))
    }
    found = []
    for _response_id, slug, moment, question_id, text in rows:
        survey = titles.get(slug)
        if not text or survey is None or not may_show(len(respondents[(slug, moment)])):
            continue
        question = survey.find(question_id)
        found.append(
            Comment(
                survey.title, question.prompt if question else question_id, Moment(moment), text
            )
        )
    return sorted(found, key=lambda c: (c.survey, c.question, c.moment, c.text))
