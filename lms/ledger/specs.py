"""What each kind of signed record asserts: the columns signed as they are, the personal
columns signed by their digest (which erasure may blank), and which chain a row belongs to.

The lists are explicit, not read from the tables, so that a column added later never changes
what an entry signed before it covers (`FORM` numbers this form of the lists)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

FORM = 1
PLATFORM = 0  # the chain scope of audit events that belong to no organisation


@dataclass(frozen=True)
class Spec:
    table: str
    fields: tuple[str, ...]
    erasable: tuple[str, ...] = ()
    # The kind of chain a row goes in (a countersignature by an IQA is an IQA review).
    kind: Callable[[Mapping[str, Any]], str] = lambda row: ""
    # How the organisation is found: a column of the row, or (table, column) of a parent
    # whose id the row's `via` column holds.
    organisation: str = "organisation_id"
    via: tuple[str, str] | None = None


def _value(value: Any) -> Any:
    return getattr(value, "value", value)


SPECS: dict[str, Spec] = {
    spec.table: spec
    for spec in (
        Spec(
            "assessment_decision",
            fields=(
                "id",
                "submission_id",
                "organisation_id",
                "assessor_id",
                "outcome",
                "by_trainee_assessor",
                "corrects_id",
                "decided_at",
                "signed_content",
                "signature",
            ),
            erasable=("feedback", "actions"),
            kind=lambda row: "decision",
        ),
        Spec(
            "countersignature",
            fields=("id", "decision_id", "user_id", "role", "agrees", "signed_at", "signature"),
            erasable=("comments",),
            kind=lambda row: "iqa_review" if _value(row["role"]) == "iqa" else "countersignature",
            via=("assessment_decision", "decision_id"),
        ),
        Spec(
            "unit_achievement",
            fields=(
                "id",
                "enrolment_id",
                "user_id",
                "organisation_id",
                "unit_id",
                "unit_code",
                "credits",
                "level",
                "signed_off_by_id",
                "signed_off_at",
                "countersigned_by_id",
                "countersigned_at",
                "recorded_at",
            ),
            erasable=("evidence_summary",),
            kind=lambda row: "unit_achievement",
        ),
        Spec(
            "qualification_award",
            fields=(
                "id",
                "enrolment_id",
                "user_id",
                "course_id",
                "organisation_id",
                "awarded_at",
                "credits",
                "unit_codes",
                "awarded_by_id",
            ),
            kind=lambda row: "award",
        ),
        Spec(
            "certificate",
            fields=(
                "id",
                "award_id",
                "verification_code",
                "issued_at",
                "qualification_title",
                "qualification_code",
                "level",
                "credits",
                "awarded_on",
                "issuer_name",
                "franchisor_name",
                "awarding_body",
                "units",
            ),
            erasable=("trainee_name",),
            kind=lambda row: "certificate",
            via=("qualification_award", "award_id"),
        ),
        Spec(
            "revocation",
            fields=("id", "award_id", "revoked_by_id", "revoked_at", "reason"),
            kind=lambda row: "revocation",
            via=("qualification_award", "award_id"),
        ),
        Spec(
            "audit_event",
            fields=(
                "id",
                "occurred_at",
                "action",
                "actor_id",
                "organisation_id",
                "object_type",
                "object_id",
            ),
            erasable=("ip_address", "detail"),
            kind=lambda row: "audit",
        ),
    )
}

# A decision's per-criterion judgements are part of what the decision asserts.
JUDGEMENT_TABLE = "criterion_judgement"
JUDGEMENT_FIELDS = ("id", "criterion_id", "met")
JUDGEMENT_ERASABLE = ("feedback",)
