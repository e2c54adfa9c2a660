"""What surveys hold about a person, for her own download, and what is undone when she is
erased. A mentee's answers name nobody, so there is nothing of hers to give or erase."""

from __future__ import annotations

import json
from collections.abc import Iterator

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from lms.accounts.models import User
from lms.db import utcnow
from lms.practice.surveys.models import MenteeLink, SurveyAnswer, SurveyResponse


def survey_answers(session: Session, user: User) -> Iterator[tuple[str, str]]:
    """Her own answers to every survey, and the feedback links she made (never the mentees'
    answers, which are nobody's to hand out)."""
    responses = session.scalars(
        select(SurveyResponse)
        .where(SurveyResponse.respondent_id == user.id)
        .options(selectinload(SurveyResponse.answers))
        .order_by(SurveyResponse.answered_on, SurveyResponse.id)
    ).all()
    links = session.scalars(
        select(MenteeLink).where(MenteeLink.trainee_id == user.id).order_by(MenteeLink.id)
    ).all()
    data = {
        "survey_answers": [
            {
                "survey": response.survey_slug,
                "moment": str(response.moment),
                "answered_on": response.answered_on.isoformat(),
                "answers": {
                    answer.question_id: answer.number
                    if answer.number is not None
                    else answer.choices
                    if answer.choices is not None
                    else answer.text
                    for answer in response.answers
                },
            }
            for response in responses
        ],
        "mentee_feedback_links": [
            {
                "label": link.label,
                "made_at": link.created_at.isoformat(),
                "closed_at": link.closed_at.isoformat() if link.closed_at else None,
            }
            for link in links
        ],
    }
    yield "surveys.json", json.dumps(data, indent=2, ensure_ascii=False)


def erase_survey_answers(session: Session, user: User) -> None:
    """Her answers stay in the figures they are part of but no longer point to her; what she
    wrote in her own words is removed, and her links are closed and lose their labels."""
    own = select(SurveyResponse.id).where(SurveyResponse.respondent_id == user.id)
    session.execute(
        update(SurveyAnswer)
        .where(SurveyAnswer.response_id.in_(own), SurveyAnswer.text.is_not(None))
        .values(text=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(SurveyResponse)
        .where(SurveyResponse.respondent_id == user.id)
        .values(respondent_id=None, enrolment_id=None)
        .execution_options(synchronize_session=False)
    )
    for link in session.scalars(select(MenteeLink).where(MenteeLink.trainee_id == user.id)):
        link.label = ""
        if link.closed_at is None:
            link.closed_at = utcnow()
    session.flush()
