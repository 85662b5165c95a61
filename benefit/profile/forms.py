"""Profile forms: shape only."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Regexp

from benefit.auth.forms import LIBRARY_TYPE_CHOICES


class ProfileForm(FlaskForm):
    display_name = StringField("Full name", validators=[InputRequired(), Length(max=80)])
    institution = StringField("Institution", validators=[InputRequired(), Length(max=120)])
    library_type = SelectField("Library type", choices=LIBRARY_TYPE_CHOICES, validators=[InputRequired()])
    country = StringField(
        "Country",
        validators=[InputRequired(), Regexp(r"^[A-Za-z]{2}$", message="Two letters, e.g. PL.")],
        description="Two-letter code, e.g. PL, US, GB.",
    )
    job_role = StringField("Role", validators=[InputRequired(), Length(max=80)])
    platforms = StringField(
        "Platforms your library is on",
        validators=[Length(max=500)],
        description="Comma-separated, e.g. facebook, instagram, tiktok.",
    )
    bio = TextAreaField("About you", validators=[Length(max=2000)])
