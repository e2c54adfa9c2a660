from flask_wtf import FlaskForm
from wtforms import BooleanField

from lms.i18n import _l


class PrivacySettingsForm(FlaskForm):
    neutral_page_titles = BooleanField(_l("Neutral page titles for trainees"))
