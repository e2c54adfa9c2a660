"""One true record: the demo, loaded on the real curriculum, tells the same story about every
demo trainee wherever it is read (her portfolio, her learner record, the cohort progress
report, the franchise overview and the API), and that story is one real use could have made:
units achieved only through sign-off, dates after enrolment and in order, an award only with
its lessons done."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import select, update

from lms.accounts.models import Organisation, User
from lms.accounts.roles import Role
from lms.accreditation.models import QualificationAward, UnitAchievement
from lms.accreditation.operations import evaluate_enrolment
from lms.assessment.models import Countersignature, Decision, Outcome
from lms.core.demo import load_demo
from lms.curriculum.models import (
    Cohort,
    CourseUnit,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    LessonProgress,
    Unit,
)
from lms.db import utcnow
from lms.franchise.overview import franchise_overview
from lms.franchise.progress import ProgressFilters, cohort_progress
from lms.portfolio.models import Evidence, Submission, SubmissionStatus
from lms.quizzes.models import QuizAttempt
from tests.factories import api_token

LABELS = {
    "not_submitted": "Not submitted yet",
    "with_assessor": "Waiting for an assessor",
    "referred": "Referred back for more work",
    "being_checked": "Signed off, being checked",
    "looked_at_again": "Back with the assessor after a check",
    "achieved": "Achieved",
}


@pytest.fixture
def demo(app, session):
    assert app.test_cli_runner().invoke(args=["courses", "sync"]).exit_code == 0
    load_demo(session)
    session.commit()
    load_demo(session)  # safe to run again: it changes nothing
    session.commit()
    # The words compared here are English ones: everyone reads in English for this story
    # (the other languages are read by tests/browser/test_language_journeys.py).
    session.execute(update(User).values(locale=None))
    session.commit()


def _units(session, course_id: int) -> list[Unit]:
    return list(
        session.scalars(
            select(Unit)
            .join(CourseUnit, CourseUnit.unit_id == Unit.id)
            .where(CourseUnit.course_id == course_id)
            .order_by(CourseUnit.position)
        )
    )


def _expected(session, enrolment: Enrolment, unit: Unit) -> str:
    """Where the unit stands, worked out here from the rows themselves."""
    if session.scalar(
        select(UnitAchievement.id).where(
            UnitAchievement.enrolment_id == enrolment.id, UnitAchievement.unit_code == unit.code
        )
    ):
        return "achieved"
    latest = session.scalar(
        select(Submission)
        .where(Submission.enrolment_id == enrolment.id, Submission.unit_id == unit.id)
        .order_by(Submission.submitted_at.desc(), Submission.id.desc())
        .limit(1)
    )
    if latest is None:
        return "not_submitted"
    assert latest.status != SubmissionStatus.ACHIEVED, "final in assessment, not on the record"
    if latest.status == SubmissionStatus.SUBMITTED:
        decided = session.scalar(select(Decision.id).where(Decision.submission_id == latest.id))
        return "looked_at_again" if decided else "with_assessor"
    if latest.status == SubmissionStatus.REFERRED:
        return "referred"
    return "being_checked"


def _cards(html: str, marker: str) -> dict[str, str]:
    """The page's cards (or sections) by the unit code they start with."""
    pieces = html.split(marker)[1:]
    return {re.search(r"(RM\d+|PS\d+)", piece).group(1): piece for piece in pieces}


