"""Account forms: registration, login, reset, security and profile settings (shape only).

Text fields are trimmed by the base Form before they are checked, so they use DataRequired (a field
of only spaces is empty); passwords are taken as typed and keep InputRequired."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, Regexp

from benefit.forms_util import Form, choices
from benefit.i18n import LANGUAGES
from benefit.models import LIBRARY_TYPES

USERNAME_RE = r"^[a-zA-Z0-9_]{3,30}$"
LIBRARY_TYPE_CHOICES = choices([("", _l("Choose…")), *LIBRARY_TYPES.items()])
# email-validator explains a bad address in English; this is said in the reader's language.
EMAIL = Email(check_deliverability=False, message=_l("Enter an email address such as name@library.pl."))


class RegisterForm(Form):
    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(),
            Regexp(USERNAME_RE, message=_l("3 to 30 letters, digits or underscores.")),
        ],
        description=_l("How colleagues @mention you: letters, digits and underscores."),
    )
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), EMAIL, Length(max=254)],
        description=_l("Never shown to other members."),
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(), Length(min=10, max=200, message=_l("At least 10 characters."))],
        description=_l("At least 10 characters."),
    )
    display_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=80)])
    institution = StringField(_l("Institution"), validators=[DataRequired(), Length(max=120)])
    library_type = SelectField(
        _l("Library type"),
        choices=LIBRARY_TYPE_CHOICES,
        validators=[InputRequired(message=_l("Choose a library type."))],
    )
    country = StringField(
        _l("Country"),
        validators=[
            DataRequired(),
            Regexp(r"^[A-Za-z]{2}$", message=_l("Two letters, e.g. PL, US, GB.")),
        ],
        description=_l("Two-letter code, e.g. PL, US, GB."),
    )
    job_role = StringField(
        _l("Role"), validators=[DataRequired(), Length(max=80)],
        description=_l("e.g. Teacher-librarian, Social media coordinator."),
    )  # fmt: skip


class LoginForm(Form):
    login = StringField(_l("Username or email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in on this device"))


class RequestResetForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), EMAIL, Length(max=254)])


class ResetPasswordForm(Form):
    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(), Length(min=10, max=200, message=_l("At least 10 characters."))],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[InputRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[InputRequired(), Length(max=200)])
    new_password = PasswordField(
        _l("New password"),
        validators=[InputRequired(), Length(min=10, max=200, message=_l("At least 10 characters."))],
        description=_l("At least 10 characters. Changing it logs you out everywhere else."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[InputRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )


class ConfirmForm(Form):
    """A POST button: only the CSRF token."""


class DeleteAccountForm(Form):
    password = PasswordField(
        _l("Your password"),
        validators=[InputRequired(), Length(max=200)],
        description=_l("To be sure it is you."),
    )
    remove_posts = BooleanField(
        _l("Also remove my posts and replies"),
        description=_l("Otherwise they stay, shown as written by “Former member”."),
    )


class ProfileForm(Form):
    display_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=80)])
    institution = StringField(_l("Institution"), validators=[DataRequired(), Length(max=120)])
    library_type = SelectField(_l("Library type"), choices=LIBRARY_TYPE_CHOICES, validators=[InputRequired()])
    country = StringField(
        _l("Country"),
        validators=[DataRequired(), Regexp(r"^[A-Za-z]{2}$", message=_l("Two letters, e.g. PL."))],
        description=_l("Two-letter code, e.g. PL, US, GB."),
    )
    job_role = StringField(_l("Role"), validators=[DataRequired(), Length(max=80)])
    platforms = StringField(
        _l("Platforms your library is on"),
        validators=[Length(max=500)],
        description=_l("Comma-separated, e.g. facebook, instagram, tiktok."),
    )
    bio = TextAreaField(_l("About you"), validators=[Length(max=2000)])
    # Each language named in itself, and marked as such (WCAG 3.1.2): "English" on a Polish page.
    # Checked by the action (an unknown code is refused beside the field; none keeps the setting).
    locale = SelectField(
        _l("Interface and mail language"),
        choices=[SelectChoice(code, name, render_kw={"lang": code}) for code, name in LANGUAGES.items()],
        validate_choice=False,
    )
