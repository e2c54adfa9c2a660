"""Alembic environment: the schema is every capability's models (`lms.capabilities`), the URL
comes from the application config."""

from alembic import context
from sqlalchemy import engine_from_config, pool

from lms.capabilities import import_models
from lms.db import Base

import_models()

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _foreign_keys(connection, on: bool) -> None:
    """SQLite: a migration that copies a table others refer to (batch mode) drops the old
    table with its rows still referred to, so foreign keys are off while migrations run and
    checked once they are done. SQLite only changes this outside a transaction."""
    if connection.dialect.name != "sqlite" or connection.in_transaction():
        return
    connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    if on:
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"the migrations left rows that refer to nothing: {broken[:5]}")
    connection.commit()


def _run(connection) -> None:
    _foreign_keys(connection, on=False)
    try:
        _configure_and_run(connection)
    finally:
        _foreign_keys(connection, on=True)


def _configure_and_run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
