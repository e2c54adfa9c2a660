"""Checking an enrolment CSV: encodings, columns, every bad row by line, all or nothing."""

from __future__ import annotations

import codecs
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.franchise.csv_import import (
    CohortChoice,
    ImportContext,
    ImportPlan,
    ImportRejected,
    Problem,
    check_enrolment_csv,
)

TODAY = date(2027, 3, 1)
L3 = "Level 3 Certificate in Reintegrative Mentoring"
SPRING = CohortChoice(1, "Spring 2027", L3, pool="l3")
AUTUMN = CohortChoice(2, "Autumn 2027", L3, pool="l3")
TASTER = CohortChoice(3, "Taster", "Introduction to peer support", pool="intro")
CLOSED = CohortChoice(4, "Winter 2026", L3, pool="l3", refusal="The cohort Winter 2026 is closed.")
CONTEXT = ImportContext(cohorts=(SPRING, AUTUMN, TASTER, CLOSED))


def check(text: str | bytes, context: ImportContext = CONTEXT, **kwargs) -> ImportPlan:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return check_enrolment_csv(data, context, today=TODAY, **kwargs)


def problems_of(text: str | bytes, context: ImportContext = CONTEXT, **kwargs) -> list[Problem]:
    with pytest.raises(ImportRejected) as caught:
        check(text, context, **kwargs)
    return list(caught.value.problems)


def lines_of(problems: list[Problem]) -> list[int | None]:
    return [p.line for p in problems]


GOOD = (
    "email,name,cohort,date_of_birth\r\n"
    "Amira@Example.org,Amira Hassan,Spring 2027,1990-02-28\r\n"
    "bethany@example.org,  Bethany   Cole ,spring 2027,\r\n"
    "chloe@example.org,Chloe Mensah,Taster,14/07/1985\r\n"
)


def test_a_good_file_becomes_a_plan_of_normalised_rows():
    plan = check(GOOD)
    assert [(r.line, r.email, r.name, r.cohort.id, r.date_of_birth) for r in plan.rows] == [
        (2, "amira@example.org", "Amira Hassan", 1, date(1990, 2, 28)),
        (3, "bethany@example.org", "Bethany Cole", 1, None),
        (4, "chloe@example.org", "Chloe Mensah", 3, date(1985, 7, 14)),
    ]
    assert len(plan) == 3


def test_utf8_with_a_byte_order_mark_is_read_the_same():
    with_bom = codecs.BOM_UTF8 + GOOD.encode("utf-8")
    assert check(with_bom) == check(GOOD)


def test_names_keep_their_accents():
    plan = check("email,name,cohort\nzoe@example.org,Zoë Ó Súilleabháin,Spring 2027\n")
    assert plan.rows[0].name == "Zoë Ó Súilleabháin"


def test_windows_1252_bytes_are_refused_with_how_to_save_the_file():
    data = "email,name,cohort\nzoe@example.org,Zoë Adams,Spring 2027\n".encode("cp1252")
    (problem,) = problems_of(data)
    assert problem.line is None
    assert "Windows-1252" in problem.message
    assert "line 2" in problem.message
    assert "CSV UTF-8" in problem.message


def test_utf16_is_refused_with_and_without_its_byte_order_mark():
    text = "email,name,cohort\nzoe@example.org,Zoe Adams,Spring 2027\n"
    for data in (text.encode("utf-16"), text.encode("utf-16-le")):
        (problem,) = problems_of(data)
        assert "UTF-16" in problem.message
        assert "CSV UTF-8" in problem.message


def test_bytes_that_are_no_known_text_are_refused_plainly():
    (problem,) = problems_of(b"email,name,cohort\n\x81\x8d\x8f\x90\x9d\n")
    assert "not saved as UTF-8" in problem.message


def test_a_workbook_is_refused_as_not_a_csv():
    (problem,) = problems_of(b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40)
    assert "workbook, not a CSV" in problem.message


@pytest.mark.parametrize("data", [b"", b"   \r\n\n", codecs.BOM_UTF8])
def test_an_empty_file_is_refused(data):
    (problem,) = problems_of(data)
    assert problem.message in {"The file is empty.", "The file has no header line and no trainees."}


