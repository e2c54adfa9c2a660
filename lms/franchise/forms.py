from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from lms.curriculum.models import CohortRole
from lms.franchise.models import LicenceStatus


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the choices of a select field."""
    return [SelectChoice(value, label) for value, label in pairs]


class LicenceForm(FlaskForm):
    course = SelectField("Qualification", coerce=int, validate_choice=True)
    seats = IntegerField(
        "Seats",
        description="How many trainees the partner may have enrolled at once "
        "(withdrawn trainees free their seat).",
        validators=[
            InputRequired("Please give the number of seats."),
            NumberRange(min=0, max=100_000, message="Please give a number from 0 to 100,000."),
        ],
    )
    starts_on = DateField("Starts on", validators=[DataRequired("Please give a start date.")])
    expires_on = DateField("Ends on", validators=[DataRequired("Please give an end date.")])
    units = SelectMultipleField("Units the partner may deliver")
    status = SelectField(
        "Status",
        choices=options((s.value, s.label) for s in LicenceStatus),
        description="A suspended or expired licence allows no new enrolments.",
    )
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=2000)])


class CohortForm(FlaskForm):
    name = StringField(
        "Name",
        description="For example \u201cSpring 2027\u201d. Each cohort needs its own name.",
        validators=[DataRequired("Please give the cohort a name."), Length(max=120)],
    )
    course = SelectField("Qualification or course", coerce=int)
    starts_on = DateField("Starts on", validators=[Optional()])
    ends_on = DateField("Ends on", validators=[Optional()])


class StaffForm(FlaskForm):
    user = SelectField("Person", coerce=int, validate_choice=False)  # the view checks the role
    role = SelectField(
        "Role in this cohort",
        choices=options([(CohortRole.ASSESSOR.value, "Assessor"), (CohortRole.IQA.value, "IQA")]),
    )


class EnrolForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[
            DataRequired("Please enter an email address."),
            Email("That email address does not look right."),
        ],
    )
    display_name = StringField(
        "Name",
        description="Needed when she is not one of your trainees or staff yet: we will e-mail "
        "her an invitation, and she joins when she accepts it.",
        validators=[Optional(), Length(max=120)],
    )
    date_of_birth = DateField(
        "Date of birth (optional)",
        description="Awarding bodies may ask for it when the qualification is claimed.",
        validators=[Optional()],
    )


class ImportForm(FlaskForm):
    file = FileField(
        "CSV file",
        description="Saved as \u201cCSV UTF-8\u201d, with the columns email, name, cohort "
        "and, if you like, date_of_birth.",
        validators=[FileRequired("Please choose a CSV file.")],
    )


class MoveForm(FlaskForm):
    cohort = SelectField("Move to cohort", coerce=int)


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        description="Kept with her record. Please keep it factual and kind: she may read it.",
        validators=[
            DataRequired("Please say briefly why she is being withdrawn."),
            Length(max=500),
        ],
    )
