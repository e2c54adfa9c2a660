"""The migrations are the schema: applying them to an empty database gives exactly the models."""

from __future__ import annotations

import os
import uuid

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

import lms.models  # noqa: F401
from lms.core.migrations import alembic_config
from lms.db import Base


def _assert_no_drift(url: str) -> None:
    command.upgrade(alembic_config(url), "head")
    engine = create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == [], f"models and migrations differ: {differences}"


def test_single_head():
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"migrations have several heads: {heads}"


def test_migrations_match_models_on_sqlite(tmp_path):
    _assert_no_drift(f"sqlite:///{tmp_path / 'migrated.sqlite3'}")


def test_migrations_downgrade_to_empty_and_up_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}"
    command.upgrade(alembic_config(url), "head")
    command.downgrade(alembic_config(url), "base")
    _assert_no_drift(url)


@pytest.mark.postgres
def test_migrations_match_models_on_postgresql():
    server = os.environ["TEST_POSTGRES_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"alongside_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _assert_no_drift(server.rsplit("/", 1)[0] + f"/{name}")
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_cohort_names_that_differ_only_in_case_are_renamed_when_upgrading(tmp_path):
    """Before names were compared ignoring case, "Spring" and " spring" could both exist in
    one organisation. The upgrade keeps the first as it is and renames the others."""
    url = f"sqlite:///{tmp_path / 'cohorts.sqlite3'}"
    command.upgrade(alembic_config(url), "0b47d8a0c3cc")
    engine = create_engine(url)
    now = "2026-12-01 10:00:00.000000"
    with engine.begin() as connection:
        for org_id, slug in ((1, "northside"), (2, "harbour")):
            connection.execute(
                text(
                    "INSERT INTO organisation (id, slug, name, kind, created_at) "
                    "VALUES (:id, :slug, :slug, 'partner', :now)"
                ),
                {"id": org_id, "slug": slug, "now": now},
            )
        connection.execute(
            text(
                "INSERT INTO course (id, code, title, kind, version, language, summary, folder, "
                "content_hash, synced_at) VALUES (1, 'ALRM3', 'L3', 'qualification', 1, 'en', "
                "'', 'alrm3', :hash, :now)"
            ),
            {"hash": "0" * 64, "now": now},
        )
        for org_id, name in (
            (1, "Spring 2027"),
            (1, "spring 2027 "),
            (1, "SPRING  2027"),
            (1, "Spring 2027 (2)"),
            (2, "spring 2027"),
        ):
            connection.execute(
                text(
                    "INSERT INTO cohort (organisation_id, course_id, name, status, created_at) "
                    "VALUES (:org, 1, :name, 'open', :now)"
                ),
                {"org": org_id, "name": name, "now": now},
            )
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT organisation_id, name FROM cohort ORDER BY id")
        ).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [
        (1, "Spring 2027"),
        (1, "spring 2027 (3)"),
        (1, "SPRING 2027 (4)"),
        (1, "Spring 2027 (2)"),
        (2, "spring 2027"),
    ]
