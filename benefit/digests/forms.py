"""Digest forms: shape only."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField
from wtforms.validators import Email, InputRequired, Length

from benefit.forms_util import choices
from benefit.i18n import LANGUAGES, current_locale

FREQUENCY_CHOICES = choices(
    [("weekly", _l("Weekly, on Monday: the week's best")), ("daily", _l("Daily: yesterday's best"))]
)
# Each language named in itself, as the switcher names it.
LOCALE_CHOICES = choices(LANGUAGES.items())


def _strip(value: str | None) -> str | None:
    return value.strip() if value else value


def _locale_field() -> RadioField:
    """The digest's language; the page's language unless the subscriber chooses the other one.

    Always answered: a form sent without it (an older page, a script) gets the page's language;
    a value that is not one of the languages is refused beside the field.
    """
    return RadioField(_l("Language of the digest"), choices=LOCALE_CHOICES, default=current_locale)


class SubscribeForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[InputRequired(), Email(check_deliverability=False), Length(max=254)],
        filters=[_strip],
        description=_l("We send a confirmation link first; nothing else arrives until you follow it."),
    )
    frequency = RadioField(
        _l("How often"), choices=FREQUENCY_CHOICES, default="weekly", validators=[InputRequired()]
    )
    locale = _locale_field()


class MemberDigestForm(FlaskForm):
    frequency = RadioField(
        _l("How often"), choices=FREQUENCY_CHOICES, default="weekly", validators=[InputRequired()]
    )
    only_followed_tags = BooleanField(
        _l("Only posts tagged with the platforms and trends I follow"),
        description=_l("Leave it off to get the best of the whole forum."),
    )
    # Shown only to members without a language of their own (their account's setting wins).
    locale = _locale_field()


class FrequencyForm(FlaskForm):
    frequency = RadioField(_l("How often"), choices=FREQUENCY_CHOICES, validators=[InputRequired()])


class ConfirmForm(FlaskForm):
    """Only the CSRF token: confirming takes a button press, so a link scanner confirms nothing."""