def test_a_header_without_trainees_is_refused():
    (problem,) = problems_of("email,name,cohort\n\n")
    assert problem.message == "The file has a header line but no trainees."


def test_wrong_columns_are_all_named_on_line_one():
    (problem,) = problems_of("E-mail,Phone,email address,Name\nx@example.org,1,x@example.org,X\n")
    assert problem.line == 1
    assert "\u201cPhone\u201d is not one we know" in problem.message
    assert "\u201cemail\u201d appears twice" in problem.message
    assert "no \u201ccohort\u201d column" in problem.message
    assert "The columns are: email, name, cohort (and optionally date_of_birth)" in problem.message


def test_column_names_ignore_case_spaces_and_aliases():
    plan = check(" Full Name ;E-Mail Address;COHORT;Date of Birth\nAmira;a@example.org;Taster;\n")
    assert plan.rows[0].email == "a@example.org"
    assert plan.rows[0].name == "Amira"


def test_tab_separated_files_are_read():
    plan = check("email\tname\tcohort\na@example.org\tAmira Hassan\tTaster\n")
    assert plan.rows[0].name == "Amira Hassan"


def test_every_bad_row_is_reported_by_line_and_nothing_is_planned():
    text = (
        "email,name,cohort\n"  # 1
        "not-an-email,Amira Hassan,Spring 2027\n"  # 2 bad email
        "bethany@example.org,,Spring 2027\n"  # 3 missing name
        "chloe@example.org,Chloe Mensah,Spring 2027\n"  # 4 good
        "\n"  # 5 blank, skipped
        "CHLOE@example.org,Chloe Again,Taster\n"  # 6 duplicate of 4
        "danuta@example.org,Danuta Nowak,Summer 2030\n"  # 7 unknown cohort
        "esi@example.org,Esi Owusu,Winter 2026\n"  # 8 closed cohort
        ",,\n"  # 9 blank, skipped
        "fatima@example.org,Fatima Rahman,Autumn 2027,extra\n"  # 10 too many values
        "grace@example.org,Grace O'Neill,Autumn 2027\n"  # 11 good
    )
    problems = problems_of(text)
    assert lines_of(problems) == [2, 3, 6, 7, 8, 10]
    by_line = {p.line: p.message for p in problems}
    assert "\u201cnot-an-email\u201d does not look like an email address" in by_line[2]
    assert by_line[3] == "The name is missing."
    assert by_line[6] == "chloe@example.org is also on line 4: each person should be listed once."
    assert "no cohort called \u201cSummer 2030\u201d" in by_line[7]
    assert "Open cohorts: Autumn 2027, Spring 2027, Taster." in by_line[7]
    assert by_line[8] == "The cohort Winter 2026 is closed."
    assert [p.conflict for p in problems] == [False, False, False, False, True, False]
    assert "4 values but there are 3 columns" in by_line[10]


def test_a_row_with_several_problems_reports_each():
    problems = problems_of("email,name,cohort,date_of_birth\nnope,,Nowhere,31/02/1990\n")
    assert lines_of(problems) == [2, 2, 2, 2]
    assert "not a date we can read" in " ".join(p.message for p in problems)


def test_the_rejection_says_how_many_rows_need_attention():
    with pytest.raises(ImportRejected) as caught:
        check("email,name,cohort\nbad,X,Taster\nworse,Y,Taster\n")
    assert caught.value.message == "We have not imported anything: 2 rows need putting right first."
    assert str(caught.value.problems[0]).startswith("Line 2: ")


def test_line_numbers_count_physical_lines_of_quoted_values():
    text = (
        "email,name,cohort\n"
        'a@example.org,"Amira\nHassan",Taster\n'  # lines 2-3
        "bad,Bethany,Taster\n"  # line 4
    )
    assert lines_of(problems_of(text)) == [4]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2027-03-01", "cannot be right"),
        ("1850-01-01", "cannot be right"),
        ("1990/02/28", "not a date we can read"),
        ("yesterday", "not a date we can read"),
    ],
)
def test_dates_of_birth_must_be_real_and_past(value, expected):
    (problem,) = problems_of(f"email,name,cohort,date_of_birth\na@example.org,A,Taster,{value}\n")
    assert expected in problem.message


