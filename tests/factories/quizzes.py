"""Quiz factories: quiz versions built from real quiz definitions, and quick set-ups of a
course whose unit has a quiz, with trainees enrolled."""

from __future__ import annotations

import factory
import yaml

from lms.curriculum.models import Unit
from lms.quizzes.format import Quiz as QuizDefinition
from lms.quizzes.format import parse_quiz
from lms.quizzes.models import Quiz
from tests.factories.accounts import BaseFactory
from tests.quizzes.samples import ALL_TYPES


def quiz_definition(
    unit_code: str = "U001",
    slug: str = "test-quiz",
    questions: list[dict] | None = None,
    **settings,
) -> QuizDefinition:
    """A parsed quiz (every question type unless `questions` is given)."""
    data = {
        "id": slug,
        "title": f"Knowledge check for {unit_code}",
        "unit": unit_code,
        "pass_mark": 70,
        **settings,
    }
    if "pools" not in settings:
        data["pools"] = [{"id": "core", "questions": questions or ALL_TYPES}]
    return parse_quiz(yaml.safe_dump(data, sort_keys=False), f"{slug}.yaml")


class QuizFactory(BaseFactory):
    class Meta:
        model = Quiz
        exclude = ("parsed_definition",)

    parsed_definition = factory.LazyFunction(quiz_definition)
    slug = factory.LazyAttribute(lambda o: o.parsed_definition.id)
    version = 1
    is_current = True
    unit_code = factory.LazyAttribute(lambda o: o.parsed_definition.unit)
    title = factory.LazyAttribute(lambda o: o.parsed_definition.title)
    schema_version = factory.LazyAttribute(lambda o: o.parsed_definition.schema_version)
    definition = factory.LazyAttribute(lambda o: o.parsed_definition.to_dict())
    content_hash = factory.LazyAttribute(lambda o: o.parsed_definition.content_hash)


def quiz_for_unit(unit: Unit, slug: str | None = None, **settings) -> Quiz:
    """A current quiz for `unit`, named by the unit's `quiz_ref`."""
    from lms.extensions import db

    slug = slug or f"{unit.code.lower()}-check"
    quiz = QuizFactory(parsed_definition=quiz_definition(unit.code, slug, **settings))
    unit.quiz_ref = slug
    db.session.commit()
    return quiz
