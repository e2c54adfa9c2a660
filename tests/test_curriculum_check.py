"""`courses check`: each kind of problem in a course file is reported as file:line: message."""

from __future__ import annotations

import pytest

from lms import capabilities
from lms.capabilities import Capability
from lms.content import Problem
from lms.curriculum.checks import check_paths
from lms.curriculum.format import SCHEMA_VERSION, load_catalogue
from tests.factories.course_files import QUALIFICATION, SHORT, T001, T101, T102, CourseFiles


@pytest.fixture
def files(tmp_path):
    return CourseFiles(tmp_path)


def problems(files: CourseFiles) -> list[tuple[str, int, str]]:
    _, found = check_paths(files.courses, files.assessments)
    return [(str(p.path.relative_to(files.root)), p.line, p.message) for p in found]


def only(files: CourseFiles, name: str) -> list[tuple[int, str]]:
    found = problems(files)
    assert found, "expected a problem"
    assert all(path == name for path, _, _ in found), found
    return [(line, message) for _, line, message in found]


def test_the_test_curriculum_is_clean(files):
    assert problems(files) == []


def test_the_loader_keeps_structure_and_schema_version(files):
    catalogue = load_catalogue(files.courses, files.assessments)
    assert catalogue.schema_version == SCHEMA_VERSION
    course = next(c for c in catalogue.courses if c.code == "TQ3")
    assert course.unit_codes == ["T101", "T102", "T201"]
    assert course.rules.to_dict()["optional_groups"][0]["units"] == ["T102", "T201"]
    unit = catalogue.units_by_code()["T101"]
    assert [o.number for o in unit.outcomes] == [1, 2]
    assert [c.number for c in unit.outcomes[0].criteria] == ["1.1", "1.2"]
    assert [lesson.slug for lesson in unit.lessons] == ["welcome", "next-steps"]
    assert unit.lessons[1].content_note.startswith("This lesson describes")
    assert catalogue.quizzes["t101-check"].criteria == ["1.1", "2.1"]


def test_invalid_yaml_in_a_manifest(files):
    files.replace(f"{QUALIFICATION}/course.yaml", "summary: A small", "summary: [A small")
    [(line, message)] = only(files, f"{QUALIFICATION}/course.yaml")
    assert "not valid YAML" in message
    assert line >= 9


def test_invalid_front_matter(files):
    files.replace(f"{T102}/01-boundaries.md", "title: Boundaries", "title: [Boundaries")
    found = only(files, f"{T102}/01-boundaries.md")
    assert any("not valid YAML" in message and line == 2 for line, message in found)


def test_front_matter_must_be_present(files):
    files.write(f"{T102}/01-boundaries.md", "Just text, no front matter.\n")
    assert only(files, f"{T102}/01-boundaries.md") == [
        (1, "the file must start with front matter between two '---' lines")
    ]


def test_missing_and_unknown_keys(files):
    files.replace(f"{T102}/unit.md", "title: Going further\n", "titel: Going further\n")
    found = only(files, f"{T102}/unit.md")
    assert (
        3,
        "unknown key 'titel' in a unit's front matter (expected one of: code, "
        "content_note, credits, guided_learning_hours, level, outcomes, quiz, title)",
    ) in found
    assert (2, "'title' is missing") in found


def test_duplicate_unit_code(files):
    files.replace(f"{T102}/unit.md", "code: T102", "code: T101")
    found = problems(files)
    assert any(
        path == f"{T102}/unit.md" and line == 2 and "unit code T101 is also used by" in message
        for path, line, message in found
    )


def test_duplicate_course_code(files):
    files.replace(f"{SHORT}/course.yaml", "code: TINTRO", "code: TQ3")
    found = problems(files)
    assert any("course code TQ3 is also used by" in message for _, _, message in found)


def test_missing_code(files):
    files.replace(f"{T102}/unit.md", "code: T102\n", "")
    found = problems(files)
    assert (f"{T102}/unit.md", 2, "'code' is missing") in found


def test_unknown_unit_in_a_manifest(files):
    files.replace(f"{QUALIFICATION}/course.yaml", "  - T201\n", "  - T201\n  - T999\n")
    assert only(files, f"{QUALIFICATION}/course.yaml") == [
        (13, "unknown unit T999: no unit folder has this code")
    ]


