from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from lms.i18n import _l
from lms.portfolio.models import ASSESSOR_RECORDED_TYPES, EVIDENCE_TYPE_LABELS, EvidenceType

try:  # WTForms 3.3 names its choices; older versions take (value, label) pairs.
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - depends on the installed WTForms
    SelectChoice = None


def choices(pairs) -> list:
    """Choices for a select or checkbox field, in the form the installed WTForms prefers."""
    if SelectChoice is None:
        return list(pairs)
    return [SelectChoice(value, label) for value, label in pairs]


ACCEPT = (
    ".pdf,.docx,.xlsx,.pptx,.odt,.ods,.odp,.txt,.md,.jpg,.jpeg,.png,.gif,.webp,.heic,.heif,"
    ".mp3,.mp4,.m4a,.m4v,.mov,.wav,.ogg,.oga,.ogv,.opus,.webm"
)


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EvidenceForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(_l("Please give the evidence a title.")), Length(max=200)],
        description=_l("A few words you will recognise later, such as “Reflection on week 3”."),
    )
    evidence_type = SelectField(
        _l("Kind of evidence"),
        choices=choices((t.value, EVIDENCE_TYPE_LABELS[t]) for t in EvidenceType),
    )
    description = TextAreaField(
        _l("Description"),
        description=_l(
            "What this shows. Please leave out names and details of anyone you support."
        ),
    )
    criteria = CheckboxList(_l("Assessment criteria this evidence covers"), coerce=int)
    file = FileField(
        _l("File (optional)"),
        description=_l(
            "PDF, Word, OpenDocument, text, a photo, or an audio or video recording. "
            "Photos are saved without their location or other hidden details, phone videos "
            "without the place they were recorded, and documents without the author's name."
        ),
        render_kw={"accept": ACCEPT},
    )


class RecordedEvidenceForm(EvidenceForm):
    evidence_type = SelectField(
        _l("Kind of record"),
        choices=choices((t.value, EVIDENCE_TYPE_LABELS[t]) for t in ASSESSOR_RECORDED_TYPES),
    )


class FileForm(FlaskForm):
    file = FileField(
        _l("Add a file"),
        description=_l(
            "Photos are saved without their location or other hidden details, "
            "phone videos without the place they were recorded, and documents without the "
            "author's name."
        ),
        render_kw={"accept": ACCEPT},
    )


class SubmitForm(FlaskForm):
    declaration = BooleanField(_l("I confirm this"))
    # Offered when the unit was referred: her answer to the assessor's feedback.
    changes = TextAreaField(
        _l("What I changed (optional)"),
        validators=[Length(max=5000)],
        description=_l(
            "A few words for your assessor about what you changed or added since the feedback."
        ),
    )
    # Sent by the "Submit anyway" button of the warning about criteria without evidence.
    anyway = HiddenField()


class ButtonForm(FlaskForm):
    """Only the CSRF token, for buttons that post."""


class WitnessForm(FlaskForm):
    name = StringField(
        _l("Witness's name"),
        validators=[DataRequired(_l("Please give the witness's name.")), Length(max=120)],
    )
    role = StringField(
        _l("Who they are to the trainee"),
        validators=[DataRequired(_l("Please say who the witness is.")), Length(max=120)],
        description=_l("For example “placement supervisor” or “volunteer coordinator”."),
    )
    email = StringField(
        _l("Witness's e-mail address"),
        validators=[DataRequired(_l("Please give the witness's e-mail address.")), Length(max=254)],
        description=_l(
            "We send one e-mail with a link to read and confirm the statement. "
            "It works once, for 14 days."
        ),
        render_kw={"type": "email", "autocomplete": "off"},
    )


class WitnessAnswerForm(FlaskForm):
    answer = RadioField(
        _l("Is this statement right?"),
        choices=choices(
            (("yes", _l("Yes, this is right")), ("no", _l("No, something is not right")))
        ),
        validators=[DataRequired(_l("Please choose an answer."))],
    )
    note = TextAreaField(
        _l("If something is not right, what? (a few words are enough)"),
        validators=[Length(max=2000)],
    )
