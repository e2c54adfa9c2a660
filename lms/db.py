"""Database foundations: the declarative base, the Flask integration and shared column types."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

from flask_sqlalchemy_lite import SQLAlchemy
from sqlalchemy import DateTime, Enum, MetaData, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC datetime is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# How far `utcnow` is set back from the real time (see `clock_at`); zero everywhere but in the
# demo data, which tells each trainee's story over weeks through the ordinary operations.
_clock_offset: ContextVar[timedelta] = ContextVar("clock_offset", default=timedelta(0))


def utcnow() -> datetime:
    return datetime.now(UTC) + _clock_offset.get()


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Run what follows as if it were `moment`, with time moving on from there as usual, so
    that everything the operations inside write carries dates of that day. `moment` may not be
    in the future: nothing may be dated later than it really is."""
    if moment.tzinfo is None:
        raise ValueError("clock_at needs a timezone-aware moment")
    offset = moment - datetime.now(UTC)
    if offset > timedelta(0):
        raise ValueError("clock_at cannot move the clock into the future")
    token = _clock_offset.set(offset)
    try:
        yield
    finally:
        _clock_offset.reset(token)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


db = SQLAlchemy()


def _sqlite_synchronous() -> str:
    wanted = os.environ.get("SQLITE_SYNCHRONOUS", "").upper()
    return wanted if wanted in ("OFF", "NORMAL") else "FULL"


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    # FULL: a commit the server has acknowledged survives a power cut, not just a crash. The
    # test suite, whose databases are thrown away, may ask for less (SQLITE_SYNCHRONOUS=OFF).
    cursor.execute(f"PRAGMA synchronous={_sqlite_synchronous()}")
    cursor.close()


def string_enum(enum_cls, name: str, *, length: int = 30) -> Enum:
    """An enum column stored as plain strings (its values), so adding a member is a small
    migration on every backend."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete a record that must only ever be added to."""


# Append-only tables and the columns of each that erasure may blank (set to NULL): the
# database's triggers (lms.ledger.triggers) and the ORM check below both read this.
APPEND_ONLY: dict[str, tuple[str, ...]] = {}


def append_only(cls=None, *, erasable: tuple[str, ...] = ()):
    """Mark a mapped class as append-only: rows may be inserted, never updated or deleted.

    Corrections are new rows that reference the old ones; this keeps decisions, awards and
    the audit trail trustworthy for quality assurers and awarding bodies. The one change
    allowed is erasure: setting some of the `erasable` columns (personal text that the
    ledger signed by its digest) to NULL. The database refuses everything else too.
    """
    if cls is None:
        return lambda target: append_only(target, erasable=erasable)
    APPEND_ONLY[cls.__tablename__] = tuple(erasable)

    def refuse_update(mapper, connection, target):
        state = inspect(target)
        changed = [
            attr
            for attr in state.attrs
            if attr.history.has_changes() and attr.key in mapper.columns
        ]
        if all(attr.key in erasable and attr.value is None for attr in changed):
            return
        raise AppendOnlyError(f"{cls.__name__} records cannot be changed once written")

    def refuse_delete(mapper, connection, target):
        raise AppendOnlyError(f"{cls.__name__} records cannot be deleted")

    event.listen(cls, "before_update", refuse_update)
    event.listen(cls, "before_delete", refuse_delete)
    return cls
