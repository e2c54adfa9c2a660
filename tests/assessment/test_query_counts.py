"""Pages that list things send the same number of queries however much there is to list."""

from __future__ import annotations

from lms.assessment import operations
from lms.assessment.models import Outcome
from lms.assessment.operations import Verdict
from lms.extensions import db
from lms.portfolio import operations as portfolio
from tests.factories import EnrolmentFactory, add_evidence, assessment_setting, member


def grow(setting, trainees: int, pieces: int):
    """`trainees` more trainees in the cohort, each with evidence, a referred submission and
    a waiting one; and `pieces` more pieces of evidence for the main trainee."""
    from lms.accounts.roles import Role

    for index in range(pieces):
        add_evidence(setting, setting.criteria(), title=f"Piece {index}")
    for _ in range(trainees):
        enrolment = EnrolmentFactory(
            user=member(setting.organisation, Role.TRAINEE),
            course=setting.course,
            organisation=setting.organisation,
            cohort=setting.cohort,
        )
        add_evidence(enrolment, setting.criteria())
        first = portfolio.submit_unit(
            db.session, enrolment, setting.unit, declaration_confirmed=True
        )
        operations.judge(
            db.session,
            first,
            setting.assessor,
            expected_version=1,
            outcome=Outcome.REFERRED,
            verdicts={c.id: Verdict(False, "More") for c in setting.criteria()},
            actions="More please.",
        )
        portfolio.submit_unit(db.session, enrolment, setting.unit, declaration_confirmed=True)
    db.session.commit()


def measure(count_queries, client, url):
    client.get(url)  # warm: the session's last-seen time is written on the first request
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


def test_list_pages_do_not_grow_with_data(app, count_queries, signed_in):
    setting = assessment_setting()
    grow(setting, trainees=1, pieces=1)
    trainee, assessor, iqa = (
        signed_in(p) for p in (setting.trainee, setting.assessor, setting.iqa)
    )
    portfolio.submit_unit(db.session, setting.enrolment, setting.unit, declaration_confirmed=True)
    db.session.commit()
    from sqlalchemy import select

    from lms.portfolio.models import Submission

    mine = db.session.scalar(
        select(Submission).where(Submission.enrolment_id == setting.enrolment.id)
    )
    pages = {
        "overview": (trainee, f"/portfolio/{setting.enrolment.id}"),
        "unit": (trainee, f"/portfolio/{setting.enrolment.id}/units/{setting.unit.id}"),
        "submission": (trainee, f"/portfolio/{setting.enrolment.id}/submissions/{mine.id}"),
        "queue": (assessor, "/assessment/queue"),
        "judge": (assessor, f"/assessment/submissions/{mine.id}"),
        "iqa": (iqa, "/iqa/"),
        "report": (iqa, f"/iqa/{setting.organisation.slug}/report"),
    }
    small = {name: measure(count_queries, *page) for name, page in pages.items()}
    grow(setting, trainees=6, pieces=8)
    large = {name: measure(count_queries, *page) for name, page in pages.items()}
    assert small == large


def waiting_submission(setting, *, referrals: int, pieces: int, observed: bool):
    """Her unit waiting for a decision after `referrals` referred submissions of it, holding
    `pieces` pieces of evidence (and an observation her assessor recorded, if `observed`)."""
    from lms.portfolio.models import EvidenceType

    for index in range(pieces):
        add_evidence(setting, setting.criteria(), title=f"Piece {index}")
    if observed:
        add_evidence(
            setting,
            setting.criteria(),
            title="Observed session",
            recorded_by=setting.assessor,
            evidence_type=EvidenceType.OBSERVATION,
        )
    for _ in range(referrals):
        referred = portfolio.submit_unit(
            db.session, setting.enrolment, setting.unit, declaration_confirmed=True
        )
        operations.judge(
            db.session,
            referred,
            setting.assessor,
            expected_version=referred.state_version,
            outcome=Outcome.REFERRED,
            verdicts={c.id: Verdict(False, "More") for c in setting.criteria()},
            actions="More please.",
        )
    waiting = portfolio.submit_unit(
        db.session, setting.enrolment, setting.unit, declaration_confirmed=True
    )
    db.session.commit()
    return waiting


def test_the_judging_page_asks_a_fixed_number_of_questions(count_queries, signed_in):
    """Her session with her memberships and her count of unread notices (one); the
    submission with its enrolment, unit and trainee; whether she assesses the trainee's
    cohort (asked once for judging, the portfolio and recording evidence); the look recorded
    for her; the evidence; the
    criteria; the decisions; the witnesses; the quiz; the decisions on earlier submissions;
    and the seal of the look (five: the look unless already sealed, the signing key, the
    chain, the entry, the chain's new head)."""
    counts = {}
    for name, shape in {
        "first": {"referrals": 0, "pieces": 1, "observed": False},
        "observed": {"referrals": 0, "pieces": 1, "observed": True},
        "referred": {"referrals": 1, "pieces": 1, "observed": True},
        "long": {"referrals": 3, "pieces": 6, "observed": True},
    }.items():
        setting = assessment_setting()
        submission = waiting_submission(setting, **shape)
        counts[name] = measure(
            count_queries, signed_in(setting.assessor), f"/assessment/submissions/{submission.id}"
        )
    # Someone who recorded evidence is named on the page: one question for the names. The
    # decisions on earlier submissions bring their judgements, their criteria and the check
    # of their seals (four), however many there are.
    assert counts == {"first": 15, "observed": 16, "referred": 22, "long": 22}
