"""Checking an enrolment CSV before anything is imported. Pure: no database, no Flask.

The file a coordinator uploads
------------------------------
- Text saved as UTF-8, with or without a byte-order mark (Excel: "CSV UTF-8 (Comma delimited)").
  Other encodings (Windows-1252 from older Excel, UTF-16 "Unicode text") and workbooks are refused
  with a message that says how to save the file instead.
- Values separated by commas; semicolons or tabs also work (the header line decides).
- The first line names the columns. Case, spaces and hyphens in the names do not matter:

  ================  ========  ===========================================================
  column            needed?   what goes in it
  ================  ========  ===========================================================
  ``email``         required  the trainee's email address (also ``e-mail``, ``email address``)
  ``name``          required  their name as they would like it shown (also ``full name``)
  ``cohort``        required  the cohort's name as it appears in Alongside (any case)
  ``date_of_birth`` optional  ``YYYY-MM-DD`` or ``DD/MM/YYYY``; awarding bodies may ask for it
  ================  ========  ===========================================================

  Any other column is refused, so that a misspelt column is never silently ignored.
- Blank lines are skipped. Each other line is one trainee.

`check_enrolment_csv` returns an `ImportPlan` only when every row is good; otherwise it raises
`ImportRejected` carrying every problem found, each with its line number, so that the whole file
can be put right in one go and nothing is ever half imported.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from email_validator import EmailNotValidError, validate_email

from lms.curriculum.models import cohort_name_key
from lms.errors import DomainError
from lms.i18n import _, _l, format_list, ngettext

MAX_ROWS = 5000
NAME_MAX_LENGTH = 120
EMAIL_MAX_LENGTH = 254

REQUIRED_COLUMNS = ("email", "name", "cohort")
OPTIONAL_COLUMNS = ("date_of_birth",)
COLUMN_ALIASES = {
    "email": "email",
    "e_mail": "email",
    "email_address": "email",
    "e_mail_address": "email",
    "name": "name",
    "full_name": "name",
    "display_name": "name",
    "cohort": "cohort",
    "cohort_name": "cohort",
    "date_of_birth": "date_of_birth",
    "dob": "date_of_birth",
    "birth_date": "date_of_birth",
}
SAVE_AS_UTF8 = _l(
    "Please save it again as \u201cCSV UTF-8 (Comma delimited)\u201d "
    "(in Excel: File, Save As) and upload that file."
)


# --- what the caller tells us, and what we give back ------------------------------------------


@dataclass(frozen=True)
class CohortChoice:
    """A cohort a row may name, as the caller knows it.

    `pool` groups cohorts that draw on the same seats (one licence: a partner and a
    qualification). `refusal`, when set, is why nobody can be enrolled into it now (a closed
    cohort, a suspended or expired licence), and is reported against every row naming it.
    """

    id: int
    name: str
    qualification: str
    pool: Hashable
    refusal: str | None = None


@dataclass(frozen=True)
class ImportContext:
    cohorts: Sequence[CohortChoice] = ()
    # Seats still free per pool; a pool not listed has no limit.
    seats_left: Mapping[Hashable, int] = field(default_factory=dict)
    # (normalised email, pool) of people already enrolled on that licence's qualification.
    already_enrolled: Collection[tuple[str, Hashable]] = frozenset()
    # (normalised email, pool) of invitations already holding a seat: inviting again takes none.
    already_invited: Collection[tuple[str, Hashable]] = frozenset()


@dataclass(frozen=True)
class PlannedEnrolment:
    line: int
    email: str
    name: str
    cohort: CohortChoice
    date_of_birth: date | None = None


@dataclass(frozen=True)
class ImportPlan:
    rows: tuple[PlannedEnrolment, ...]

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file; `line` is None when it is about the whole file."""

    line: int | None
    message: str
    # True when the row is fine in itself but clashes with how things stand (already enrolled,
    # no seats left, a closed cohort or a licence not in force); the API answers 409 for these.
    conflict: bool = False

    def __str__(self) -> str:
        if self.line:
            return _("Line %(line)s: %(message)s", line=self.line, message=self.message)
        return self.message


