from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from lms.i18n import LANGUAGES, _l, time_zone_choices


class LanguageForm(FlaskForm):
    language = SelectField(
        _l("Language"),
        choices=[SelectChoice(lang.code, lang.name) for lang in LANGUAGES],
        validators=[InputRequired(_l("Please choose a language."))],
    )
    next = HiddenField()


class TimeZoneForm(FlaskForm):
    time_zone = SelectField(
        _l("Time zone"),
        description=_l("Dates and times are shown to your organisation's people in this zone."),
        validators=[InputRequired(_l("Please choose a time zone."))],
        validate_choice=False,  # checked by the domain against every IANA name
    )

    def __init__(self, *args, current: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone.choices = [SelectChoice(*pair) for pair in time_zone_choices(current)]
