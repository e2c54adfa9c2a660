"""Rows as files a person can open: JSON for programs and CSV for a spreadsheet.

Capabilities answer the `subject_access` hook with these; nothing here knows any model."""

from __future__ import annotations

import csv
import enum
import io
import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect

Files = list[tuple[str, str]]


def plain(value: Any) -> Any:
    """A value as JSON can hold it: dates as ISO 8601, enumerations as their value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"{type(value).__name__} cannot be written to JSON")


def columns(obj: Any, *, leave_out: Iterable[str] = ()) -> dict[str, Any]:
    """A mapped object's columns by name (`leave_out` names secrets that are not hers to
    read, such as a password's hash)."""
    skip = set(leave_out)
    return {
        attribute.key: getattr(obj, attribute.key)
        for attribute in inspect(obj).mapper.column_attrs
        if attribute.key not in skip
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, default=plain, ensure_ascii=False)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str | int | float):
        return str(value)
    return str(plain(value))


def csv_text(rows: list[Mapping[str, Any]]) -> str:
    names: list[str] = []
    for row in rows:
        names.extend(name for name in row if name not in names)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(names)
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in names])
    return out.getvalue()


def table(name: str, rows: Iterable[Mapping[str, Any]]) -> Files:
    """`name.json` and `name.csv` holding `rows` (an empty list still gives both files, so
    the archive shows that nothing of that kind is held)."""
    rows = [dict(row) for row in rows]
    return [
        (f"{name}.json", json.dumps(rows, indent=2, default=plain, ensure_ascii=False) + "\n"),
        (f"{name}.csv", csv_text(rows)),
    ]
