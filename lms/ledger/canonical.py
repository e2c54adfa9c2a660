"""The one byte form of what an entry asserts: sorted-key JSON with fixed separators, UTC ISO
times, enums as their values, no floats. The same facts always give the same bytes, on SQLite
and PostgreSQL alike."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

GENESIS = "0" * 64


def plain(value: Any) -> Any:
    """`value` as JSON-ready data in its one canonical spelling."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in a signed record")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    raise TypeError(f"{type(value).__name__} has no canonical form in a signed record")


def canonical(value: Any) -> bytes:
    return json.dumps(
        plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def commitment(value: Any) -> str | None:
    """The digest that stands in a signed entry for personal data erasure may remove. Free
    JSON (an audit event's detail) may hold floats, which `json` writes in one way."""
    if value is None:
        return None
    try:
        data = canonical(value)
    except TypeError:
        data = json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
        ).encode("utf-8")
    return sha256(data)
