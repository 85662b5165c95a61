"""Digest forms: shape only."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField
from wtforms.validators import Email, InputRequired, Length

from benefit.forms_util import choices

FREQUENCY_CHOICES = choices(
    [("weekly", "Weekly, on Monday: the week's best"), ("daily", "Daily: yesterday's best")]
)


def _strip(value: str | None) -> str | None:
    return value.strip() if value else value


class SubscribeForm(FlaskForm):
    email = EmailField(
        "Email address",
        validators=[InputRequired(), Email(check_deliverability=False), Length(max=254)],
        filters=[_strip],
        description="We send a confirmation link first; nothing else arrives until you follow it.",
    )
    frequency = RadioField(
        "How often", choices=FREQUENCY_CHOICES, default="weekly", validators=[InputRequired()]
    )


class MemberDigestForm(FlaskForm):
    frequency = RadioField(
        "How often", choices=FREQUENCY_CHOICES, default="weekly", validators=[InputRequired()]
    )
    only_followed_tags = BooleanField(
        "Only posts tagged with the platforms and trends I follow",
        description="Leave it off to get the best of the whole forum.",
    )


class FrequencyForm(FlaskForm):
    frequency = RadioField("How often", choices=FREQUENCY_CHOICES, validators=[InputRequired()])


class ConfirmForm(FlaskForm):
    """Only the CSRF token: confirming takes a button press, so a link scanner confirms nothing."""
