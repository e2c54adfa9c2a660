"""Helpers for quiz tests: build quizzes from plain Python structures."""

from __future__ import annotations

import textwrap

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
