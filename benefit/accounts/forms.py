"""Account forms: registration, login, reset, security and profile settings (shape only).

Text fields are trimmed by the base Form before they are checked, so they use DataRequired (a field
of only spaces is empty); passwords are taken as typed and keep InputRequired."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, Regexp

from benefit.forms_util import Form, choices
from benefit.models import LIBRARY_TYPES

USERNAME_RE = r"^[a-zA-Z0-9_]{3,30}$"
LIBRARY_TYPE_CHOICES = choices([("", "Choose…"), *LIBRARY_TYPES.items()])


class RegisterForm(Form):
    username = StringField(
        "Username",
        validators=[
            DataRequired(),
            Regexp(USERNAME_RE, message="3 to 30 letters, digits or underscores."),
        ],
        description="How colleagues @mention you: letters, digits and underscores.",
    )
    email = EmailField(
        "Email",
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
        description="Never shown to other members.",
    )
    password = PasswordField(
        "Password",
        validators=[InputRequired(), Length(min=10, max=200, message="At least 10 characters.")],
        description="At least 10 characters.",
    )
    display_name = StringField("Full name", validators=[DataRequired(), Length(max=80)])
    institution = StringField("Institution", validators=[DataRequired(), Length(max=120)])
    library_type = SelectField(
        "Library type",
        choices=LIBRARY_TYPE_CHOICES,
        validators=[InputRequired(message="Choose a library type.")],
    )
    country = StringField(
        "Country",
        validators=[
            DataRequired(),
            Regexp(r"^[A-Za-z]{2}$", message="Two letters, e.g. PL, US, GB."),
        ],
        description="Two-letter code, e.g. PL, US, GB.",
    )
    job_role = StringField(
        "Role", validators=[DataRequired(), Length(max=80)],
        description="e.g. Teacher-librarian, Social media coordinator.",
    )  # fmt: skip


class LoginForm(Form):
    login = StringField("Username or email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[InputRequired(), Length(max=200)])
    remember = BooleanField("Keep me logged in on this device")


class RequestResetForm(Form):
    email = EmailField(
        "Email", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )


class ResetPasswordForm(Form):
    password = PasswordField(
        "New password",
        validators=[InputRequired(), Length(min=10, max=200, message="At least 10 characters.")],
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[InputRequired(), EqualTo("password", message="The passwords differ.")],
    )


class ChangePasswordForm(Form):
    current_password = PasswordField("Current password", validators=[InputRequired(), Length(max=200)])
    new_password = PasswordField(
        "New password",
        validators=[InputRequired(), Length(min=10, max=200, message="At least 10 characters.")],
        description="At least 10 characters. Changing it logs you out everywhere else.",
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[InputRequired(), EqualTo("new_password", message="The passwords differ.")],
    )


class ConfirmForm(Form):
    """A POST button: only the CSRF token."""


class DeleteAccountForm(Form):
    password = PasswordField(
        "Your password",
        validators=[InputRequired(), Length(max=200)],
        description="To be sure it is you.",
    )
    remove_posts = BooleanField(
        "Also remove my posts and replies",
        description="Otherwise they stay, shown as written by “Former member”.",
    )


class ProfileForm(Form):
    display_name = StringField("Full name", validators=[DataRequired(), Length(max=80)])
    institution = StringField("Institution", validators=[DataRequired(), Length(max=120)])
    library_type = SelectField("Library type", choices=LIBRARY_TYPE_CHOICES, validators=[InputRequired()])
    country = StringField(
        "Country",
        validators=[DataRequired(), Regexp(r"^[A-Za-z]{2}$", message="Two letters, e.g. PL.")],
        description="Two-letter code, e.g. PL, US, GB.",
    )
    job_role = StringField("Role", validators=[DataRequired(), Length(max=80)])
    platforms = StringField(
        "Platforms your library is on",
        validators=[Length(max=500)],
        description="Comma-separated, e.g. facebook, instagram, tiktok.",
    )
    bio = TextAreaField("About you", validators=[Length(max=2000)])