class ImportRejected(DomainError):
    """Nothing was imported; `problems` lists everything that needs putting right."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = tuple(sorted(problems, key=lambda p: (p.line or 0, p.message)))
        count = len({p.line for p in self.problems if p.line})
        if count:
            message = ngettext(
                "We have not imported anything: %(num)d row needs putting right first.",
                "We have not imported anything: %(num)d rows need putting right first.",
                count,
            )
        else:
            message = _(
                "We have not imported anything: %(problem)s", problem=self.problems[0].message
            )
        super().__init__(message, field="file")


# --- reading the bytes ------------------------------------------------------------------------


def decode_csv_bytes(data: bytes) -> str:
    """The file's text, if it is UTF-8 (a leading byte-order mark is dropped)."""
    if not data.strip():
        raise ImportRejected([Problem(None, _("The file is empty."))])
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRejected(
            [
                Problem(
                    None,
                    _("This is a spreadsheet workbook, not a CSV file.") + " " + str(SAVE_AS_UTF8),
                )
            ]
        )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data[:4096]:
        raise ImportRejected(
            [
                Problem(
                    None,
                    _(
                        "This file is saved as UTF-16 (Excel calls it \u201cUnicode Text\u201d), "
                        "which we cannot read."
                    )
                    + " "
                    + str(SAVE_AS_UTF8),
                )
            ]
        )
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        try:
            data.decode("cp1252")
        except UnicodeDecodeError:
            unreadable = _(
                "We cannot read this file: it is not saved as UTF-8 text. The first character "
                "we could not read is on line %(line)s.",
                line=line,
            )
        else:
            unreadable = _(
                "We cannot read this file: it looks like it was saved as Windows-1252 "
                "(older Excel's \u201cCSV (Comma delimited)\u201d), not UTF-8. The first "
                "character we could not read is on line %(line)s.",
                line=line,
            )
        raise ImportRejected([Problem(None, unreadable + " " + str(SAVE_AS_UTF8))]) from None


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _column_key(heading: str) -> str:
    return re.sub(r"[\s\-]+", "_", heading.strip().lower())


def _read_header(cells: list[str]) -> list[str]:
    """Canonical column names, or every problem with the header line."""
    problems = []
    columns: list[str] = []
    for heading in cells:
        key = COLUMN_ALIASES.get(_column_key(heading))
        if key is None:
            shown = heading.strip() or _("(a column with no name)")
            problems.append(_("the column \u201c%(name)s\u201d is not one we know", name=shown))
        elif key in columns:
            problems.append(_("the column \u201c%(name)s\u201d appears twice", name=key))
        columns.append(key or "")
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        problems.append(
            ngettext(
                "the file has no %(columns)s column",
                "the file has no %(columns)s columns",
                len(missing),
                columns=format_list([f"\u201c{name}\u201d" for name in missing], "or"),
            )
        )
    if problems:
        expected = _(
            "%(required)s (and optionally %(optional)s)",
            required=", ".join(REQUIRED_COLUMNS),
            optional=OPTIONAL_COLUMNS[0],
        )
        raise ImportRejected(
            [
                Problem(
                    1,
                    _(
                        "The first line must name the columns: %(problems)s. "
                        "The columns are: %(expected)s.",
                        problems="; ".join(problems),
                        expected=expected,
                    ),
                )
            ]
        )
    return columns


# --- checking each value ----------------------------------------------------------------------


def _email(value: str) -> tuple[str | None, str | None]:
    if not value:
        return None, _("The email address is missing.")
    if len(value) > EMAIL_MAX_LENGTH:
        return None, _("The email address is too long.")
    try:
        normalised = validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None, _("\u201c%(value)s\u201d does not look like an email address.", value=value)
    return normalised, None


def _name(value: str) -> tuple[str | None, str | None]:
    name = " ".join(value.split())
    if not name:
        return None, _("The name is missing.")
    if len(name) > NAME_MAX_LENGTH:
        return None, _("The name is longer than %(num)d characters.", num=NAME_MAX_LENGTH)
    return name, None


