"""A database from before the ledger is signed and chained by the upgrade and verifies."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from lms.core.migrations import alembic_config
from lms.ledger.checks import verify_all

BEFORE_THE_LEDGER = "5f56d0f83750"
SECRET = "test-secret-key-that-is-long-enough-for-tests"


def test_an_upgraded_database_verifies_clean_and_refuses_rewrites(app, tmp_path):
    url = f"sqlite:///{tmp_path / 'upgraded.sqlite3'}"
    command.upgrade(alembic_config(url), BEFORE_THE_LEDGER)
    engine = create_engine(url)
    now = "2026-12-01 10:00:00.000000"
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO organisation (id, slug, name, kind, created_at) "
                "VALUES (1, 'northside', 'Northside', 'partner', :now)"
            ),
            {"now": now},
        )
        for number, organisation in ((1, 1), (2, None), (3, 1)):
            connection.execute(
                text(
                    "INSERT INTO audit_event (id, occurred_at, action, organisation_id, "
                    "ip_address, detail) VALUES (:id, :now, 'user.signed_in', :org, "
                    "'192.0.2.1', '{\"n\": 1}')"
                ),
                {"id": number, "now": now, "org": organisation},
            )
    with app.app_context():
        command.upgrade(alembic_config(url), "head")
    with Session(engine) as session, app.app_context():
        assert verify_all(session, SECRET) == []
        entries = session.scalar(text("SELECT COUNT(*) FROM ledger_entry"))
        # the three events, and the audit event of the organisation's new signing key
        assert entries == 4
    with engine.connect() as connection, pytest.raises(DBAPIError, match="append-only"):
        connection.execute(text("DELETE FROM audit_event WHERE id = 2"))
    engine.dispose()
