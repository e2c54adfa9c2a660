from flask_wtf import FlaskForm
from wtforms import HiddenField


class ProgressForm(FlaskForm):
    """ "Mark as complete" (complete=1), "Mark as not complete" (complete=0), or going on past
    a content note (no field needed)."""

    complete = HiddenField(default="1")
