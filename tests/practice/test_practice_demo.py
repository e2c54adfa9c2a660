"""The demo tells the practice story through the ordinary operations: the qualified trainee
meets the course's practice requirement before her award, a flag stands past its date for the
coordinator, a trainee's practice is paused, and running it again adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.accreditation.models import QualificationAward
from lms.core.demo import load_demo
from lms.curriculum.models import Enrolment
from lms.db import utcnow
from lms.practice import queries
from lms.practice.models import (
    JournalEntry,
    MentoringRelationship,
    PracticeFlag,
    PracticeRequirement,
)
from tests.accreditation.test_accreditation_demo import _level_3_certificate


def test_the_demo_practice_story(session):
    course = _level_3_certificate()
    session.add(PracticeRequirement(course_id=course.id, hours=20, supervision_sessions=3))
    load_demo(session)
    session.commit()
    award = session.scalar(select(QualificationAward))
    assert award is not None
    amira = session.get(Enrolment, award.enrolment_id)
    assert queries.unmet_requirements(session, amira) == []
    pseudonyms = set(session.scalars(select(MentoringRelationship.pseudonym)))
    assert {"Bluebird", "M.", "Sunflower", "Client B", "Client A"} <= pseudonyms
    today = utcnow().date()
    overdue = session.scalars(
        select(PracticeFlag).where(
            PracticeFlag.followed_up_on.is_(None), PracticeFlag.follow_up_on < today
        )
    ).all()
    assert [flag.kind.value for flag in overdue] == ["boundary"]
    assert session.scalar(select(func.count()).where(PracticeFlag.pauses_practice)) == 1
    assert session.scalar(select(func.count(JournalEntry.id))) == 1

    load_demo(session)
    session.commit()
    assert session.scalar(select(func.count(MentoringRelationship.id))) == len(pseudonyms)
