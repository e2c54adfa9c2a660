from flask_wtf import FlaskForm
from wtforms import BooleanField


class PrivacySettingsForm(FlaskForm):
    neutral_page_titles = BooleanField("Neutral page titles for trainees")
