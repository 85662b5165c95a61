"""Account forms: shape only; the password check lives in the services."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import EqualTo, InputRequired, Length


class ChangePasswordForm(FlaskForm):
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


class ConfirmForm(FlaskForm):
    """A POST button: only the CSRF token."""


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        "Your password",
        validators=[InputRequired(), Length(max=200)],
        description="To be sure it is you.",
    )
    remove_posts = BooleanField(
        "Also remove my posts and replies",
        description="Otherwise they stay, shown as written by “Former member”.",
    )
