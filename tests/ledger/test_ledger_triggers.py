"""The database itself refuses to change or delete append-only rows, whatever the code (or a
person at a database prompt) tries, on SQLite and on PostgreSQL alike; the one change it
allows is erasure, blanking an erasable column to NULL."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from lms.accreditation.models import QualificationAward, Revocation
from lms.assessment.models import Countersignature, CriterionJudgement, Decision, Outcome
from lms.audit.models import AuditEvent
from lms.ledger.checks import verify_all

SECRET = "test-secret-key-that-is-long-enough-for-tests"


def _refused(session, statement, **params):
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(statement, params)
    session.rollback()


REFUSED = {
    "bulk ORM update of an outcome": lambda h: (
        update(Decision).where(Decision.id == h.referred.id).values(outcome=Outcome.SIGNED_OFF)
    ),
    "bulk ORM update of a judgement": lambda h: update(CriterionJudgement).values(met=True),
    "bulk ORM delete of revocations": lambda h: delete(Revocation),
    "bulk ORM delete of an IQA review": lambda h: delete(Countersignature),
    "bulk ORM update of an award": lambda h: update(QualificationAward).values(credits=1),
    "bulk ORM delete of audit events": lambda h: delete(AuditEvent),
    "raw SQL update of feedback to other words": lambda h: text(
        "UPDATE assessment_decision SET feedback = 'Poor.'"
    ),
    "raw SQL blanking feedback while changing the outcome": lambda h: text(
        "UPDATE assessment_decision SET feedback = NULL, outcome = 'signed_off'"
    ),
    "raw SQL blanking a column that is not erasable": lambda h: text(
        "UPDATE revocation SET reason = NULL"
    ),
    "raw SQL rewrite of a ledger entry": lambda h: text("UPDATE ledger_entry SET kid = 'other'"),
    "raw SQL delete of a ledger entry": lambda h: text("DELETE FROM ledger_entry"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_the_database_refuses(history, session, name):
    _refused(session, REFUSED[name](history))
    assert verify_all(session, SECRET) == []


def test_erasure_blanking_personal_columns_is_allowed_and_still_verifies(history, session):
    session.execute(
        update(Decision).where(Decision.id == history.referred.id).values(feedback=None)
    )
    session.execute(
        update(CriterionJudgement)
        .where(CriterionJudgement.decision_id == history.referred.id)
        .values(feedback=None)
    )
    session.execute(update(AuditEvent).values(ip_address=None, detail=None))
    session.commit()
    assert session.get(Decision, history.referred.id).feedback is None
    assert verify_all(session, SECRET) == []


def test_the_orm_refuses_before_the_database_is_asked(history, session):
    from lms.db import AppendOnlyError

    decision = session.get(Decision, history.referred.id)
    decision.outcome = Outcome.SIGNED_OFF
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()


@pytest.mark.sqlite
def test_sqlite3_at_the_prompt_is_refused_too(history, session, database_url):
    path = database_url.removeprefix("sqlite:///")
    session.rollback()
    connection = sqlite3.connect(path)
    try:
        for statement in (
            "DELETE FROM revocation",
            "UPDATE assessment_decision SET outcome = 'signed_off'",
            "UPDATE audit_event SET action = 'x'",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                connection.execute(statement)
    finally:
        connection.close()


@pytest.mark.postgres
def test_postgresql_refuses_truncate_and_rewrites(history, session):
    _refused(session, text("TRUNCATE revocation CASCADE"))
    _refused(session, text("UPDATE audit_event SET detail = '{\"x\": 1}'::json"))
    _refused(session, text("DELETE FROM ledger_entry"))
    assert session.execute(text("SELECT COUNT(*) FROM ledger_entry")).scalar() > 0
