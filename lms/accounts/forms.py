from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from lms.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from lms.accounts.roles import ROLE_LABELS, Role
from lms.i18n import _l


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email"), validators=[DataRequired(_l("Please enter your email address."))]
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Please enter your password."))]
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("Email"), validators=[DataRequired(_l("Please enter your email address."))]
    )


_new_password = [
    DataRequired(_l("Please choose a password.")),
    Length(
        min=MIN_LENGTH,
        max=MAX_LENGTH,
        # WTForms fills in %(min)d.
        message=_l("Choose a password of at least %(min)d characters."),
    ),
]
_confirm = [
    DataRequired(_l("Please type the password again.")),
    EqualTo("password", _l("The two passwords are not the same.")),
]


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=_new_password)
    confirm = PasswordField(_l("New password again"), validators=_confirm)


class JoinForm(ResetPasswordForm):
    """Accepting an invitation with no account yet: her name and a password."""

    display_name = StringField(
        _l("Your name"),
        description=_l("As you would like it shown to your coordinator and assessors."),
        validators=[DataRequired(_l("Please give your name.")), Length(max=120)],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Please enter your current password."))]
    )
    password = PasswordField(_l("New password"), validators=_new_password)
    confirm = PasswordField(_l("New password again"), validators=_confirm)


def role_choices(roles=Role):
    return [(role.value, ROLE_LABELS[role]) for role in roles]


class MemberForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(_l("Please enter an email address.")),
            Email(_l("That email address does not look right.")),
        ],
    )
    display_name = StringField(
        _l("Name"),
        description=_l(
            "Needed when they are not one of your people yet: we use it in the invitation."
        ),
        validators=[Optional(), Length(max=120)],
    )
    roles = SelectMultipleField(
        _l("Roles"), validators=[DataRequired(_l("Choose at least one role."))]
    )


class OrganisationForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Please give a name.")), Length(max=200)]
    )
    slug = StringField(
        _l("Short name"),
        description=_l("Lowercase letters, digits and hyphens; used in addresses."),
        validators=[DataRequired(_l("Please give a short name.")), Length(max=60)],
    )
    neutral_page_titles = BooleanField(
        _l(
            "Neutral page titles for trainees (recommended for organisations that support "
            "survivors)"
        ),
        default=True,
    )


class EmptyForm(FlaskForm):
    """A form with nothing but the CSRF token, for buttons that change something."""


class SecondStepForm(FlaskForm):
    code = StringField(
        _l("Code"),
        description=_l("The 6-digit code your app shows now, or one of your recovery codes."),
        validators=[DataRequired(_l("Please type the code.")), Length(max=40)],
    )


class ConfirmSecondStepForm(FlaskForm):
    code = StringField(
        _l("Code from your app"),
        validators=[DataRequired(_l("Please type the code your app shows.")), Length(max=20)],
    )


class TurnOffSecondStepForm(FlaskForm):
    password = PasswordField(
        _l("Your password"), validators=[DataRequired(_l("Please enter your password."))]
    )
