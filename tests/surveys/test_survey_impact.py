"""The impact report through its domain functions: figures, suppression of small groups (and
of groups that differencing would give away), organisations kept apart, practice figures from
the "impact_figures" hook, free text, and a query count that does not grow with the data."""

import csv
import io

import pytest

from lms import capabilities
from lms.accounts.models import User
from lms.db import utcnow
from lms.practice import impact
from lms.practice.surveys.disclosure import SUPPRESSED
from lms.practice.surveys.format import Moment
from lms.practice.surveys.operations import answer_as_mentee, create_mentee_link
from lms.reporting.figures import ImpactFigure
from lms.reporting.spreadsheet import csv_stream
from tests.factories import (
    CourseFactory,
    FranchisorFactory,
    PartnerFactory,
    answer,
    ending_cohort,
    synced_surveys,
    trainees_in,
)


@pytest.fixture
def world(session):
    franchisor = FranchisorFactory(name="The Trust")
    course = CourseFactory(code="EVAL1")
    confidence, mentee = synced_surveys(course.code)
    partners = {
        "A": PartnerFactory(name="Partner A", franchisor=franchisor),
        "B": PartnerFactory(name="Partner B", franchisor=franchisor),
        "C": PartnerFactory(name="Partner C"),  # another franchise
    }
    return {
        "franchisor": franchisor,
        "course": course,
        "partners": partners,
        "confidence": confidence,
        "mentee": mentee,
        "cohort": lambda partner: ending_cohort(partners[partner], course),
    }


def answered(world, cohort, count, *, before=2, after=4, moments=(Moment.START, Moment.END)):
    enrolments = trainees_in(cohort, count)
    for enrolment in enrolments:
        if Moment.START in moments:
            answer(enrolment, world["confidence"], Moment.START, confidence=before, mood=3)
        if Moment.END in moments:
            answer(enrolment, world["confidence"], Moment.END, confidence=after, mood=7)
    return enrolments


def report(session, organisation, cohort=None):
    return impact.impact_report(session, impact.scope_of(organisation, cohort), utcnow().date())


def change_row(result, question_id="RM301-1"):
    part = next(p for p in result.surveys if p.survey.id == "confidence")
    return next(r for r in part.changes if r.question.id == question_id)


def rate(result, moment):
    part = next(p for p in result.surveys if p.survey.id == "confidence")
    return next(r for r in part.rates if r.moment is moment)


def test_before_and_after_per_question_with_its_spread_and_a_chart(session, world):
    cohort = world["cohort"]("A")
    enrolments = answered(world, cohort, 5)
    answer(trainees_in(cohort, 1)[0], world["confidence"], Moment.START, confidence=1, mood=1)
    session.flush()
    result = report(session, world["partners"]["A"])
    row = change_row(result)
    assert row.shown
    assert (row.people.value, row.before.value, row.after.value, row.change.value) == (5, 2, 4, 2)
    assert row.spread.value == 0
    start = rate(result, Moment.START)
    assert (start.invited, start.answered.value, start.share.value) == (6, 6, 100.0)
    assert rate(result, Moment.END).share.value == pytest.approx(83.3)
    part = result.surveys[0]
    assert [c.id for c in part.charts] == ["confidence-rm301-1-end", "confidence-mood-end"]
    assert part.charts[0].rows == (("At the start", 2.0), ("At the end", 4.0))
    shares = next(s for s in part.shares if s.moment is Moment.END)
    assert [(o, f.value) for o, f in shares.options] == [("Yes", 100.0), ("Not yet", 0.0)]
    assert "cannot show that the training alone caused" in result.note
    assert len(enrolments) == 5


def test_fewer_than_five_people_give_no_figure_on_the_page_or_in_the_export(session, world):
    cohort = world["cohort"]("A")
    answered(world, cohort, 4, before=1, after=5)
    session.flush()
    for result in (
        report(session, world["partners"]["A"], cohort),
        report(session, world["partners"]["A"]),
        report(session, world["franchisor"]),
    ):
        row = change_row(result)
        assert not row.shown
        assert (row.before.value, row.after.value, row.change.value, row.people.people) == (
            None,
            None,
            None,
            0,
        )
        assert not rate(result, Moment.START).answered.shown
        assert result.surveys[0].charts == []
        exported = "".join(csv_stream(impact.EXPORT_HEADER, impact.export_rows(result)))
        rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
        figures = [r for r in rows[1:] if r[4] != "Invited"]
        assert figures
        assert all(r[5] == SUPPRESSED for r in figures), figures
        assert all(r[6] in (SUPPRESSED, "") for r in figures)


def test_differencing_a_cohort_and_its_partner_cannot_reveal_one_persons_answer(session, world):
    """Five trainees of one cohort and one of another: the partner's average is shown, so the
    first cohort's is not (the partner's minus it would be the one woman's answer)."""
    partner = world["partners"]["A"]
    big, small = world["cohort"]("A"), world["cohort"]("A")
    answered(world, big, 5, before=2, after=3)
    answered(world, small, 1, before=1, after=5)
    session.flush()
    whole = change_row(report(session, partner))
    assert whole.shown
    assert whole.people.value == 6
    for cohort in (big, small):
        assert not change_row(report(session, partner, cohort)).shown
    # Partner A is the whole franchise's answering, so the franchise shows the same.
    assert change_row(report(session, world["franchisor"])).people.value == 6


def test_a_partner_is_suppressed_when_the_franchise_minus_it_is_a_small_group(session, world):
    answered(world, world["cohort"]("A"), 5)
    answered(world, world["cohort"]("B"), 2, before=5, after=1)
    session.flush()
    assert change_row(report(session, world["franchisor"])).people.value == 7
    assert not change_row(report(session, world["partners"]["A"])).shown
    assert not change_row(report(session, world["partners"]["B"])).shown