def _date_of_birth(value: str, today: date) -> tuple[date | None, str | None]:
    if not value:
        return None, None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            born = datetime.strptime(value, pattern).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
        if born >= today or born.year < 1900:
            return None, _("The date of birth \u201c%(value)s\u201d cannot be right.", value=value)
        return born, None
    return None, _(
        "The date of birth \u201c%(value)s\u201d is not a date we can read: "
        "please write it like 1990-02-28 or 28/02/1990.",
        value=value,
    )


def _cohort_finder(cohorts: Sequence[CohortChoice]):
    by_name: dict[str, list[CohortChoice]] = {}
    for cohort in cohorts:
        by_name.setdefault(cohort_name_key(cohort.name), []).append(cohort)
    open_names = sorted(c.name for c in cohorts if c.refusal is None)
    if not open_names:
        hint = _("There are no open cohorts to enrol into at the moment.")
    elif len(open_names) <= 8:
        hint = _("Open cohorts: %(names)s.", names=", ".join(open_names))
    else:
        hint = _("See the cohorts page for their names.")

    def find(value: str) -> tuple[CohortChoice | None, str | None, bool]:
        if not value.strip():
            return None, _("The cohort is missing."), False
        found = by_name.get(cohort_name_key(value), [])
        if not found:
            missing = _(
                "There is no cohort called \u201c%(name)s\u201d. %(hint)s",
                name=value.strip(),
                hint=hint,
            )
            return None, missing, False
        if len(found) > 1:
            return (
                None,
                _(
                    "More than one cohort is called \u201c%(name)s\u201d: please rename "
                    "one of them so that each name is used once.",
                    name=value.strip(),
                ),
                False,
            )
        cohort = found[0]
        if cohort.refusal:
            return None, cohort.refusal, True
        return cohort, None, False

    return find


# --- rows, from a file or from the API ------------------------------------------------------------


class RowChecker:
    """Checks rows one at a time (`add`), then the seats they need together (`finish`).

    `line` is whatever locates a row for the person reading the problems: a line of the file,
    or an item's position in an API request.
    """

    def __init__(self, context: ImportContext, today: date):
        self.context = context
        self.today = today
        self.find_cohort = _cohort_finder(context.cohorts)
        self.problems: list[Problem] = []
        self.good: list[PlannedEnrolment] = []
        self.first_line_of: dict[str, int] = {}
        # How problems name a row and the whole: "line" of this "file", or "item" of a "request".
        self.where, self.whole = "line", "file"

    def _cohort(self, values: Mapping[str, str]) -> tuple[CohortChoice | None, str | None, bool]:
        """The cohort a row names: by `cohort_id` when the caller has it (the API), else by
        name."""
        if "cohort_id" not in values:
            return self.find_cohort(values.get("cohort", ""))
        cohort = next((c for c in self.context.cohorts if c.id == values["cohort_id"]), None)
        if cohort is None:
            return None, "`cohort_id` is not a cohort of your organisation.", False
        if cohort.refusal:
            return None, cohort.refusal, True
        return cohort, None, False

    def add(self, line: int, values: Mapping[str, str]) -> None:
        email, email_problem = _email(values.get("email", ""))
        name, name_problem = _name(values.get("name", ""))
        cohort, cohort_problem, refused = self._cohort(values)
        born, born_problem = _date_of_birth(values.get("date_of_birth", ""), self.today)
        for reason in (email_problem, name_problem, born_problem):
            if reason:
                self.problems.append(Problem(line, reason))
        if cohort_problem:
            self.problems.append(Problem(line, cohort_problem, conflict=refused))
        if email is None or name is None or cohort is None or born_problem:
            return
        if email in self.first_line_of:
            self.problems.append(Problem(line, self._listed_twice(email)))
            return
        self.first_line_of[email] = line
        if (email, cohort.pool) in self.context.already_enrolled:
            enrolled = _(
                "%(email)s is already enrolled on %(qualification)s.",
                email=email,
                qualification=cohort.qualification,
            )
            self.problems.append(Problem(line, enrolled, True))
            return
        self.good.append(PlannedEnrolment(line, email, name, cohort, born))

    def _listed_twice(self, email: str) -> str:
        first = self.first_line_of[email]
        if self.where == "item":
            return _(
                "%(email)s is also on item %(number)s: each person should be listed once.",
                email=email,
                number=first,
            )
        return _(
            "%(email)s is also on line %(number)s: each person should be listed once.",
            email=email,
            number=first,
        )

    def finish(self) -> ImportPlan:
        needing_seats = [
            row
            for row in self.good
            if (row.email, row.cohort.pool) not in self.context.already_invited
        ]
        problems = self.problems + _seat_problems(
            needing_seats, self.context.seats_left, self.whole
        )
        if problems:
            raise ImportRejected(problems)
        return ImportPlan(tuple(self.good))


