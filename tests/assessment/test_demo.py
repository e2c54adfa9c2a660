from sqlalchemy import func, select

from lms.core.demo import load_demo
from lms.extensions import db
from lms.portfolio.models import Evidence, Submission, SubmissionStatus
from tests.factories import course_with_content


def test_the_demo_has_a_queue_a_referral_a_sign_off_being_checked_and_one_returned(app):
    course_with_content(units=2)
    load_demo(db.session)
    db.session.commit()
    statuses = sorted(s.value for s in db.session.scalars(select(Submission.status)))
    # Referred (Bethany), waiting (Chloe), signed off and being checked (Danuta), and back
    # with the assessor after the IQA's check (Esi).
    assert statuses == ["awaiting_iqa", "referred", "submitted", "submitted"]
    evidence = db.session.scalar(select(func.count()).select_from(Evidence))
    load_demo(db.session)  # safe to run again
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == evidence
    assert SubmissionStatus.SUBMITTED in set(db.session.scalars(select(Submission.status)))


def test_without_a_course_the_demo_loads_no_portfolios(app):
    load_demo(db.session)
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0
