"""The database's own refusal to change history: triggers on every append-only table.

UPDATE and DELETE are refused, on SQLite and PostgreSQL alike, except an UPDATE that only sets
some of the table's erasable columns (`lms.db.APPEND_ONLY`) to NULL: erasure. The same SQL is
made by the migration and, for schemas built with `create_all` (the tests), by a listener on
the metadata.
"""

from __future__ import annotations

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection

from lms.db import APPEND_ONLY, Base

FUNCTION = "ledger_refuse_change"


def trigger_names(table: str, dialect: str) -> list[str]:
    names = [f"{table}_append_only_update", f"{table}_append_only_delete"]
    if dialect == "postgresql":
        names.append(f"{table}_append_only_truncate")
    return names


def _sqlite(table: str, columns: list[str], erasable: tuple[str, ...]) -> list[str]:
    unchanged = [
        f'(NEW."{c}" IS OLD."{c}" OR NEW."{c}" IS NULL)'
        if c in erasable
        else f'NEW."{c}" IS OLD."{c}"'
        for c in columns
    ]
    return [
        f'CREATE TRIGGER "{table}_append_only_update" BEFORE UPDATE ON "{table}" FOR EACH ROW '
        f"WHEN NOT ({' AND '.join(unchanged)}) "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows cannot be changed'); END",
        f'CREATE TRIGGER "{table}_append_only_delete" BEFORE DELETE ON "{table}" FOR EACH ROW '
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows cannot be deleted'); END",
    ]


def _postgresql(table: str, erasable: tuple[str, ...]) -> list[str]:
    # Every column but the erasable ones compared at once (json columns have no `=`, jsonb
    # has), so a column added later is covered without changing the trigger.
    dropped = "ARRAY[" + ", ".join(f"'{c}'" for c in erasable) + "]::text[]"
    blanked = "".join(
        f' AND (NEW."{c}" IS NULL OR NEW."{c}"::text IS NOT DISTINCT FROM OLD."{c}"::text)'
        for c in erasable
    )
    return [
        f'CREATE TRIGGER "{table}_append_only_update" BEFORE UPDATE ON "{table}" FOR EACH ROW '
        f"WHEN (NOT ((to_jsonb(NEW) - {dropped}) = (to_jsonb(OLD) - {dropped}){blanked})) "
        f"EXECUTE FUNCTION {FUNCTION}()",
        f'CREATE TRIGGER "{table}_append_only_delete" BEFORE DELETE ON "{table}" FOR EACH ROW '
        f"EXECUTE FUNCTION {FUNCTION}()",
        f'CREATE TRIGGER "{table}_append_only_truncate" BEFORE TRUNCATE ON "{table}" '
        f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()",
    ]


POSTGRESQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$
"""


def create_triggers(
    connection: Connection, tables: dict[str, tuple[str, ...]] | None = None
) -> None:
    """Create the triggers on each append-only table present (`tables`: name -> erasable
    columns; every table marked `@append_only` when not given)."""
    tables = APPEND_ONLY if tables is None else tables
    dialect = connection.dialect.name
    present = set(inspect(connection).get_table_names())
    if dialect == "postgresql":
        connection.execute(text(POSTGRESQL_FUNCTION))
    for table, erasable in sorted(tables.items()):
        if table not in present:
            continue
        if dialect == "sqlite":
            columns = [c["name"] for c in inspect(connection).get_columns(table)]
            statements = _sqlite(table, columns, erasable)
        elif dialect == "postgresql":
            statements = _postgresql(table, erasable)
        else:
            continue
        for statement in statements:
            connection.execute(text(statement))


def drop_triggers(connection: Connection, tables: dict | None = None) -> None:
    tables = APPEND_ONLY if tables is None else tables
    dialect = connection.dialect.name
    present = set(inspect(connection).get_table_names())
    for table in sorted(tables):
        if table not in present:
            continue
        for name in trigger_names(table, dialect):
            if dialect == "postgresql":
                connection.execute(text(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"'))
            else:
                connection.execute(text(f'DROP TRIGGER IF EXISTS "{name}"'))


def missing_triggers(connection: Connection) -> list[str]:
    """Append-only tables whose triggers are not all there (a SQLite migration that copies a
    table loses them, for instance)."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        found = set(
            connection.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        )
    elif dialect == "postgresql":
        found = set(
            connection.scalars(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))
        )
    else:
        return []
    present = set(inspect(connection).get_table_names())
    return [
        table
        for table in sorted(APPEND_ONLY)
        if table in present and not set(trigger_names(table, dialect)) <= found
    ]


@event.listens_for(Base.metadata, "after_create")
def _after_create(target, connection, **kw):
    create_triggers(connection)