# --- the whole file ---------------------------------------------------------------------------


def check_enrolment_csv(
    data: bytes, context: ImportContext, *, today: date, max_rows: int = MAX_ROWS
) -> ImportPlan:
    """Every row of the file, checked; raises `ImportRejected` with every problem if any."""
    text = decode_csv_bytes(data)
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    checker = RowChecker(context, today)

    columns: list[str] | None = None
    row_count = 0
    previous_end = 0
    try:
        for cells in reader:
            line, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                columns = _read_header(cells)
                continue
            row_count += 1
            if row_count > max_rows:
                continue
            if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
                checker.problems.append(
                    Problem(
                        line,
                        _(
                            "This line has %(values)d values but there are %(columns)d "
                            "columns. If a name contains a comma, put the name in double quotes.",
                            values=len(cells),
                            columns=len(columns),
                        ),
                    )
                )
                continue
            checker.add(line, dict(zip(columns, [c.strip() for c in cells], strict=False)))
    except csv.Error as error:
        checker.problems.append(
            Problem(
                previous_end or 1,
                _("This line cannot be read as CSV (%(error)s).", error=str(error)),
            )
        )

    if columns is None:
        raise ImportRejected([Problem(None, _("The file has no header line and no trainees."))])
    if row_count > max_rows:
        raise ImportRejected(
            [
                Problem(
                    None,
                    _(
                        "The file lists %(count)d trainees; we can import up to %(max)d at a "
                        "time. Please split it into smaller files.",
                        count=row_count,
                        max=max_rows,
                    ),
                )
            ]
        )
    if row_count == 0:
        raise ImportRejected([Problem(None, _("The file has a header line but no trainees."))])
    return checker.finish()


def _seat_problems(
    rows: Sequence[PlannedEnrolment], seats_left: Mapping[Hashable, int], whole: str
) -> list[Problem]:
    problems = []
    taken: dict[Hashable, int] = {}
    for row in rows:
        pool = row.cohort.pool
        if pool not in seats_left:
            continue
        taken[pool] = taken.get(pool, 0) + 1
        free = max(seats_left[pool], 0)
        if taken[pool] > free:
            problems.append(
                Problem(row.line, _seats_message(row, free, taken[pool], whole), conflict=True)
            )
    return problems


def _seats_message(row: PlannedEnrolment, free: int, number: int, whole: str) -> str:
    if whole == "request":
        return ngettext(
            "There are not enough seats: the licence for %(qualification)s has %(num)d seat "
            "left, and this is trainee number %(number)d for it in this request.",
            "There are not enough seats: the licence for %(qualification)s has %(num)d seats "
            "left, and this is trainee number %(number)d for it in this request.",
            free,
            qualification=row.cohort.qualification,
            number=number,
        )
    return ngettext(
        "There are not enough seats: the licence for %(qualification)s has %(num)d seat "
        "left, and this is trainee number %(number)d for it in this file.",
        "There are not enough seats: the licence for %(qualification)s has %(num)d seats "
        "left, and this is trainee number %(number)d for it in this file.",
        free,
        qualification=row.cohort.qualification,
        number=number,
    )
