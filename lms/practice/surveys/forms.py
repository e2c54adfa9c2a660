"""Forms for surveys. A survey's questions come from its file, so the answers are read from
the posted form by `lms.practice.surveys.scoring` and these forms carry the CSRF token and the
few fixed fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length, Optional

from lms.i18n import _l
from lms.practice.surveys.operations import MAX_LABEL


class AnswersForm(FlaskForm):
    """The CSRF token of a survey page; the answers are the question fields beside it."""


class LinkForm(FlaskForm):
    label = StringField(
        _l("A name for this link (optional)"),
        description=_l(
            "Only you see it. Use a first name you choose or a word, never the mentee's full name."
        ),
        validators=[Optional(), Length(max=MAX_LABEL)],
    )
