"""How the assessment track shows its evidence and decisions on the learner record.

Accreditation owns the learner record; the portfolio and assessment own evidence, decisions
and IQA sampling. To keep the two apart, a provider answers the `record_details` hook in
`lms.capabilities`:

    from lms.accreditation.record_details import CriterionEvidence

    def evidence_for_record(session, enrolment, criterion_ids):
        ...  # a constant number of queries
        return {criterion_id: [CriterionEvidence(...), ...], ...}

The record page and its PDF list, under each assessment criterion, whatever the providers
return. Without a provider the record shows unit sign-offs only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from lms import capabilities
from lms.curriculum.models import Enrolment


@dataclass(frozen=True)
class CriterionEvidence:
    """One piece of evidence and its judgement against one criterion."""

    title: str
    kind: str
    decision: str
    assessor_name: str | None = None
    decided_at: datetime | None = None
    iqa_name: str | None = None
    countersigned_at: datetime | None = None


RecordDetails = Callable[[Session, Enrolment, list[int]], dict[int, list[CriterionEvidence]]]


def details_for(
    session: Session, enrolment: Enrolment, criterion_ids: list[int]
) -> dict[int, list[CriterionEvidence]]:
    evidence: dict[int, list[CriterionEvidence]] = defaultdict(list)
    for provider in capabilities.hooks("record_details"):
        for criterion_id, lines in provider(session, enrolment, criterion_ids).items():
            evidence[criterion_id].extend(lines)
    return dict(evidence)