def _api(client, session, enrolment: Enrolment) -> dict:
    organisation = session.get(Organisation, enrolment.organisation_id)
    coordinator = session.scalar(
        select(User).where(User.email == f"coordinator@{organisation.slug}.example")
    )
    token = api_token(session, coordinator, organisation, Role.COORDINATOR)
    response = client.get(
        f"/api/v1/trainees/{enrolment.user_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    (found,) = [e for e in response.json["data"]["enrolments"] if e["enrolment_id"] == enrolment.id]
    return found


def _matrix_rows(session) -> dict[int, object]:
    rows = {}
    for cohort in session.scalars(select(Cohort)):
        report = cohort_progress(session, cohort, ProgressFilters(status="all"))
        rows.update({row.enrolment_id: row for row in report.rows})
    return rows


def test_every_demo_trainee_has_one_story_everywhere(demo, session, client, signed_in):
    enrolments = session.scalars(select(Enrolment).order_by(Enrolment.id)).all()
    matrix = _matrix_rows(session)
    seen = Counter()
    for enrolment in enrolments:
        trainee = session.get(User, enrolment.user_id)
        units = _units(session, enrolment.course_id)
        portfolio = _cards(
            signed_in(trainee).get(f"/portfolio/{enrolment.id}").text, '<li class="card">'
        )
        coordinator = session.scalar(
            select(User).where(
                User.email.like("coordinator@%"),
                User.memberships.any(organisation_id=enrolment.organisation_id),
            )
        )
        record = _cards(
            signed_in(coordinator).get(f"/records/{enrolment.id}").text,
            '<section class="record-unit"',
        )
        api = _api(client, session, enrolment)
        api_units = {u["code"]: u for u in api["units"]}
        row = matrix.get(enrolment.id)
        for unit in units:
            status = _expected(session, enrolment, unit)
            seen[status] += 1
            label = LABELS[status]
            where = f"{trainee.display_name}, {unit.code}"
            assert f">{label}<" in portfolio[unit.code], where
            record_text = "Achieved" if status == "achieved" else "Not yet achieved"
            assert record_text in record[unit.code], where
            if status not in ("achieved", "not_submitted"):
                assert label.lower() in record[unit.code], where
            assert api_units[unit.code]["status"] == status, where
            if row is not None:
                shown = row.extras.get(("assessment", unit.id), "")
                assert shown.startswith(label if status != "not_submitted" else ""), where
            if status == "achieved":
                progress = api_units[unit.code]["progress"]
                assert progress["lessons_completed"] == progress["lessons_total"], where

        awarded = session.scalar(
            select(QualificationAward).where(QualificationAward.enrolment_id == enrolment.id)
        )
        assert (api["accreditation"]["status"] == "achieved") == (awarded is not None)
        assert (enrolment.status == EnrolmentStatus.ACHIEVED) == (awarded is not None)
        if row is not None:
            assert (row.status == EnrolmentStatus.ACHIEVED) == (awarded is not None)
            if awarded is not None:
                assert row.percent == 100
        if awarded is not None:
            assert evaluate_enrolment(session, enrolment).met
            assert (
                "achieved the qualification"
                in signed_in(coordinator).get(f"/records/{enrolment.id}").text
            )

    # The demo shows every state a unit can be in.
    assert set(seen) == set(LABELS), seen

    # The franchise overview counts the same awards.
    admin = session.scalar(select(User).where(User.email == "admin@alongside.example"))
    overview = franchise_overview(session, admin, utcnow().date())
    awards = Counter(session.scalars(select(QualificationAward.organisation_id)))
    assert {p.organisation.id: p.achieved for p in overview.partners} == {
        p.organisation.id: awards.get(p.organisation.id, 0) for p in overview.partners
    }
    assert sum(awards.values()) == 1


def test_the_demo_is_made_as_real_use_makes_it(demo, session):
    now = utcnow()
    for enrolment in session.scalars(select(Enrolment)):
        start = enrolment.enrolled_at

        def in_order(*moments: datetime | None, _start=start) -> bool:
            known = [_start, *[m for m in moments if m is not None], now]
            return known == sorted(known)

        for progress in session.scalars(
            select(LessonProgress).where(LessonProgress.enrolment_id == enrolment.id)
        ):
            assert in_order(progress.first_viewed_at, progress.completed_at)
        for attempt in session.scalars(
            select(QuizAttempt).where(QuizAttempt.enrolment_id == enrolment.id)
        ):
            assert in_order(attempt.started_at, attempt.submitted_at)
        for evidence in session.scalars(
            select(Evidence).where(Evidence.enrolment_id == enrolment.id)
        ):
            assert in_order(evidence.created_at)
        for achievement in session.scalars(
            select(UnitAchievement).where(UnitAchievement.enrolment_id == enrolment.id)
        ):
            _made_by_sign_off(session, enrolment, achievement, in_order)
        award = session.scalar(
            select(QualificationAward).where(QualificationAward.enrolment_id == enrolment.id)
        )
        if award is not None:
            assert in_order(award.awarded_at)
            # A trainee with an award has done her lessons.
            lessons = session.scalars(
                select(Lesson.id)
                .join(CourseUnit, CourseUnit.unit_id == Lesson.unit_id)
                .where(CourseUnit.course_id == enrolment.course_id)
            ).all()
            done = session.scalars(
                select(LessonProgress.lesson_id).where(
                    LessonProgress.enrolment_id == enrolment.id,
                    LessonProgress.completed_at.is_not(None),
                )
            ).all()
            assert lessons
            assert set(lessons) <= set(done)


def _made_by_sign_off(session, enrolment, achievement, in_order) -> None:
    """The achievement was recorded by the sign-off path: a signed-off decision on an
    achieved submission of that unit, in order after her lessons and her quiz."""
    submission = session.scalar(
        select(Submission)
        .join(Unit, Unit.id == Submission.unit_id)
        .where(
            Submission.enrolment_id == enrolment.id,
            Unit.code == achievement.unit_code,
            Submission.status == SubmissionStatus.ACHIEVED,
        )
    )
    assert submission is not None, achievement.unit_code
    decision = session.scalar(
        select(Decision)
        .where(Decision.submission_id == submission.id)
        .order_by(Decision.decided_at.desc())
        .limit(1)
    )
    assert decision.outcome == Outcome.SIGNED_OFF
    assert decision.decided_at == achievement.signed_off_at
    assert decision.assessor_id == achievement.signed_off_by_id
    countersigned = session.scalar(
        select(Countersignature).where(
            Countersignature.decision_id == decision.id, Countersignature.agrees.is_(True)
        )
    )
    assert (countersigned is None) == (achievement.countersigned_at is None)
    assert in_order(
        submission.submitted_at,
        achievement.signed_off_at,
        achievement.countersigned_at,
        achievement.recorded_at,
    )
    lessons_done = session.scalars(
        select(LessonProgress.completed_at)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.enrolment_id == enrolment.id, Lesson.unit_id == submission.unit_id)
    ).all()
    assert lessons_done
    assert all(when <= submission.submitted_at for when in lessons_done)
