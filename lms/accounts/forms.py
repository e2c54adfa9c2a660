from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from lms.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from lms.accounts.roles import ROLE_LABELS, Role


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Please enter your email address.")])
    password = PasswordField("Password", validators=[DataRequired("Please enter your password.")])
    remember = BooleanField("Keep me signed in on this device")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Please enter your email address.")])


_new_password = [
    DataRequired("Please choose a password."),
    Length(
        min=MIN_LENGTH,
        max=MAX_LENGTH,
        message=f"Choose a password of at least {MIN_LENGTH} characters.",
    ),
]
_confirm = [
    DataRequired("Please type the password again."),
    EqualTo("password", "The two passwords are not the same."),
]


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=_new_password)
    confirm = PasswordField("New password again", validators=_confirm)


class JoinForm(ResetPasswordForm):
    """Accepting an invitation with no account yet: her name and a password."""

    display_name = StringField(
        "Your name",
        description="As you would like it shown to your coordinator and assessors.",
        validators=[DataRequired("Please give your name."), Length(max=120)],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Please enter your current password.")]
    )
    password = PasswordField("New password", validators=_new_password)
    confirm = PasswordField("New password again", validators=_confirm)


def role_choices(roles=Role):
    return [(role.value, ROLE_LABELS[role]) for role in roles]


class MemberForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[
            DataRequired("Please enter an email address."),
            Email("That email address does not look right."),
        ],
    )
    display_name = StringField(
        "Name",
        description="Needed when they are not one of your people yet: we use it in the invitation.",
        validators=[Optional(), Length(max=120)],
    )
    roles = SelectMultipleField("Roles", validators=[DataRequired("Choose at least one role.")])


class OrganisationForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Please give a name."), Length(max=200)])
    slug = StringField(
        "Short name",
        description="Lowercase letters, digits and hyphens; used in addresses.",
        validators=[DataRequired("Please give a short name."), Length(max=60)],
    )
    neutral_page_titles = BooleanField(
        "Neutral page titles for trainees (recommended for organisations that support survivors)",
        default=True,
    )


class EmptyForm(FlaskForm):
    """A form with nothing but the CSRF token, for buttons that change something."""


class SecondStepForm(FlaskForm):
    code = StringField(
        "Code",
        description="The 6-digit code your app shows now, or one of your recovery codes.",
        validators=[DataRequired("Please type the code."), Length(max=40)],
    )


class ConfirmSecondStepForm(FlaskForm):
    code = StringField(
        "Code from your app",
        validators=[DataRequired("Please type the code your app shows."), Length(max=20)],
    )


class TurnOffSecondStepForm(FlaskForm):
    password = PasswordField(
        "Your password", validators=[DataRequired("Please enter your password.")]
    )
