from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.i18n import _l
from lms.practice.models import (
    LABELS,
    ClosureKind,
    FlagKind,
    ServiceKind,
    SessionMode,
    SupportKind,
)


def options(members, blank: str | None = None) -> list[SelectChoice]:
    choices = [SelectChoice("", blank)] if blank is not None else []
    return choices + [SelectChoice(m.value, LABELS[m]) for m in members]


class RelationshipForm(FlaskForm):
    pseudonym = StringField(
        _l("A name to know her by"),
        description=_l(
            "Make one up, such as \u201cBluebird\u201d, \u201cM.\u201d or \u201cClient "
            "A\u201d. Never her real name, her address, her phone number, her date of birth or "
            "her e-mail: nothing that could lead anyone to her."
        ),
        validators=[Length(max=60)],
    )
    started_on = DateField(
        _l("Started on"), validators=[DataRequired(_l("Please give the start date."))]
    )
    goals = TextAreaField(
        _l("Her goals, in her own words"),
        description=_l(
            "The mentee steers: write what she wants from the mentoring, as she says it."
        ),
        validators=[Optional(), Length(max=2000)],
    )


class SessionForm(FlaskForm):
    held_on = DateField(_l("Date"), validators=[DataRequired(_l("Please give the date."))])
    minutes = IntegerField(
        _l("How long, in minutes"),
        validators=[
            InputRequired(_l("Please give how long the session was.")),
            NumberRange(min=1, max=480, message=_l("Please give a number of minutes up to 480.")),
        ],
    )
    mode = SelectField(_l("Where"), choices=options(SessionMode))
    support = SelectField(_l("Kind of support"), choices=options(SupportKind))
    service = SelectField(
        _l("For a bridge to a service: what kind of service"),
        description=_l("Only the kind of service, never a named worker."),
        choices=options(ServiceKind, blank=_l("Not a bridge session")),
        validators=[Optional()],
    )
    note = TextAreaField(
        _l("A short note"),
        description=_l("What you did together. Leave out anything that could identify her."),
        validators=[Optional(), Length(max=2000)],
    )


class CloseForm(FlaskForm):
    closed_on = DateField(_l("Ended on"), validators=[DataRequired(_l("Please give the date."))])
    kind = SelectField(_l("How it ended"), choices=options(ClosureKind))
    achieved = TextAreaField(_l("What was achieved"), validators=[Optional(), Length(max=2000)])
    learned = TextAreaField(
        _l("What you learned as a mentor"), validators=[Optional(), Length(max=2000)]
    )


class SupervisorForm(FlaskForm):
    supervisor = SelectField(_l("Supervisor"), coerce=int, validate_choice=False)


class FlagForm(FlaskForm):
    kind = SelectField(_l("What the flag is about"), choices=options(FlagKind))
    note = TextAreaField(
        _l("Note for the people who support her"),
        description=_l("She sees the kind of flag, explained kindly, not this note."),
        validators=[Optional(), Length(max=2000)],
    )
    follow_up_on = DateField(
        _l("Follow up by"), validators=[DataRequired(_l("Please give a follow-up date."))]
    )
    pauses_practice = BooleanField(
        _l("Pause her practice (no new sessions) until it is followed up")
    )


class FollowUpForm(FlaskForm):
    outcome = TextAreaField(
        _l("Outcome of the follow-up"), validators=[Optional(), Length(max=2000)]
    )


class SupervisionForm(FlaskForm):
    attendees = SelectMultipleField(_l("Who attended"), coerce=int, validate_choice=False)
    held_on = DateField(_l("Date"), validators=[DataRequired(_l("Please give the date."))])
    topics = TextAreaField(_l("Topics"), validators=[Optional(), Length(max=2000)])
    action_1 = StringField(_l("Agreed action"), validators=[Optional(), Length(max=500)])
    due_1 = DateField(_l("Due by"), validators=[Optional()])
    action_2 = StringField(_l("Another agreed action"), validators=[Optional(), Length(max=500)])
    due_2 = DateField(_l("Due by"), validators=[Optional()])
    action_3 = StringField(_l("Another agreed action"), validators=[Optional(), Length(max=500)])
    due_3 = DateField(_l("Due by"), validators=[Optional()])

    def actions(self):
        pairs = (
            (self.action_1, self.due_1),
            (self.action_2, self.due_2),
            (self.action_3, self.due_3),
        )
        return [(text.data, due.data) for text, due in pairs if (text.data or "").strip()]


class JournalForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    answers = FieldList(TextAreaField(validators=[Optional(), Length(max=10_000)]), min_entries=1)


class EvidenceForm(FlaskForm):
    criteria = SelectMultipleField(
        _l("Assessment criteria this reflection covers"), coerce=int, validate_choice=False
    )
