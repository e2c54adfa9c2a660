"""Reading signed records as plain rows and building the statement an entry signs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from lms.db import Base
from lms.ledger.canonical import canonical, commitment, sha256
from lms.ledger.specs import (
    FORM,
    JUDGEMENT_ERASABLE,
    JUDGEMENT_FIELDS,
    JUDGEMENT_TABLE,
    PLATFORM,
    Spec,
)

Row = Mapping[str, Any]


def table(name: str):
    return Base.metadata.tables[name]


def load_rows(
    session: Session, name: str, ids: Iterable[int] | None = None, *, unless: Select | None = None
) -> dict[int, Row]:
    """Rows as the database holds them (no ORM, nothing cached), by id; without those for
    which `unless` (correlated to the row) finds anything."""
    t = table(name)
    query = select(t)
    if ids is not None:
        query = query.where(t.c.id.in_(list(ids)))
    if unless is not None:
        query = query.where(~unless.exists())
    return {row.id: row._mapping for row in session.execute(query)}


def load_judgements(session: Session, decision_ids: Iterable[int] | None = None):
    t = table(JUDGEMENT_TABLE)
    query = select(t).order_by(t.c.id)
    if decision_ids is not None:
        query = query.where(t.c.decision_id.in_(list(decision_ids)))
    found: dict[int, list[Row]] = defaultdict(list)
    for row in session.execute(query):
        found[row.decision_id].append(row._mapping)
    return found


def scopes(session: Session, spec: Spec, rows: Iterable[Row]) -> dict[int, int]:
    """The chain scope (organisation id, or 0) of each row, by row id."""
    rows = list(rows)
    if spec.via is None:
        return {row["id"]: row[spec.organisation] or PLATFORM for row in rows}
    parent_name, column = spec.via
    parent = table(parent_name)
    wanted = {row[column] for row in rows}
    query = select(parent.c.id, parent.c.organisation_id).where(parent.c.id.in_(wanted))
    owners = dict(session.execute(query).all())
    return {row["id"]: owners.get(row[column]) or PLATFORM for row in rows}


def statement(spec: Spec, row: Row, judgements: list[Row] | None) -> tuple[dict, dict]:
    """What a row asserts (its signed columns, with a decision's judgements) and the digests
    standing for its personal columns."""
    payload = {name: row[name] for name in spec.fields}
    commitments = {name: commitment(row[name]) for name in spec.erasable}
    if spec.table == "assessment_decision":
        payload["judgements"] = [
            {name: j[name] for name in JUDGEMENT_FIELDS} for j in judgements or []
        ]
        for j in judgements or []:
            for name in JUDGEMENT_ERASABLE:
                commitments[f"judgement.{j['id']}.{name}"] = commitment(j[name])
    return payload, commitments


def with_erasures(current: dict, stored: dict) -> tuple[dict, list[str]]:
    """The commitments to check: a personal column blanked by erasure (NULL now) stands by the
    digest signed before; any other difference is a change, named in the list."""
    merged = dict(current)
    changed = []
    for key, value in current.items():
        if value is None and stored.get(key) is not None:
            merged[key] = stored[key]
        elif value != stored.get(key):
            changed.append(key)
    changed += [key for key in stored if key not in current]
    return merged, changed


def entry_hash(
    *,
    scope: int,
    kind: str,
    position: int,
    previous: str,
    table_name: str,
    payload: dict,
    commitments: dict,
) -> str:
    return sha256(
        canonical(
            {
                "form": FORM,
                "chain": {"scope": scope, "kind": kind},
                "position": position,
                "previous": previous,
                "table": table_name,
                "record": payload,
                "commitments": commitments,
            }
        )
    )


def head_statement(scope: int, kind: str, length: int, head: str) -> str:
    return sha256(
        canonical({"head": {"scope": scope, "kind": kind}, "length": length, "hash": head})
    )
