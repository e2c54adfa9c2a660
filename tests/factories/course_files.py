"""A small but complete curriculum written to a folder, for tests of `courses check` and
`courses sync`. Tests change one file at a time to make each kind of problem."""

from __future__ import annotations

import struct
import textwrap
import zlib
from pathlib import Path


def tiny_png() -> bytes:
    """A real PNG of one pixel."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x80\x40")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


QUALIFICATION = "courses/test-qualification"
SHORT = "courses/test-short-course"
T101 = f"{QUALIFICATION}/units/T101-getting-started"
T102 = f"{QUALIFICATION}/units/T102-going-further"
T201 = f"{QUALIFICATION}/units/T201-extra-skills"
T001 = f"{SHORT}/units/T001-a-first-look"

FILES: dict[str, str] = {
    f"{QUALIFICATION}/course.yaml": """\
        code: TQ3
        title: Level 3 Test Certificate
        kind: qualification
        level: 3
        awarding_body: Test Awarding Body
        version: 1
        language: en
        summary: A small qualification used by the tests.
        units:
          - T101
          - T102
          - T201
        rules_of_combination:
          minimum_credits: 5
          minimum_credits_at_level:
            level: 3
            credits: 3
          mandatory: [T101]
          optional_groups:
            - id: B
              title: Optional units
              units: [T102, T201]
              minimum_credits: 2
        """,
    f"{T101}/unit.md": """\
        ---
        code: T101
        title: Getting started
        level: 3
        credits: 3
        guided_learning_hours: 20
        quiz: t101-check
        content_note: >
          This unit mentions abuse in general terms.
        outcomes:
          - number: 1
            text: Understand the role
            criteria:
              - number: "1.1"
                text: Describe the role
              - number: "1.2"
                text: Explain its limits
          - number: 2
            text: Know how to refer on
            criteria:
              - number: "2.1"
                text: Identify where to refer
        ---
        The first unit. Start with [the welcome](01-welcome.md).
        """,
    f"{T101}/01-welcome.md": """\
        ---
        title: Welcome
        minutes: 10
        ---
        Hello and welcome.

        ![A circle of chairs](images/circle.png)

        ### What you will do

        Read on to [the next lesson](02-next-steps.md)
        or see [unit two](../T102-going-further/unit.md).

        !!! reflect "Your starting point"
            What brings you here?
        """,
    f"{T101}/02-next-steps.md": """\
        ---
        title: Next steps
        minutes: 15
        content_note: >
          This lesson describes controlling behaviour.
        ---
        A lesson with a footnote[^1].

        | Role | What they do |
        | --- | --- |
        | Mentor | Walks alongside |

        [^1]: A footnote.
        """,
    f"{T102}/unit.md": """\
        ---
        code: T102
        title: Going further
        level: 3
        credits: 2
        guided_learning_hours: 12
        outcomes:
          - number: 1
            text: Understand boundaries
            criteria:
              - number: "1.1"
                text: Describe a boundary
        ---
        The second unit.
        """,
    f"{T102}/01-boundaries.md": """\
        ---
        title: Boundaries
        ---
        Boundaries protect you both.
        """,
    f"{T201}/unit.md": """\
        ---
        code: T201
        title: Extra skills
        level: 2
        credits: 2
        guided_learning_hours: 10
        outcomes:
          - number: 1
            text: Know how to listen
            criteria:
              - number: "1.1"
                text: Describe active listening
        ---
        A level 2 unit.
        """,
    f"{T201}/01-listening.md": """\
        ---
        title: Listening
        ---
        Listening well.
        """,
    f"{SHORT}/course.yaml": """\
        code: TINTRO
        title: A first look
        kind: short-course
        version: 1
        language: en
        summary: A short course with no assessment.
        units:
          - T001
        """,
    f"{T001}/unit.md": """\
        ---
        code: T001
        title: Is this for me?
        credits: 0
        ---
        A gentle start.
        """,
    f"{T001}/01-what-it-involves.md": """\
        ---
        title: What it involves
        minutes: 5
        ---
        Time, care and support.
        """,
    "assessments/t101-check.yaml": """\
        id: t101-check
        title: Knowledge check
        unit: T101
        criteria: ["1.1", "2.1"]
        pass_mark: 70
        pools:
          - id: core
            questions:
              - id: q1
                type: true_false
                prompt: A mentor decides for her mentee.
                answer: false
        """,
}


class CourseFiles:
    """The test curriculum in `root`; `courses` and `assessments` are its two folders."""

    def __init__(self, root: Path):
        self.root = root
        for name, text in FILES.items():
            self.write(name, textwrap.dedent(text))
        self.write_bytes(f"{T101}/images/circle.png", tiny_png())

    @property
    def courses(self) -> Path:
        return self.root / "courses"

    @property
    def assessments(self) -> Path:
        return self.root / "assessments"

    def path(self, name: str) -> Path:
        return self.root / name

    def read(self, name: str) -> str:
        return self.path(name).read_text()

    def write(self, name: str, text: str) -> Path:
        path = self.path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def write_bytes(self, name: str, data: bytes) -> Path:
        path = self.path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def replace(self, name: str, old: str, new: str) -> Path:
        text = self.read(name)
        assert old in text, f"{old!r} is not in {name}"
        return self.write(name, text.replace(old, new, 1))

    def append(self, name: str, text: str) -> Path:
        return self.write(name, self.read(name) + textwrap.dedent(text))
