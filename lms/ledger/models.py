"""The ledger: one head row per chain (organisation and kind), one signed entry per record.

An entry is append-only like the records it signs. The head row is the one thing that changes:
its conditional UPDATE is also the lock that keeps two appends at once from forking a chain.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, append_only, utcnow
from lms.ledger.canonical import GENESIS


class LedgerChain(Base):
    __tablename__ = "ledger_chain"
    __table_args__ = (UniqueConstraint("scope", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The organisation whose key signs the chain, or 0 for events of no organisation.
    scope: Mapped[int]
    kind: Mapped[str] = mapped_column(String(40))
    length: Mapped[int] = mapped_column(default=0)
    head_hash: Mapped[str] = mapped_column(String(64), default=GENESIS)
    # The head itself (scope, kind, length, hash) signed, so cutting entries off the end
    # shows unless the old head's signature was kept from before.
    head_signature: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


@append_only
class LedgerEntry(Base):
    __tablename__ = "ledger_entry"
    __table_args__ = (
        UniqueConstraint("chain_id", "position"),
        UniqueConstraint("table_name", "row_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("ledger_chain.id"), index=True)
    position: Mapped[int]
    table_name: Mapped[str] = mapped_column(String(60))
    row_id: Mapped[int]
    form: Mapped[int] = mapped_column(default=1)
    # Digests of the personal columns (erasure may blank the columns, never these).
    commitments: Mapped[dict] = mapped_column(JSON, default=dict)
    previous_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))
    kid: Mapped[str] = mapped_column(String(300))
    signature: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)

    chain: Mapped[LedgerChain] = relationship(lazy="raise")
