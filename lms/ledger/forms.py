"""The erasure form: the rule it follows, and that the administrator understands."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from lms.i18n import _l
from lms.ledger.erasure import ErasureRule


class ErasureForm(FlaskForm):
    rule = RadioField(
        _l("Why her personal data is being erased"),
        choices=[SelectChoice(rule.value, rule.label) for rule in ErasureRule],
        validators=[DataRequired(_l("Please choose the rule this erasure follows."))],
    )
    confirm = BooleanField(
        _l("I understand that this cannot be undone"),
        validators=[DataRequired(_l("Please confirm that you understand this cannot be undone."))],
    )