def test_unit_folder_must_start_with_its_code(files):
    files.write(f"{QUALIFICATION}/units/going-further/unit.md", files.read(f"{T102}/unit.md"))
    files.write(
        f"{QUALIFICATION}/units/going-further/01-boundaries.md",
        files.read(f"{T102}/01-boundaries.md"),
    )
    import shutil

    shutil.rmtree(files.path(T102))
    found = problems(files)
    assert (
        f"{QUALIFICATION}/units/going-further/unit.md",
        2,
        "the unit folder 'going-further' must start with the unit's code (T102-…)",
    ) in found


def test_outcome_numbering_gap(files):
    files.replace(f"{T101}/unit.md", "  - number: 2\n", "  - number: 3\n")
    found = only(files, f"{T101}/unit.md")
    assert (18, "outcomes are numbered 1, 2, 3 … without gaps: expected 2, found 3") in found


def test_criteria_numbering_gap(files):
    files.replace(f"{T101}/unit.md", '"1.2"', '"1.3"')
    assert only(files, f"{T101}/unit.md") == [
        (
            16,
            "criteria of outcome 1 are numbered 1.1, 1.2 … without gaps: expected 1.2, found 1.3",
        )
    ]


def test_unquoted_criterion_numbers_are_explained(files):
    files.replace(f"{T101}/unit.md", '"1.2"', "1.2")
    found = only(files, f"{T101}/unit.md")
    assert (16, 'write criterion numbers in quotes, like "1.2"') in found


def test_outcome_without_criteria(files):
    files.replace(
        f"{T102}/unit.md",
        '    criteria:\n      - number: "1.1"\n        text: Describe a boundary\n',
        "",
    )
    assert only(files, f"{T102}/unit.md") == [(8, "outcome 1 has no assessment criteria")]


def test_credit_and_hour_sanity(files):
    files.replace(f"{T102}/unit.md", "guided_learning_hours: 12", "guided_learning_hours: 40")
    assert only(files, f"{T102}/unit.md") == [
        (6, "40 guided learning hours is more than the 20 hours that 2 credits stand for")
    ]


def test_accredited_unit_needs_credits(files):
    files.replace(f"{T102}/unit.md", "credits: 2", "credits: 0")
    found = problems(files)
    assert (f"{T102}/unit.md", 5, "a unit of a qualification has at least 1 credit") in found


def test_rules_that_can_never_be_met(files):
    files.replace(f"{QUALIFICATION}/course.yaml", "minimum_credits: 5", "minimum_credits: 50")
    assert only(files, f"{QUALIFICATION}/course.yaml") == [
        (
            13,
            "the rules of combination can never be met, even with every unit achieved: "
            "still needed 43 more credits in total",
        )
    ]


def test_rules_naming_a_unit_outside_the_course(files):
    files.replace(f"{QUALIFICATION}/course.yaml", "units: [T102, T201]", "units: [T102, T001]")
    found = only(files, f"{QUALIFICATION}/course.yaml")
    assert (22, "the rules name unit T001, which is not in this course's units") in found


def test_unit_both_mandatory_and_optional(files):
    files.replace(f"{QUALIFICATION}/course.yaml", "units: [T102, T201]", "units: [T101, T201]")
    found = only(files, f"{QUALIFICATION}/course.yaml")
    assert (22, "unit T101 is both mandatory and group B") in found


def test_qualification_needs_rules(files):
    text = files.read(f"{QUALIFICATION}/course.yaml")
    files.write(f"{QUALIFICATION}/course.yaml", text.split("rules_of_combination")[0])
    assert only(files, f"{QUALIFICATION}/course.yaml") == [
        (1, "a qualification needs rules_of_combination")
    ]


def test_broken_image(files):
    files.replace(f"{T101}/01-welcome.md", "images/circle.png", "images/square.png")
    assert only(files, f"{T101}/01-welcome.md") == [(7, "the image square.png does not exist")]


def test_image_that_is_not_an_image(files):
    files.write(f"{T101}/images/circle.png", "<svg onload='alert(1)'></svg>")
    assert only(files, f"{T101}/01-welcome.md") == [
        (7, "circle.png is not a PNG, JPEG, GIF or WebP image")
    ]


