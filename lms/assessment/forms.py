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

from lms.i18n import _l
from lms.portfolio.forms import choices


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class JudgeForm(FlaskForm):
    """The overall decision; each criterion's verdict comes as `met-<id>` and `feedback-<id>`."""

    state_version = HiddenField()
    outcome = RadioField(
        _l("Outcome"),
        choices=choices(
            [("signed_off", _l("Sign off the unit")), ("referred", _l("Refer back for more work"))]
        ),
        validators=[InputRequired(_l("Please choose an outcome."))],
    )
    feedback = TextAreaField(_l("Overall feedback for the trainee"))
    actions = TextAreaField(
        _l("What the trainee should do next"),
        description=_l("Needed when you refer the work back."),
    )


class ReviewForm(FlaskForm):
    state_version = HiddenField()
    agrees = RadioField(
        _l("Your view"),
        choices=choices([("yes", _l("I agree and countersign")), ("no", _l("I do not agree"))]),
        validators=[InputRequired(_l("Please say whether you agree."))],
    )
    comments = TextAreaField(
        _l("Comments for the assessor"), description=_l("Needed when you do not agree: say why.")
    )


class PlanForm(FlaskForm):
    percentage = IntegerField(
        _l("Percentage of each assessor's decisions to sample"),
        validators=[InputRequired(_l("Please give a percentage.")), NumberRange(0, 100)],
    )
    first_decisions = IntegerField(
        _l("Sample all of an assessor's first … decisions"),
        validators=[InputRequired(_l("Please give a number.")), NumberRange(0, 100)],
    )


class StandardisationForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Please give it a title."))])
    submission_id = SelectField(_l("Evidence to judge (a submission)"), coerce=int)
    assessors = CheckboxList(_l("Assessors taking part"), coerce=int)


class StandardisationJudgeForm(FlaskForm):
    outcome = RadioField(
        _l("Your outcome"),
        choices=choices(
            [("signed_off", _l("Sign off the unit")), ("referred", _l("Refer back for more work"))]
        ),
        validators=[InputRequired(_l("Please choose an outcome."))],
    )
    comments = TextAreaField(_l("Comments"))


class CloseStandardisationForm(FlaskForm):
    outcome = TextAreaField(
        _l("What the comparison showed"),
        validators=[DataRequired(_l("Please record the outcome."))],
    )
    actions = TextAreaField(_l("Actions agreed"))


class EqaAccessForm(FlaskForm):
    email = EmailField(
        _l("External quality assurer's e-mail"),
        validators=[DataRequired(_l("Please give the EQA's e-mail address."))],
    )
    enrolments = CheckboxList(_l("Learners whose records they may see"), coerce=int)
    starts_on = DateField(_l("From"), validators=[InputRequired(_l("Please give a start date."))])
    ends_on = DateField(_l("Until"), validators=[InputRequired(_l("Please give an end date."))])


class EqaInviteForm(FlaskForm):
    """Shown beside the access form, so its fields are named `invite-...`."""

    display_name = StringField(
        _l("Their name"),
        validators=[DataRequired(_l("Please give their name.")), Length(max=120)],
    )
    email = EmailField(
        _l("Their e-mail address"),
        validators=[
            DataRequired(_l("Please give their e-mail address.")),
            Email(_l("That e-mail address does not look right.")),
        ],
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "invite")
        super().__init__(*args, **kwargs)
