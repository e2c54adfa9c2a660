"""Keyset paging: a list read a page at a time by the place of its rows in the list's order
(never OFFSET, which reads every row before the page), with links that carry the sort keys
of the row a page starts after (or before)."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, Row, Select, and_, or_
from sqlalchemy.orm import Session

SortKeys = list[tuple[ColumnElement, bool]]  # (expression, descending), the last unique


def ordered(statement: Select, keys: SortKeys, *, backwards: bool = False) -> Select:
    return statement.order_by(
        *(expr.desc() if descending != backwards else expr.asc() for expr, descending in keys)
    )


def beyond(keys: SortKeys, values: Sequence, *, backwards: bool = False) -> ColumnElement[bool]:
    """SQL: the row comes after the row whose sort keys are `values` (before it, `backwards`)."""
    clauses = []
    for index, (expr, descending) in enumerate(keys):
        later = expr < values[index] if descending != backwards else expr > values[index]
        equal = [keys[j][0] == values[j] for j in range(index)]
        clauses.append(and_(*equal, later))
    return or_(*clauses)


def encode_cursor(values: Sequence) -> str:
    """A page link's cursor: the sort keys of the row it starts beyond."""
    plain = [
        {"at": v.isoformat()}
        if isinstance(v, datetime)
        else {"day": v.isoformat()}
        if isinstance(v, date)
        else v
        for v in values
    ]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode_cursor(text: str | None, length: int = 3) -> list | None:
    """The values of `encode_cursor`, or None (the first page) for anything else."""
    if not text:
        return None
    try:
        plain = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        values = [_value(v) for v in plain]
    except (ValueError, TypeError, KeyError):
        return None
    if len(values) != length or not all(isinstance(v, str | int | date) for v in values):
        return None
    return values


def _value(plain):
    if not isinstance(plain, dict):
        return plain
    if "day" in plain:
        return date.fromisoformat(plain["day"])
    return datetime.fromisoformat(plain["at"])


def read_page(
    session: Session,
    statement: Select,
    keys: SortKeys,
    after: Sequence | None,
    before: Sequence | None,
    per_page: int,
) -> tuple[list[Row], bool, bool]:
    """One page of `statement`'s rows in the order of `keys`: the first, the one after the
    sort keys `after`, or the one before `before` (decoded cursors). Returns the rows, and
    whether there are rows before and after them."""
    if before is not None:
        rows = session.execute(
            ordered(
                statement.where(beyond(keys, before, backwards=True)), keys, backwards=True
            ).limit(per_page + 1)
        ).all()
        return list(reversed(rows[:per_page])), len(rows) > per_page, True
    if after is not None:
        statement = statement.where(beyond(keys, after))
    rows = session.execute(ordered(statement, keys).limit(per_page + 1)).all()
    return rows[:per_page], after is not None, len(rows) > per_page