@pytest.mark.parametrize(
    "target",
    ["https://example.org/tracker.png", "//example.org/x.png", "data:image/png;base64,AAAA"],
)
def test_external_and_data_images(files, target):
    files.replace(f"{T101}/01-welcome.md", "images/circle.png", target)
    [(line, message)] = only(files, f"{T101}/01-welcome.md")
    assert line == 7
    assert message.startswith("images must be files beside the lesson")


def test_broken_lesson_link(files):
    files.replace(f"{T101}/01-welcome.md", "02-next-steps.md", "03-next-steps.md")
    assert only(files, f"{T101}/01-welcome.md") == [
        (11, "broken link: 03-next-steps.md does not exist")
    ]


def test_broken_link_in_a_unit_overview(files):
    files.replace(f"{T101}/unit.md", "01-welcome.md", "01-hello.md")
    assert only(files, f"{T101}/unit.md") == [(24, "broken link: 01-hello.md does not exist")]


def test_javascript_link(files):
    files.append(f"{T102}/01-boundaries.md", "\n[click](javascript:alert(1))\n")
    assert only(files, f"{T102}/01-boundaries.md") == [
        (6, "links may only use http, https, mailto or tel addresses (javascript:alert(1)")
    ]


def test_raw_html_unknown_callouts_and_big_headings(files):
    files.append(
        f"{T102}/01-boundaries.md",
        """
        <script>alert(1)</script>

        ## Too big

        !!! warning "Careful"
            Text.
        """,
    )
    found = only(files, f"{T102}/01-boundaries.md")
    assert (6, "raw HTML (<script>) is not allowed; it would be shown as text") in found
    assert (8, "use ### or smaller headings inside a lesson; the title is the page's heading") in (
        found
    )
    assert (
        10,
        "unknown callout 'warning' (use one of: reflect, activity, safeguarding, note, key-point)",
    ) in found


def test_code_is_not_checked_for_links(files):
    files.append(f"{T102}/01-boundaries.md", "\n```\n![x](https://example.org/x.png)\n```\n")
    assert problems(files) == []


def test_badly_named_lesson_file(files):
    files.write(f"{T102}/Boundaries Two.md", "---\ntitle: x\n---\nText\n")
    assert only(files, f"{T102}/Boundaries Two.md")[0][0] == 1


def test_unit_quiz_that_does_not_exist(files):
    files.replace(f"{T101}/unit.md", "quiz: t101-check", "quiz: t101-missing")
    assert only(files, f"{T101}/unit.md") == [
        (7, "there is no quiz 't101-missing' in assessments/")
    ]


def test_quiz_unit_not_matching(files):
    files.replace("assessments/t101-check.yaml", "unit: T101", "unit: T102")
    found = only(files, "assessments/t101-check.yaml")
    assert (3, "this quiz says it belongs to unit T102, but unit T101 names it") in found


def test_quiz_criterion_not_of_its_unit(files):
    files.replace("assessments/t101-check.yaml", '"2.1"', '"2.2"')
    assert only(files, "assessments/t101-check.yaml") == [
        (4, "'2.2' is not an assessment criterion of unit T101")
    ]


def test_quiz_id_must_match_file_name(files):
    files.replace("assessments/t101-check.yaml", "id: t101-check", "id: t101-quiz")
    found = problems(files)
    assert (
        "assessments/t101-check.yaml",
        1,
        "the quiz id 't101-quiz' must match the file name",
    ) in (found)


def test_short_course_units_need_no_outcomes_or_credits(files):
    text = files.read(f"{T001}/unit.md")
    assert "outcomes" not in text
    assert problems(files) == []


def test_checks_can_be_added(files):
    def no_lessons_called_boundaries(catalogue):
        for unit in catalogue.units():
            for lesson in unit.lessons:
                if lesson.slug == "boundaries":
                    yield Problem(lesson.path, 2, "boundaries is a reserved name")

    extra = Capability("example", content_checks=(no_lessons_called_boundaries,))
    with capabilities.extended(extra):
        assert only(files, f"{T102}/01-boundaries.md") == [(2, "boundaries is a reserved name")]
    assert problems(files) == []


# --- the command ------------------------------------------------------------------------------


