"""The list of capabilities: every entry names something real, reading the list imports
nothing, and no module joins the application only because another imports it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lms import PROJECT_ROOT, capabilities
from lms.capabilities import CAPABILITIES, HOOKS, PARTS, Capability


def test_every_part_of_every_capability_can_be_imported():
    capabilities.import_all()
    for capability in CAPABILITIES:
        for part in PARTS:
            for path in getattr(capability, part):
                if part != "rules":
                    assert capabilities.resolve(path) is not None, (capability.name, path)


def test_names_are_unique_and_hooks_known():
    names = [capability.name for capability in CAPABILITIES]
    assert len(names) == len(set(names))
    assert {name for c in CAPABILITIES for name in c.hooks} <= set(HOOKS)
    with pytest.raises(ValueError, match="no hook named"):
        Capability("example", hooks={"unit_sold": ("lms.example:sold",)})


def test_reading_the_list_imports_no_capability():
    script = "import sys, lms.capabilities; print(sorted(m for m in sys.modules if 'lms' in m))"
    result = subprocess.run(  # noqa: S603 - this interpreter, this script
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT
    )
    assert result.stdout.strip() == "['lms', 'lms.capabilities']"


def test_no_module_is_imported_only_for_what_importing_it_does():
    """Side-effect imports (`import x  # noqa: F401`) are how capabilities used to join;
    the list in lms/capabilities.py replaced them."""
    found = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}"
        for path in sorted((PROJECT_ROOT / "lms").rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "noqa: F401" in line
    ]
    assert found == []


def test_an_added_capability_joins_and_leaves():
    def sections(user):
        return []

    before = capabilities.contributions("home_sections")
    with capabilities.extended(Capability("example", home_sections=(sections,))):
        assert capabilities.contributions("home_sections") == [*before, sections]
    assert capabilities.contributions("home_sections") == before