def test_nothing_crosses_organisations(session, world):
    answered(world, world["cohort"]("A"), 5, before=2, after=4)
    answered(world, world["cohort"]("C"), 6, before=5, after=1)
    mentor = session.get(User, trainees_in(world["cohort"]("C"), 1)[0].user_id)
    link, _ = create_mentee_link(session, mentor)
    for _ in range(5):
        answer_as_mentee(session, link, {"safer": ["5"]}, on_paper=False)
    session.flush()
    for organisation in (world["partners"]["A"], world["franchisor"]):
        result = report(session, organisation)
        row = change_row(result)
        assert (row.people.value, row.before.value, row.after.value) == (5, 2, 4)
        mentee = next(p for p in result.surveys if p.survey.id == "mentee")
        assert mentee.rates[0].invited == 0
        assert not mentee.rates[0].answered.shown
    other = change_row(report(session, world["partners"]["C"]))
    assert (other.people.value, other.change.value) == (6, -4)


def test_mentee_answers_are_counted_by_the_mentors_organisation(session, world):
    mentors = [session.get(User, e.user_id) for e in trainees_in(world["cohort"]("A"), 2)]
    for index in range(5):
        link, _ = create_mentee_link(session, mentors[index % 2], f"M{index}")
        answer_as_mentee(session, link, {"safer": [str(1 + index % 5)]}, on_paper=index % 2 == 0)
    session.flush()
    part = next(
        p for p in report(session, world["partners"]["A"]).surveys if p.survey.id == "mentee"
    )
    assert (part.rates[0].invited, part.rates[0].answered.value) == (5, 5)
    score = part.scores[0]
    assert (score.mean.value, score.moment) == (3.0, Moment.ANY)


def _fake_practice(session, groups):
    return {
        group: [ImpactFigure("Practice hours", value=3 * len(ids), people=len(ids))]
        for group, ids in groups.items()
    }


def test_practice_figures_come_from_the_hook_and_are_suppressed_alike(session, world, monkeypatch):
    real = capabilities.hooks
    monkeypatch.setattr(
        capabilities,
        "hooks",
        lambda name: [_fake_practice] if name == "impact_figures" else real(name),
    )
    big, small = world["cohort"]("A"), world["cohort"]("B")
    trainees_in(big, 5)
    trainees_in(small, 4)
    session.flush()
    franchise = report(session, world["franchisor"]).practice
    assert [(f.label, shown.value) for f, shown in franchise] == [("Practice hours", 27)]
    for partner in ("A", "B"):  # 5 and 4 of 9: the 4 would show by difference
        [(figure, shown)] = report(session, world["partners"][partner]).practice
        assert figure.label == "Practice hours"
        assert not shown.shown
    [(_, shown)] = report(session, world["partners"]["A"], big).practice
    assert shown.shown
    assert shown.value == 15


def test_comments_only_from_a_moment_five_people_answered_and_without_names(session, world):
    cohort = world["cohort"]("A")
    for index, enrolment in enumerate(trainees_in(cohort, 5)):
        answer(enrolment, world["confidence"], Moment.START, confidence=3, text=f"Hope {index}")
    for enrolment in trainees_in(cohort, 2):
        answer(enrolment, world["confidence"], Moment.END, confidence=3, text="Too few to show")
    session.flush()
    found = impact.comments(session, world["partners"]["A"])
    assert [c.text for c in found] == [f"Hope {i}" for i in range(5)]
    assert {c.moment for c in found} == {Moment.START}
    assert impact.comments(session, world["partners"]["B"]) == []


def test_the_report_reads_the_same_number_of_queries_however_many_answered(
    session, world, count_queries
):
    partner = world["partners"]["A"]
    answered(world, world["cohort"]("A"), 5)
    session.commit()
    with count_queries() as few:
        report(session, partner)
    answered(world, world["cohort"]("A"), 12)
    answered(world, world["cohort"]("B"), 7)
    session.commit()
    with count_queries() as many:
        report(session, partner)
    assert many.count == few.count


def test_a_survey_attached_to_a_unit_is_asked_on_every_course_with_that_unit(session, world):
    from lms.practice.surveys.format import Survey
    from lms.practice.surveys.operations import sync_surveys
    from lms.practice.surveys.queries import surveys_for
    from tests.factories import CourseUnitFactory, UnitFactory
    from tests.factories.surveys import CONFIDENCE

    unit = UnitFactory(code="RMX01")
    with_unit, without = CourseFactory(code="WITH1"), CourseFactory(code="WITHOUT1")
    CourseUnitFactory(course=with_unit, unit=unit)
    sync_surveys(
        session,
        [Survey(**{**CONFIDENCE.__dict__, "id": "unit-survey", "course": None, "unit": "RMX01"})],
    )
    partner = world["partners"]["A"]
    asked = trainees_in(ending_cohort(partner, with_unit), 1)[0]
    not_asked = trainees_in(ending_cohort(partner, without), 1)[0]
    session.flush()
    today = utcnow().date()
    slugs = {
        enrolment.id: {
            a.survey.slug for a in surveys_for(session, session.get(User, enrolment.user_id), today)
        }
        for enrolment in (asked, not_asked)
    }
    assert "unit-survey" in slugs[asked.id]
    assert "unit-survey" not in slugs[not_asked.id]
    part = next(p for p in report(session, partner).surveys if p.survey.id == "unit-survey")
    assert next(r for r in part.rates if r.moment is Moment.START).invited == 1
