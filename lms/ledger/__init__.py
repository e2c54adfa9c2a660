"""Tamper-evident records: every decision, countersignature, IQA review, award, revocation and
audit entry is signed with its organisation's key and chained, per kind, to the one before.
See docs/architecture.md, "Tamper-evident records"."""
