"""How she hears of news, and the buttons of her list."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.validators import InputRequired

from lms.i18n import _l
from lms.notifications.models import Delivery
from lms.portfolio.forms import choices

DELIVERY_CHOICES = [
    (Delivery.NOW.value, _l("An e-mail each time, straight away")),
    (Delivery.DAILY.value, _l("One e-mail a day, listing what is new")),
    (Delivery.WEEKLY.value, _l("One e-mail a week, listing what is new")),
    (Delivery.IN_APP.value, _l("No e-mails: I will look here when I sign in")),
]


class DeliveryForm(FlaskForm):
    delivery = RadioField(
        _l("How should we tell you when there is something new?"),
        choices=choices(DELIVERY_CHOICES),
        validators=[InputRequired(message=_l("Please choose one."))],
        description=_l("Our e-mails never say what they are about: they only ask you to sign in."),
    )


class ButtonForm(FlaskForm):
    """Only the CSRF token, for buttons that post."""
