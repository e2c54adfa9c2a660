"""Imports between modules, read from the source (imports inside functions count too, since
they are how a circle is usually hidden)."""

from __future__ import annotations

import ast
from pathlib import Path

from lms import PROJECT_ROOT

LMS = PROJECT_ROOT / "lms"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    modules = {_module_name(path): path for path in LMS.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [f"{node.module}.{alias.name}" for alias in node.names]
                targets = [t if t in modules else node.module for t in targets]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            graph[name].update(t for t in targets if t in modules and t not in (name, "lms"))
    return graph


def test_no_module_imports_itself_round_a_circle():
    graph = import_graph()
    done: set[str] = set()
    path: list[str] = []

    def visit(module: str) -> None:
        if module in path:
            raise AssertionError(" -> ".join([*path[path.index(module) :], module]))
        if module in done:
            return
        path.append(module)
        for target in sorted(graph[module]):
            visit(target)
        path.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)


def test_the_portfolio_does_not_build_on_assessment():
    """Assessment builds on the portfolio (decisions judge submissions); the portfolio reaches
    assessment only through hooks, and only its pages read assessment's standing and history."""
    pages = {"lms.portfolio.views", "lms.portfolio.panels"}
    found = {
        module: sorted(t for t in targets if t.startswith("lms.assessment"))
        for module, targets in import_graph().items()
        if module.startswith("lms.portfolio") and module not in pages
    }
    assert {module: targets for module, targets in found.items() if targets} == {}
