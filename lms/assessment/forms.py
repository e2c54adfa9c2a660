from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from lms.portfolio.forms import choices


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class JudgeForm(FlaskForm):
    """The overall decision; each criterion's verdict comes as `met-<id>` and `feedback-<id>`."""

    state_version = HiddenField()
    outcome = RadioField(
        "Outcome",
        choices=choices(
            [("signed_off", "Sign off the unit"), ("referred", "Refer back for more work")]
        ),
        validators=[InputRequired("Please choose an outcome.")],
    )
    feedback = TextAreaField("Overall feedback for the trainee")
    actions = TextAreaField(
        "What the trainee should do next",
        description="Needed when you refer the work back.",
    )


class ReviewForm(FlaskForm):
    state_version = HiddenField()
    agrees = RadioField(
        "Your view",
        choices=choices([("yes", "I agree and countersign"), ("no", "I do not agree")]),
        validators=[InputRequired("Please say whether you agree.")],
    )
    comments = TextAreaField(
        "Comments for the assessor", description="Needed when you do not agree: say why."
    )


class PlanForm(FlaskForm):
    percentage = IntegerField(
        "Percentage of each assessor's decisions to sample",
        validators=[InputRequired("Please give a percentage."), NumberRange(0, 100)],
    )
    first_decisions = IntegerField(
        "Sample all of an assessor's first … decisions",
        validators=[InputRequired("Please give a number."), NumberRange(0, 100)],
    )


class StandardisationForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Please give it a title.")])
    submission_id = SelectField("Evidence to judge (a submission)", coerce=int)
    assessors = CheckboxList("Assessors taking part", coerce=int)


class StandardisationJudgeForm(FlaskForm):
    outcome = RadioField(
        "Your outcome",
        choices=choices(
            [("signed_off", "Sign off the unit"), ("referred", "Refer back for more work")]
        ),
        validators=[InputRequired("Please choose an outcome.")],
    )
    comments = TextAreaField("Comments")


class CloseStandardisationForm(FlaskForm):
    outcome = TextAreaField(
        "What the comparison showed", validators=[DataRequired("Please record the outcome.")]
    )
    actions = TextAreaField("Actions agreed")


class EqaAccessForm(FlaskForm):
    email = EmailField(
        "External quality assurer's e-mail",
        validators=[DataRequired("Please give the EQA's e-mail address.")],
    )
    enrolments = CheckboxList("Learners whose records they may see", coerce=int)
    starts_on = DateField("From", validators=[InputRequired("Please give a start date.")])
    ends_on = DateField("Until", validators=[InputRequired("Please give an end date.")])


class EqaInviteForm(FlaskForm):
    """Shown beside the access form, so its fields are named `invite-...`."""

    display_name = StringField(
        "Their name",
        validators=[DataRequired("Please give their name."), Length(max=120)],
    )
    email = EmailField(
        "Their e-mail address",
        validators=[
            DataRequired("Please give their e-mail address."),
            Email("That e-mail address does not look right."),
        ],
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "invite")
        super().__init__(*args, **kwargs)
