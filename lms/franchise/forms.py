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
from lms.i18n import _l


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the choices of a select field."""
    return [SelectChoice(value, label) for value, label in pairs]


class LicenceForm(FlaskForm):
    course = SelectField(_l("Qualification"), coerce=int, validate_choice=True)
    seats = IntegerField(
        _l("Seats"),
        description=_l(
            "How many trainees the partner may have enrolled at once "
            "(withdrawn trainees free their seat)."
        ),
        validators=[
            InputRequired(_l("Please give the number of seats.")),
            NumberRange(min=0, max=100_000, message=_l("Please give a number from 0 to 100,000.")),
        ],
    )
    starts_on = DateField(
        _l("Starts on"), validators=[DataRequired(_l("Please give a start date."))]
    )
    expires_on = DateField(_l("Ends on"), validators=[DataRequired(_l("Please give an end date."))])
    units = SelectMultipleField(_l("Units the partner may deliver"))
    status = SelectField(
        _l("Status"),
        choices=options((s.value, s.label) for s in LicenceStatus),
        description=_l("A suspended or expired licence allows no new enrolments."),
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])


class CohortForm(FlaskForm):
    name = StringField(
        _l("Name"),
        description=_l("For example \u201cSpring 2027\u201d. Each cohort needs its own name."),
        validators=[DataRequired(_l("Please give the cohort a name.")), Length(max=120)],
    )
    course = SelectField(_l("Qualification or course"), coerce=int)
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])


class StaffForm(FlaskForm):
    user = SelectField(_l("Person"), coerce=int, validate_choice=False)  # the view checks the role
    role = SelectField(
        _l("Role in this cohort"),
        choices=options(
            [(CohortRole.ASSESSOR.value, _l("Assessor")), (CohortRole.IQA.value, _l("IQA"))]
        ),
    )


class EnrolForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(_l("Please enter an email address.")),
            Email(_l("That email address does not look right.")),
        ],
    )
    display_name = StringField(
        _l("Name"),
        description=_l(
            "Needed when she is not one of your trainees or staff yet: we will e-mail "
            "her an invitation, and she joins when she accepts it."
        ),
        validators=[Optional(), Length(max=120)],
    )
    date_of_birth = DateField(
        _l("Date of birth (optional)"),
        description=_l("Awarding bodies may ask for it when the qualification is claimed."),
        validators=[Optional()],
    )


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        description=_l(
            "Saved as \u201cCSV UTF-8\u201d, with the columns email, name, cohort "
            "and, if you like, date_of_birth."
        ),
        validators=[FileRequired(_l("Please choose a CSV file."))],
    )


class MoveForm(FlaskForm):
    cohort = SelectField(_l("Move to cohort"), coerce=int)


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        description=_l("Kept with her record. Please keep it factual and kind: she may read it."),
        validators=[
            DataRequired(_l("Please say briefly why she is being withdrawn.")),
            Length(max=500),
        ],
    )
