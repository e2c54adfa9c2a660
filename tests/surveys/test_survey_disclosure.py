"""No figure from fewer than five people, and none that differencing two of the report's
groups could narrow down to fewer than five."""

import itertools

import pytest

from lms.practice.surveys.disclosure import (
    MINIMUM_GROUP,
    SUPPRESSED,
    guard,
    guard_among,
    may_show,
    shown_among,
)


@pytest.mark.parametrize(
    ("people", "parent", "shown"),
    [
        (4, None, False),
        (5, None, True),
        (5, 5, True),  # the group is the whole of its parent
        (5, 6, False),  # parent minus group would be one person
        (5, 9, False),
        (5, 10, True),
        (12, 13, False),
        (0, 0, False),
    ],
)
def test_may_show(people, parent, shown):
    assert may_show(people, parent) is shown


def test_a_suppressed_figure_carries_neither_its_value_nor_its_count():
    hidden = guard(3.8, 4)
    assert (hidden.shown, hidden.value, hidden.people) == (False, None, 0)
    assert hidden.text == hidden.export_value == SUPPRESSED
    shown = guard(3.75, 6)
    assert (shown.text, shown.export_value, shown.people) == ("3.8", 3.75, 6)


@pytest.mark.parametrize(
    "sizes", [(5, 1), (6, 4), (9, 1), (5, 5), (7, 3, 5), (10, 2, 8), (6, 0, 0), (5, 5, 5, 1)]
)
def test_differencing_a_parent_and_its_shown_groups_never_isolates_fewer_than_five(sizes):
    """The groups of one parent (cohorts of a partner, partners of a franchise), each figure
    shown or hidden by the rule. Every sum anyone can work out is the parent's minus some
    shown groups', so it covers hidden groups plus whole shown groups: the hidden groups
    together must hold nobody or five people or more, as must every shown group."""
    siblings = dict(enumerate(sizes))
    shown = shown_among(siblings)
    hidden = sum(size for key, size in siblings.items() if key not in shown)
    assert hidden == 0 or hidden >= MINIMUM_GROUP
    for keys in itertools.chain.from_iterable(
        itertools.combinations(sorted(shown), n) for n in range(len(shown) + 1)
    ):
        covered = sum(sizes) - sum(siblings[k] for k in keys)
        assert covered == 0 or covered >= MINIMUM_GROUP, (keys, covered)


def test_secondary_suppression_hides_the_smallest_group_that_would_give_another_away():
    # A cohort of three beside cohorts of seven and five: the partner's figure minus the two
    # larger cohorts' would be the three people's, so the cohort of five is hidden too.
    assert shown_among({"a": 7, "b": 3, "c": 5}) == {"a"}
    assert shown_among({"a": 7, "b": 0, "c": 5}) == {"a", "c"}  # nobody is hidden
    assert shown_among({"a": 5, "b": 1}) == set()
    assert guard_among(3.0, "a", {"a": 5, "b": 5}, 5).shown
    assert not guard_among(3.0, "a", {"a": 5, "b": 4}, 5).shown
    assert guard_among(3.0, "a", None, 5).shown  # no parent: five is enough


def test_one_answer_cannot_be_recovered_from_a_cohort_and_its_partner():
    """A partner of six: a cohort of five and one trainee alone. The partner's average is
    shown; the cohort's would give away the sixth person's answer, so it is not shown."""
    cohort = [2, 3, 4, 3, 2]
    alone = [5]
    partner = cohort + alone
    partner_figure = guard(sum(partner) / len(partner), len(partner))
    cohort_figure = guard(sum(cohort) / len(cohort), len(cohort), len(partner))
    assert partner_figure.shown
    assert not cohort_figure.shown
