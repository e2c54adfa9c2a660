from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lms.accreditation.operations import REASON_MIN_LENGTH
from lms.i18n import _l


class EmptyForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class CodeForm(FlaskForm):
    class Meta:
        csrf = False  # a look-up by GET that changes nothing

    code = StringField(
        _l("Verification code"),
        description=_l(
            "The 12 letters and numbers printed on the certificate, e.g. ABCD-2345-EFGH."
        ),
        validators=[DataRequired(_l("Please type the code from the certificate."))],
    )


class CredentialForm(FlaskForm):
    credential = TextAreaField(
        _l("Paste the credential"),
        description=_l("The text of the credential file (it starts with “ey” or with “{”)."),
        validators=[Optional(), Length(max=512 * 1024)],
    )
    upload = FileField(_l("Or choose the credential file"), description=_l("A .jwt or .json file."))


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for revoking"),
        description=(
            _l(
                "Kept for the record and the awarding body. It is never shown on the public "
                "verification page."
            )
        ),
        validators=[
            DataRequired(_l("Please give the reason for revoking.")),
            Length(
                min=REASON_MIN_LENGTH,
                max=2000,
                message=_l("Please explain the reason in a sentence or two."),
            ),
        ],
    )


class ClaimForm(FlaskForm):
    period_start = DateField(
        _l("First day of the period"), validators=[DataRequired(_l("Please give the first day."))]
    )
    period_end = DateField(
        _l("Last day of the period"), validators=[DataRequired(_l("Please give the last day."))]
    )
