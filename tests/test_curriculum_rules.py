"""Rules of combination: examples, then properties that must hold for any rules."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lms.curriculum.format import LEVELS
from lms.curriculum.rules import AchievedUnit, describe, evaluate

ALRM3 = {
    "minimum_credits": 17,
    "minimum_credits_at_level": {"level": "3", "credits": 15},
    "mandatory": ["RM301", "RM302", "RM303", "RM304", "RM305"],
    "optional_groups": [
        {
            "id": "B",
            "title": "Optional units",
            "units": ["RM306", "RM307", "RM208"],
            "minimum_credits": 3,
            "minimum_units": None,
        }
    ],
}
UNITS = {
    "RM301": AchievedUnit("RM301", 3, "3"),
    "RM302": AchievedUnit("RM302", 3, "3"),
    "RM303": AchievedUnit("RM303", 3, "3"),
    "RM304": AchievedUnit("RM304", 3, "3"),
    "RM305": AchievedUnit("RM305", 2, "3"),
    "RM306": AchievedUnit("RM306", 3, "3"),
    "RM307": AchievedUnit("RM307", 3, "3"),
    "RM208": AchievedUnit("RM208", 2, "2"),
}


def achieved(*codes):
    return [UNITS[code] for code in codes]


def test_nothing_achieved_yet():
    result = evaluate(ALRM3, [])
    assert not result.met
    assert result.credits == 0
    assert result.still_needed == [
        "Unit RM301 (mandatory)",
        "Unit RM302 (mandatory)",
        "Unit RM303 (mandatory)",
        "Unit RM304 (mandatory)",
        "Unit RM305 (mandatory)",
        "3 more optional credits, from group B",
        "15 more credits at level 3 or above",
        "17 more credits in total",
    ]


def test_mandatory_units_alone_are_not_enough():
    result = evaluate(ALRM3, achieved("RM301", "RM302", "RM303", "RM304", "RM305"))
    assert not result.met
    assert result.credits == 14
    assert result.credits_at_level == 14
    assert result.still_needed == [
        "3 more optional credits, from group B",
        "1 more credit at level 3 or above",
        "3 more credits in total",
    ]


def test_a_lower_level_optional_unit_does_not_count_towards_the_level():
    result = evaluate(ALRM3, achieved("RM301", "RM302", "RM303", "RM304", "RM305", "RM208"))
    assert result.credits == 16
    assert result.credits_at_level == 14
    assert result.still_needed == [
        "1 more optional credit, from group B",
        "1 more credit at level 3 or above",
        "1 more credit in total",
    ]


def test_met():
    result = evaluate(ALRM3, achieved("RM301", "RM302", "RM303", "RM304", "RM305", "RM307"))
    assert result.met
    assert result.credits == 17
    assert result.still_needed == []
    assert result.groups[0].met


def test_minimum_units_in_a_group():
    rules = {"optional_groups": [{"id": "C", "units": ["A", "B", "C"], "minimum_units": 2}]}
    assert evaluate(rules, [AchievedUnit("A", 1)]).still_needed == [
        "1 more optional unit, from group C"
    ]
    assert evaluate(rules, [AchievedUnit("A", 1), AchievedUnit("C", 1)]).met


def test_no_rules_is_met():
    assert evaluate(None, []).met


def test_rules_in_plain_words():
    sentences = describe(ALRM3)
    assert sentences[0] == "Complete every mandatory unit: RM301, RM302, RM303, RM304, RM305."
    assert sentences[1] == (
        "From Optional units (group B), achieve at least 3 credits: choose from RM306, RM307, "
        "RM208."
    )
    assert "At least 15 credits must come from units at level 3 or above." in sentences
    assert sentences[-1] == "Achieve at least 17 credits in total."


# --- properties -------------------------------------------------------------------------------

CODES = [f"U{n}" for n in range(8)]


@st.composite
def courses(draw):
    """Some units with credits and levels, and rules over them."""
    units = {
        code: AchievedUnit(code, draw(st.integers(0, 6)), draw(st.sampled_from(LEVELS)))
        for code in CODES
    }
    shuffled = draw(st.permutations(CODES))
    split = draw(st.integers(0, len(CODES)))
    mandatory, rest = list(shuffled[:split]), list(shuffled[split:])
    groups = []
    while rest and draw(st.booleans()):
        size = draw(st.integers(1, len(rest)))
        members, rest = rest[:size], rest[size:]
        group = {"id": f"G{len(groups)}", "units": members}
        if draw(st.booleans()):
            group["minimum_credits"] = draw(st.integers(0, 20))
        else:
            group["minimum_units"] = draw(st.integers(0, len(members) + 1))
        groups.append(group)
    rules = {
        "minimum_credits": draw(st.integers(0, 40)),
        "mandatory": mandatory,
        "optional_groups": groups,
        "minimum_credits_at_level": draw(
            st.none()
            | st.fixed_dictionaries(
                {"level": st.sampled_from(LEVELS), "credits": st.integers(1, 20)}
            )
        ),
    }
    return units, rules


@settings(max_examples=300, deadline=None)
@given(courses(), st.data())
def test_achieving_another_unit_never_undoes_a_met_rule(course, data):
    units, rules = course
    subset = data.draw(st.sets(st.sampled_from(CODES)))
    extra = data.draw(st.sampled_from(CODES))
    before = evaluate(rules, [units[code] for code in subset])
    after = evaluate(rules, [units[code] for code in subset | {extra}])
    if before.met:
        assert after.met
    assert after.credits >= before.credits
    assert len(after.still_needed) <= len(before.still_needed) or not before.met


@settings(max_examples=300, deadline=None)
@given(courses(), st.data())
def test_every_unit_achieved_meets_any_rule_that_can_be_met(course, data):
    units, rules = course
    subset = data.draw(st.sets(st.sampled_from(CODES)))
    if evaluate(rules, [units[code] for code in subset]).met:
        assert evaluate(rules, list(units.values())).met


@settings(max_examples=200, deadline=None)
@given(courses(), st.sets(st.sampled_from(CODES)))
def test_met_exactly_when_nothing_is_still_needed(course, subset):
    units, rules = course
    result = evaluate(rules, [units[code] for code in subset])
    assert result.met == (result.still_needed == [])
    assert result.credits == sum(units[code].credits for code in subset)
    missing_mandatory = [code for code in rules["mandatory"] if code not in subset]
    assert [f"Unit {code} (mandatory)" for code in missing_mandatory] == [
        line for line in result.still_needed if line.endswith("(mandatory)")
    ]