def test_check_command_reports_file_and_line_and_fails(app, files):
    files.replace(f"{T101}/unit.md", '"1.2"', '"1.3"')
    result = app.test_cli_runner().invoke(args=["courses", "check", str(files.courses)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[0] == (
        f"{files.path(T101)}/unit.md:16: criteria of outcome 1 are numbered 1.1, 1.2 … "
        "without gaps: expected 1.2, found 1.3"
    )
    assert lines[-1].endswith("1 problem.")


def test_check_command_passes_a_clean_curriculum(app, files):
    result = app.test_cli_runner().invoke(args=["courses", "check", str(files.courses)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        f"2 courses, 4 units, 5 lessons and 1 quiz in {files.courses}: no problems."
    )


def test_check_command_on_one_course_folder(app, files):
    result = app.test_cli_runner().invoke(
        args=["courses", "check", str(files.path(SHORT)), "--assessments", str(files.assessments)]
    )
    assert result.exit_code == 0, result.output


def test_the_shipped_curriculum_passes(app):
    result = app.test_cli_runner().invoke(args=["courses", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("no problems.")


def test_the_complete_example_in_the_readme_is_valid(tmp_path):
    import re

    from lms import PROJECT_ROOT
    from tests.factories.course_files import tiny_png

    readme = (PROJECT_ROOT / "courses" / "README.md").read_text()
    example = readme[readme.index("## A complete small example") :]
    blocks = re.findall(r"`(courses/[^`]+)`:\n\n```\w+\n(.*?)```", example, re.S)
    assert len(blocks) == 3
    for name, text in blocks:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    image = tmp_path / "courses/first-steps/units/FS001-starting-out/images/circle.png"
    image.parent.mkdir()
    image.write_bytes(tiny_png())
    _, found = check_paths(tmp_path / "courses", None)
    assert found == []


def test_a_link_whose_text_runs_over_two_lines_is_checked(files):
    files.append(f"{T102}/01-boundaries.md", "\nSee [the lesson on\nlistening](01-listening.md).\n")
    assert only(files, f"{T102}/01-boundaries.md") == [
        (6, "broken link: 01-listening.md does not exist")
    ]


def test_reference_style_links_are_checked(files):
    files.append(f"{T102}/01-boundaries.md", "\nSee [the welcome][w].\n\n[w]: 01-welcome.md\n")
    assert only(files, f"{T102}/01-boundaries.md") == [
        (6, "broken link: 01-welcome.md does not exist")
    ]


# --- text that is not UTF-8 -------------------------------------------------------------------


def _with_latin1(files: CourseFiles, name: str, old: str, new: str) -> int:
    """Save `name` with `old` replaced by `new` in Latin-1 (é is one byte 0xe9, not UTF-8);
    the line of the first bad byte."""
    text = files.read(name)
    assert old in text
    text = text.replace(old, new, 1)
    files.write_bytes(name, text.encode("latin-1"))
    return text[: text.index(new)].count("\n") + 1


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        (f"{T101}/unit.md", "title: Getting started", "title: Getting started, café"),
        (f"{T102}/01-boundaries.md", "title: Boundaries", "title: Boundaries é"),
        (f"{QUALIFICATION}/course.yaml", "summary: A small", "summary: A smallé"),
        ("assessments/t101-check.yaml", "title:", "# é\ntitle:"),
    ],
)
def test_text_that_is_not_utf8_is_refused_at_its_line(files, name, old, new):
    line = _with_latin1(files, name, old, new)
    found = problems(files)
    assert (name, line, _not_utf8(0xE9)) in found, found
    assert not any("\ufffd" in message for _, _, message in found)


def _not_utf8(byte: int) -> str:
    return (
        f"this line holds a character that is not UTF-8 (byte 0x{byte:02x}); "
        "please save the file as UTF-8 text"
    )


def test_check_command_refuses_text_that_is_not_utf8(app, files):
    line = _with_latin1(files, f"{T101}/unit.md", "title: Getting started", "title: Café")
    result = app.test_cli_runner().invoke(args=["courses", "check", str(files.courses)])
    assert result.exit_code == 1
    assert f"{files.path(T101)}/unit.md:{line}: {_not_utf8(0xE9)}" in result.output


def test_sync_loads_nothing_from_text_that_is_not_utf8(app, session, files):
    from lms.curriculum.models import Unit
    from lms.curriculum.sync import SyncRefused, sync_catalogue

    _with_latin1(files, f"{T101}/unit.md", "title: Getting started", "title: Café")
    with pytest.raises(SyncRefused):
        sync_catalogue(session, load_catalogue(files.courses, files.assessments))
    session.rollback()
    assert session.query(Unit).count() == 0
