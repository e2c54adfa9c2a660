"""Reading content files (courses, units, lessons, quizzes): one `Problem`, one line-aware YAML
loader and front matter, so that every problem in any content file is reported the same way,
as `file:line: message`.

`compose_yaml` reads a document into YAML nodes (each knows its line); `parse_yaml` builds
plain values from them that remember their lines (`YamlMap`, `YamlList`), which is how the
course format reads; the quiz format walks the nodes itself, to tell a number from text.
Nothing here knows of Flask or the database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a content file: the file (a path, or a name such as "stored quiz"),
    the line (1 for the first; 0 when no line applies) and what is wrong, in plain words."""

    path: Path | str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{display_path(self.path)}:{self.line}: {self.message}"

    def sort_key(self) -> tuple[str, int, str]:
        return str(self.path), self.line, self.message

    def __lt__(self, other: Problem) -> bool:
        return self.sort_key() < other.sort_key()


def decode_text(raw: bytes, path: Path | str, problems: list[Problem]) -> str | None:
    """The file's text, or None with a problem at the line of the first byte that is not
    UTF-8: a file saved in another encoding is refused, never loaded with replacement marks."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        problems.append(
            Problem(
                path,
                line,
                f"this line holds a character that is not UTF-8 (byte 0x{raw[error.start]:02x}); "
                "please save the file as UTF-8 text",
            )
        )
        return None


def display_path(path: Path | str) -> str:
    """The path relative to the working directory when it is below it, as given otherwise."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class YamlMap(dict):
    """A mapping read from YAML that remembers the line of itself and of each key."""

    line: int = 1

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int:
        return self.lines.get(key, self.line)


class YamlList(list):
    """A sequence read from YAML that remembers the line of itself and of each item."""

    line: int = 1

    def __init__(self, *args):
        super().__init__(*args)
        self.lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.lines[index] if 0 <= index < len(self.lines) else self.line


def line_of(value: Any, default: int) -> int:
    return getattr(value, "line", default)


def node_line(node: Node, line_offset: int = 0) -> int:
    """The file line on which a YAML node starts."""
    return node.start_mark.line + 1 + line_offset


class _Builder:
    def __init__(self, path: Path | str, offset: int, problems: list[Problem]):
        self.path = path
        self.offset = offset
        self.problems = problems
        self.constructor = yaml.SafeLoader("")

    def line(self, node) -> int:
        return node_line(node, self.offset)

    def build(self, node) -> Any:
        if isinstance(node, MappingNode):
            mapping = YamlMap()
            mapping.line = self.line(node)
            for key_node, value_node in node.value:
                key = self.build(key_node)
                if isinstance(key, YamlMap | YamlList):
                    self.problems.append(
                        Problem(self.path, self.line(key_node), "a key must be a plain word")
                    )
                    continue
                if key in mapping:
                    self.problems.append(
                        Problem(self.path, self.line(key_node), f"'{key}' is given twice")
                    )
                mapping[key] = self.build(value_node)
                mapping.lines[key] = self.line(key_node)
            return mapping
        if isinstance(node, SequenceNode):
            sequence = YamlList()
            sequence.line = self.line(node)
            for item in node.value:
                sequence.append(self.build(item))
                sequence.lines.append(self.line(item))
            return sequence
        assert isinstance(node, ScalarNode)
        return self.constructor.construct_object(node, deep=True)


def compose_yaml(
    text: str, path: Path | str, problems: list[Problem], *, line_offset: int = 0
) -> Node | None:
    """Read one YAML document into nodes, or None (with a problem appended when it is not
    valid YAML; without one when the document is empty)."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        if (
            mark is not None
            and error.context_mark is not None
            and mark.line >= len(text.splitlines())
        ):
            mark = error.context_mark  # "end of file" helps less than where the value began
        line = (mark.line + 1 if mark else 1) + line_offset
        reason = error.problem or error.context or "it could not be read"
        problems.append(Problem(path, line, f"this is not valid YAML: {reason}"))
    except yaml.YAMLError as error:
        problems.append(Problem(path, 1 + line_offset, f"this is not valid YAML: {error}"))
    return None


def build_yaml(
    node: Node, path: Path | str, problems: list[Problem], *, line_offset: int = 0
) -> Any | None:
    """Plain values (YamlMap/YamlList/scalars) from composed nodes; problems are appended."""
    try:
        return _Builder(path, line_offset, problems).build(node)
    except yaml.constructor.ConstructorError as error:
        line = (error.problem_mark.line + 1 if error.problem_mark else 1) + line_offset
        problems.append(Problem(path, line, f"this value could not be read: {error.problem}"))
        return None


def parse_yaml(
    text: str, path: Path | str, problems: list[Problem], *, line_offset: int = 0
) -> Any | None:
    """Parse one YAML document into YamlMap/YamlList/scalars; problems are appended."""
    node = compose_yaml(text, path, problems, line_offset=line_offset)
    return None if node is None else build_yaml(node, path, problems, line_offset=line_offset)


@dataclass
class FrontMatterDocument:
    front_matter: YamlMap | None
    body: str
    body_line: int  # the file line on which the body starts


def parse_front_matter(text: str, path: Path, problems: list[Problem]) -> FrontMatterDocument:
    """Split `---` front matter from a Markdown body and parse it."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        problems.append(
            Problem(path, 1, "the file must start with front matter between two '---' lines")
        )
        return FrontMatterDocument(None, text, 1)
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            break
    else:
        problems.append(Problem(path, 1, "the front matter has no closing '---' line"))
        return FrontMatterDocument(None, "", len(lines) + 1)
    yaml_text = "".join(lines[1:index])
    known = len(problems)
    data = parse_yaml(yaml_text, path, problems, line_offset=1)
    body = "".join(lines[index + 1 :])
    if data is not None and not isinstance(data, YamlMap):
        problems.append(Problem(path, 2, "the front matter must be a set of 'key: value' lines"))
        data = None
    if data is None and len(problems) == known:
        problems.append(Problem(path, 2, "the front matter is empty"))
    return FrontMatterDocument(data, body, index + 2)
