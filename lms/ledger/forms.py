"""The erasure form: the rule it follows, and that the administrator understands."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from lms.ledger.erasure import ErasureRule


class ErasureForm(FlaskForm):
    rule = RadioField(
        "Why her personal data is being erased",
        choices=[SelectChoice(rule.value, rule.label) for rule in ErasureRule],
        validators=[DataRequired("Please choose the rule this erasure follows.")],
    )
    confirm = BooleanField(
        "I understand that this cannot be undone",
        validators=[DataRequired("Please confirm that you understand this cannot be undone.")],
    )
