"""Helpers for quiz tests: build quizzes from plain Python structures."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import pytest
import yaml

from lms.quizzes.format import Quiz, parse_quiz


def quiz_yaml(questions: list[dict] | None = None, **settings) -> str:
    data = {
        "id": "test-quiz",
        "title": "A test quiz",
        "unit": "RM301",
        "pass_mark": 70,
        **settings,
    }
    if "pools" not in settings:
        data["pools"] = [{"id": "core", "questions": questions or []}]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


@pytest.fixture
def make_quiz():
    """`make_quiz([question, …], **settings)` parses a quiz with one pool of those questions."""

    def make(questions: list[dict] | None = None, **settings) -> Quiz:
        return parse_quiz(quiz_yaml(questions, **settings), "test-quiz.yaml")

    return make


@pytest.fixture
def parse_text():
    """`parse_text(yaml)` parses dedented YAML text as test-quiz.yaml."""

    def parse(text: str) -> Quiz:
        return parse_quiz(textwrap.dedent(text), "test-quiz.yaml", expected_id="test-quiz")

    return parse


@dataclass
class QuizWorld:
    """A partner with a cohort on a course whose unit has a quiz, and an enrolled trainee."""

    franchisor: object
    partner: object
    course: object
    unit: object
    quiz: object
    cohort: object
    trainee: object
    enrolment: object

    def enrol(self, user=None, *, organisation=None, cohort=None):
        from lms.accounts.roles import Role
        from tests.factories import EnrolmentFactory, member

        organisation = organisation or self.partner
        user = user or member(organisation, Role.TRAINEE)
        return EnrolmentFactory(
            user=user, course=self.course, organisation=organisation, cohort=cohort
        )


@pytest.fixture
def quiz_world(app):
    """`quiz_world(**quiz_settings)`; questions default to one of every type."""
    from lms.accounts.roles import Role
    from tests.factories import (
        CohortFactory,
        CourseFactory,
        CourseUnitFactory,
        EnrolmentFactory,
        FranchisorFactory,
        PartnerFactory,
        UnitFactory,
        member,
        quiz_for_unit,
    )

    def make(**settings) -> QuizWorld:
        franchisor = FranchisorFactory()
        partner = PartnerFactory(franchisor=franchisor)
        course = CourseFactory()
        unit = UnitFactory()
        CourseUnitFactory(course=course, unit=unit)
        quiz = quiz_for_unit(unit, **settings)
        cohort = CohortFactory(organisation=partner, course=course)
        trainee = member(partner, Role.TRAINEE)
        enrolment = EnrolmentFactory(
            user=trainee, course=course, organisation=partner, cohort=cohort
        )
        return QuizWorld(franchisor, partner, course, unit, quiz, cohort, trainee, enrolment)

    return make
