"""Checking the ledger: every chain whole, every entry matching its record, every signature
made by a key of the chain's organisation. `verify_all` is `flask --app app verify`;
`verified` answers for a few records at once, for the pages that show them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accreditation.models import OrganisationSigningKey
from lms.ledger import records, signing
from lms.ledger.canonical import GENESIS
from lms.ledger.models import LedgerChain, LedgerEntry
from lms.ledger.operations import site_secret
from lms.ledger.specs import SPECS
from lms.ledger.triggers import missing_triggers


@dataclass(frozen=True)
class Problem:
    chain: str  # "organisation 3 / decision", or "database" for a missing trigger
    table: str
    row_id: int | None
    what: str

    def __str__(self) -> str:
        where = f"{self.table} {self.row_id}" if self.row_id is not None else self.table
        return f"{self.chain}: {where}: {self.what}"


class Keys:
    """The public keys entries may name: organisations' (retired ones too; only the `kids`
    given, when given) and, with the site's SECRET_KEY, the site's own. One query."""

    def __init__(self, session: Session, secret_key: str | None, kids: Iterable[str] | None = None):
        self.by_kid: dict[str, tuple[int, object]] = {}
        query = select(
            OrganisationSigningKey.kid,
            OrganisationSigningKey.organisation_id,
            OrganisationSigningKey.public_jwk,
        )
        if kids is not None:
            query = query.where(OrganisationSigningKey.kid.in_(set(kids)))
        for kid, organisation_id, jwk in session.execute(query):
            self.by_kid[kid] = (organisation_id, signing.public_key(jwk))
        self.secret_key = secret_key
        if secret_key:
            kid, key = signing.platform_key(secret_key)
            self.by_kid[kid] = (0, key)

    def problem(self, token: str | None, digest: str, kid: str, scope: int) -> str | None:
        owner, public = self.by_kid.get(kid, (None, None))
        if owner is not None and owner != scope:
            return f"signed with another organisation's key ({kid})"
        return signing.signature_problem(token or "", digest, kid, public)

    def head_problem(self, token: str | None, statement: str, scope: int, entry_kid: str):
        """What is wrong with a chain head's signature: made with the site's head key for the
        chain's scope, or (heads written before there was one) with the key of its last
        entry."""
        kid = signing.kid_of(token)
        if not kid.startswith("head:"):
            return self.problem(token, statement, entry_kid, scope)
        if not self.secret_key:
            return f"signed with an unknown key ({kid})"
        signer = signing.head_signer(self.secret_key, scope)
        if kid != signer.kid:
            return f"signed with a key other than this chain's head key ({kid})"
        return signing.signature_problem(token or "", statement, kid, signer.key)


def _chain_label(scope: int, kind: str) -> str:
    return f"{'site' if scope == 0 else f'organisation {scope}'} / {kind}"


def entry_problem(entry, kind: str, scope: int, row, judgements, keys: Keys) -> str | None:
    """What is wrong with one entry and the record it signs (None when both hold)."""
    if row is None:
        return "the record was deleted"
    spec = SPECS[entry.table_name]
    payload, current = records.statement(spec, row, judgements)
    commitments, changed = records.with_erasures(current, entry.commitments or {})
    digest = records.entry_hash(
        scope=scope,
        kind=kind,
        position=entry.position,
        previous=entry.previous_hash,
        table_name=entry.table_name,
        payload=payload,
        commitments=commitments,
    )
    if changed:
        return f"altered: {', '.join(sorted(changed))} differ from what was signed"
    if spec.kind(row) != kind:
        return "altered: the record is no longer of the kind it was signed as"
    if digest != entry.entry_hash:
        return "altered: what it says differs from what was signed"
    return keys.problem(entry.signature, entry.entry_hash, entry.kid, scope)


def _chain_problems(chain, entries, rows, judgements, keys: Keys) -> list[Problem]:
    label = _chain_label(chain.scope, chain.kind)
    found = []
    previous, position = GENESIS, 0
    for entry in entries:
        position += 1
        problem = None
        if entry.position != position:
            problem = f"entry {position} of the chain is missing"
        elif entry.previous_hash != previous:
            problem = "out of order: not linked to the entry before it"
        else:
            row = rows.get(entry.table_name, {}).get(entry.row_id)
            problem = entry_problem(
                entry, chain.kind, chain.scope, row, judgements.get(entry.row_id), keys
            )
        if problem:
            found.append(Problem(label, entry.table_name, entry.row_id, problem))
        previous, position = entry.entry_hash, entry.position
    if not entries:
        found.append(Problem(label, "ledger_chain", chain.id, "every entry of the chain is gone"))
    elif (chain.length, chain.head_hash) != (position, previous):
        found.append(
            Problem(label, "ledger_chain", chain.id, "the chain's end was cut off or moved")
        )
    else:
        head = records.head_statement(chain.scope, chain.kind, chain.length, chain.head_hash)
        trouble = keys.head_problem(chain.head_signature, head, chain.scope, _kid_of(entries))
        if trouble:
            found.append(Problem(label, "ledger_chain", chain.id, f"head: {trouble}"))
    return found


def _kid_of(entries) -> str:
    return entries[-1].kid if entries else ""


def verify_all(session: Session, secret_key: str) -> list[Problem]:
    """Every problem found, in chain order (the first of each chain is the first bad row)."""
    keys = Keys(session, secret_key)
    problems = [
        Problem("database", table, None, "its append-only triggers are missing")
        for table in missing_triggers(session.connection())
    ]
    rows = {name: records.load_rows(session, name) for name in SPECS}
    judgements = records.load_judgements(session)
    entries_by_chain = defaultdict(list)
    for entry in session.scalars(
        select(LedgerEntry).order_by(LedgerEntry.chain_id, LedgerEntry.position)
    ):
        entries_by_chain[entry.chain_id].append(entry)
    chains = session.scalars(select(LedgerChain).order_by(LedgerChain.scope, LedgerChain.kind))
    sealed = defaultdict(set)
    for chain in chains:
        entries = entries_by_chain.pop(chain.id, [])
        for entry in entries:
            sealed[entry.table_name].add(entry.row_id)
        problems += _chain_problems(chain, entries, rows, judgements, keys)
    for name, by_id in rows.items():
        for row_id in sorted(set(by_id) - sealed[name]):
            problems.append(Problem("unsigned", name, row_id, "missing from its chain"))
    return problems


def first_per_chain(problems: Iterable[Problem]) -> list[Problem]:
    seen, first = set(), []
    for problem in problems:
        if problem.chain not in seen or problem.chain in ("unsigned", "database"):
            seen.add(problem.chain)
            first.append(problem)
    return first


# --- for pages -------------------------------------------------------------------------------


def verified(
    session: Session, table_name: str, ids: Iterable[int], secret_key: str | None = None
) -> dict[int, bool]:
    """Whether each record's own entry holds (record unchanged, signature good). The chain
    around it is for `verify_all`; this is what a page shows beside a decision or award."""
    ids = list(ids)
    if not ids:
        return {}
    rows = records.load_rows(session, table_name, ids)
    judgements = (
        records.load_judgements(session, ids) if table_name == "assessment_decision" else {}
    )
    found = session.execute(
        select(LedgerEntry, LedgerChain.scope, LedgerChain.kind)
        .join(LedgerChain, LedgerChain.id == LedgerEntry.chain_id)
        .where(LedgerEntry.table_name == table_name, LedgerEntry.row_id.in_(ids))
    ).all()
    keys = Keys(session, secret_key, kids=[entry.kid for entry, _, _ in found])
    result = dict.fromkeys(ids, False)
    for entry, scope, kind in found:
        problem = entry_problem(
            entry, kind, scope, rows.get(entry.row_id), judgements.get(entry.row_id), keys
        )
        result[entry.row_id] = problem is None
    return result


def chain_intact(session: Session, scope: int, kind: str, secret_key: str | None = None) -> bool:
    """Whether one chain holds from start to end (the public page checks an organisation's
    revocations this way before calling anything genuine)."""
    chain = session.scalar(
        select(LedgerChain).where(LedgerChain.scope == scope, LedgerChain.kind == kind)
    )
    if chain is None:
        return True
    entries = list(
        session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.chain_id == chain.id)
            .order_by(LedgerEntry.position)
        )
    )
    spec_tables = {entry.table_name for entry in entries}
    rows = {
        name: records.load_rows(session, name, [e.row_id for e in entries if e.table_name == name])
        for name in spec_tables
    }
    # The site's secret checks the chain's head (signed with a key derived from it).
    keys = Keys(session, secret_key or site_secret(), kids=[entry.kid for entry in entries])
    return not _chain_problems(chain, entries, rows, {}, keys)
