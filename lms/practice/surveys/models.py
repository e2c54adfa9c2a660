"""Surveys in the database: each version of a survey file, the responses to it and their
answers, and the links a trainee mentor hands to her mentee.

A response keeps who answered only where that is the point (a trainee's before and after are
paired by her enrolment); a mentee's response keeps no person, no address and no time finer
than the day, only the organisation and cohort of the mentor whose link or paper it came by.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cached_property
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import Organisation, User
from lms.db import Base, string_enum, utcnow
from lms.practice.surveys.format import Audience, Moment
from lms.practice.surveys.format import Survey as SurveyDefinition


class Survey(Base):
    """One version of a survey file: its parsed definition as JSON."""

    __tablename__ = "survey"
    __table_args__ = (UniqueConstraint("slug", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int] = mapped_column(default=1)
    is_current: Mapped[bool] = mapped_column(default=True)
    title: Mapped[str] = mapped_column(String(300))
    audience: Mapped[Audience] = mapped_column(string_enum(Audience, "survey_audience"))
    course_code: Mapped[str | None] = mapped_column(String(40))
    unit_code: Mapped[str | None] = mapped_column(String(40))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)

    @cached_property
    def parsed(self) -> SurveyDefinition:
        return SurveyDefinition.from_dict(self.definition)

    def __repr__(self) -> str:
        return f"<Survey {self.slug} v{self.version}>"


class MenteeLink(Base):
    """A link (and its paper twin) a trainee mentor gives her mentee for anonymous feedback.

    Only a hash of the token is kept: the link itself is shown to the mentor once. The mentee
    is known by nothing but an optional label the mentor chooses (a pseudonym)."""

    __tablename__ = "mentee_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohort.id"))
    survey_slug: Mapped[str] = mapped_column(String(80))
    label: Mapped[str] = mapped_column(String(80), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship(lazy="raise")
    trainee: Mapped[User] = relationship(lazy="raise")

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class SurveyResponse(Base):
    """One completed survey. A trainee's is hers (one per survey and moment in an
    enrolment); a mentee's names nobody (`enrolment_id` and `respondent_id` are empty)."""

    __tablename__ = "survey_response"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "survey_slug", "moment"),
        Index("ix_survey_response_scope", "organisation_id", "survey_slug", "moment"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), index=True)
    survey_slug: Mapped[str] = mapped_column(String(80))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohort.id"), index=True)
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolment.id"), index=True)
    respondent_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    mentee_link_id: Mapped[int | None] = mapped_column(ForeignKey("mentee_link.id"), index=True)
    moment: Mapped[Moment] = mapped_column(string_enum(Moment, "survey_moment"))
    on_paper: Mapped[bool] = mapped_column(default=False)
    # The day only: a finer time could tie an anonymous answer to a person.
    answered_on: Mapped[date]

    survey: Mapped[Survey] = relationship(lazy="raise")
    answers: Mapped[list[SurveyAnswer]] = relationship(
        back_populates="response", lazy="raise", cascade="all, delete-orphan"
    )


class SurveyAnswer(Base):
    """One answer: a number (likert 1-5, scale 0-10), the chosen options, or some text."""

    __tablename__ = "survey_answer"
    __table_args__ = (UniqueConstraint("response_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_response.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[str] = mapped_column(String(80))
    number: Mapped[float | None] = mapped_column(Float)
    choices: Mapped[list[str] | None] = mapped_column(JSON)
    text: Mapped[str | None] = mapped_column(Text)

    response: Mapped[SurveyResponse] = relationship(back_populates="answers", lazy="raise")