def test_seats_are_shared_by_the_cohorts_of_one_licence():
    context = ImportContext(cohorts=(SPRING, AUTUMN, TASTER), seats_left={"l3": 2})
    text = (
        "email,name,cohort\n"
        "a@example.org,A,Spring 2027\n"
        "b@example.org,B,Taster\n"  # another licence, no limit
        "c@example.org,C,Autumn 2027\n"
        "d@example.org,D,Autumn 2027\n"  # third for l3
        "e@example.org,E,Spring 2027\n"  # fourth for l3
    )
    problems = problems_of(text, context)
    assert lines_of(problems) == [5, 6]
    assert problems[0].message == (
        f"There are not enough seats: the licence for {L3} has 2 seats left, "
        "and this is trainee number 3 for it in this file."
    )


def test_a_licence_with_no_seats_left_refuses_every_row_for_it():
    context = ImportContext(cohorts=(SPRING,), seats_left={"l3": 0})
    problems = problems_of("email,name,cohort\na@example.org,A,Spring 2027\n", context)
    assert "has 0 seats left" in problems[0].message


def test_rows_with_other_problems_do_not_take_seats():
    context = ImportContext(cohorts=(SPRING,), seats_left={"l3": 1})
    problems = problems_of(
        "email,name,cohort\nbad,A,Spring 2027\nb@example.org,B,Spring 2027\n", context
    )
    assert lines_of(problems) == [2]


def test_people_already_on_the_qualification_are_reported():
    context = ImportContext(cohorts=(SPRING,), already_enrolled={("a@example.org", "l3")})
    (problem,) = problems_of("email,name,cohort\nA@example.org,A,Spring 2027\n", context)
    assert problem == Problem(2, f"a@example.org is already enrolled on {L3}.", conflict=True)


def test_two_cohorts_with_one_name_are_not_guessed_between():
    context = ImportContext(cohorts=(SPRING, CohortChoice(9, "spring 2027", "Intro", pool="i")))
    (problem,) = problems_of("email,name,cohort\na@example.org,A,Spring 2027\n", context)
    assert "More than one cohort is called" in problem.message


def test_no_open_cohorts_is_said_plainly():
    (problem,) = problems_of("email,name,cohort\na@example.org,A,Spring\n", ImportContext())
    assert "There are no open cohorts to enrol into at the moment." in problem.message


def test_too_many_rows_are_refused_as_a_whole():
    rows = "".join(f"p{i}@example.org,P {i},Taster\n" for i in range(4))
    (problem,) = problems_of("email,name,cohort\n" + rows, max_rows=3)
    assert "lists 4 trainees; we can import up to 3" in problem.message


def test_a_long_file_is_checked_whole():
    rows = "".join(f"p{i}@example.org,Person {i},Taster\n" for i in range(2000))
    assert len(check("email,name,cohort\n" + rows)) == 2000


def outcome(data: bytes) -> ImportPlan | ImportRejected:
    try:
        return check_enrolment_csv(data, CONTEXT, today=TODAY)
    except ImportRejected as rejected:
        return rejected


@given(st.binary(max_size=300))
def test_any_bytes_give_a_plan_or_a_list_of_problems(data):
    result = outcome(data)
    if isinstance(result, ImportRejected):
        assert result.problems
        assert all(p.message for p in result.problems)
    else:
        assert len(result) > 0


@given(st.text(max_size=200))
def test_any_text_gives_a_plan_or_a_list_of_problems(text):
    result = outcome(("email,name,cohort\n" + text).encode())
    if isinstance(result, ImportRejected):
        assert result.problems
    else:
        assert all(row.email and row.name for row in result.rows)


def test_inviting_someone_again_takes_no_second_seat():
    context = ImportContext(
        cohorts=(SPRING,),
        seats_left={"l3": 0},
        already_invited={("a@example.org", "l3")},
    )
    plan = check("email,name,cohort\nA@example.org,A,Spring 2027\n", context)
    assert [row.email for row in plan.rows] == ["a@example.org"]
    (problem,) = problems_of("email,name,cohort\nb@example.org,B,Spring 2027\n", context)
    assert "not enough seats" in problem.message
