"""When a unit in use gets a new version (`courses sync`), the trainees' evidence follows it.

Evidence linked to a criterion of the old version is linked instead to the new version's
criterion with the same number ("1.2"), so no one's work is stranded by an edit to the unit.
A link to a criterion the new version no longer has stays where it was: that piece of
evidence needs its criteria chosen again, and the trainee is told so, by title and number, on
the unit's page (`remap_needed`) until she does. Submissions and decisions keep pointing at the
version that was judged.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accreditation.models import UnitAchievement
from lms.curriculum.models import AssessmentCriterion, Enrolment, Unit
from lms.portfolio.models import Evidence, EvidenceCriterion


def _numbers(session: Session, unit: Unit) -> dict[int, str]:
    return dict(
        session.execute(
            select(AssessmentCriterion.id, AssessmentCriterion.number).where(
                AssessmentCriterion.unit_id == unit.id
            )
        ).all()
    )


def carry_evidence_links(session: Session, old: Unit, new: Unit) -> list[str]:
    """Move links from the criteria of `old` (and any earlier version) to `new`'s criteria of
    the same number; lines for the sync report say how many moved and how many pieces of
    evidence need criteria again."""
    session.flush()
    # Links left on criteria of any earlier version (one that vanished and came back too).
    old_numbers = dict(
        session.execute(
            select(AssessmentCriterion.id, AssessmentCriterion.number)
            .join(Unit, Unit.id == AssessmentCriterion.unit_id)
            .where(Unit.code == new.code, Unit.id != new.id)
        ).all()
    )
    new_by_number = {number: id_ for id_, number in _numbers(session, new).items()}
    links = list(
        session.scalars(
            select(EvidenceCriterion).where(EvidenceCriterion.criterion_id.in_(old_numbers))
        )
    )
    linked = {
        (link.evidence_id, link.criterion_id)
        for link in session.scalars(
            select(EvidenceCriterion).where(
                EvidenceCriterion.criterion_id.in_(new_by_number.values())
            )
        )
    }
    moved, stranded = 0, set()
    for link in links:
        target = new_by_number.get(old_numbers[link.criterion_id])
        if target is None:
            stranded.add(link.evidence_id)
        elif (link.evidence_id, target) in linked:
            session.delete(link)
        else:
            link.criterion_id = target
            linked.add((link.evidence_id, target))
            moved += 1
    session.flush()
    lines = []
    if moved:
        lines.append(f"{moved} evidence link(s) moved to version {new.version}.")
    if stranded:
        lines.append(
            f"{len(stranded)} piece(s) of evidence were linked to criteria version "
            f"{new.version} no longer has; their trainees are asked to choose criteria again."
        )
    return lines


@dataclass(frozen=True)
class Remap:
    """A piece of evidence still linked to criteria an earlier version of the unit had."""

    evidence: Evidence
    numbers: list[str]


def remap_needed(session: Session, enrolment: Enrolment, unit: Unit) -> list[Remap]:
    """The trainee's evidence linked to criteria of earlier versions of `unit` that the
    current version no longer has (nothing, once the unit is on her record)."""
    achieved = session.scalar(
        select(UnitAchievement.id).where(
            UnitAchievement.enrolment_id == enrolment.id, UnitAchievement.unit_code == unit.code
        )
    )
    if achieved is not None:
        return []
    rows = session.execute(
        select(Evidence, AssessmentCriterion.number)
        .join(EvidenceCriterion, EvidenceCriterion.evidence_id == Evidence.id)
        .join(AssessmentCriterion, AssessmentCriterion.id == EvidenceCriterion.criterion_id)
        .join(Unit, Unit.id == AssessmentCriterion.unit_id)
        .where(
            Evidence.enrolment_id == enrolment.id,
            Unit.code == unit.code,
            Unit.id != unit.id,
        )
        .order_by(Evidence.created_at, Evidence.id, AssessmentCriterion.number)
    ).all()
    numbers: dict[Evidence, list[str]] = defaultdict(list)
    for evidence, number in rows:
        if number not in numbers[evidence]:
            numbers[evidence].append(number)
    return [Remap(evidence, found) for evidence, found in numbers.items()]
