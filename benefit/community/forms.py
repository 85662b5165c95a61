"""Community forms: shape only."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from benefit.community.queries import MemberFilter
from benefit.forms_util import Form, choices
from benefit.models import EMAIL_FREQUENCIES, LIBRARY_TYPES, NOTIFICATION_KINDS, Tag


class DirectoryForm(Form):
    """A GET search form: no CSRF, read from the query string."""

    class Meta:
        csrf = False

    q = StringField("Name", validators=[Optional(), Length(max=80)])
    institution = StringField("Institution", validators=[Optional(), Length(max=120)])
    library_type = SelectField(
        "Library type", choices=choices([("", "Any"), *LIBRARY_TYPES.items()]), validators=[Optional()]
    )
    country = StringField(
        "Country",
        validators=[Optional(), Regexp(r"^[A-Za-z]{2}$", message="Two letters, e.g. PL.")],
        description="Two-letter code",
    )
    role = StringField("Role", validators=[Optional(), Length(max=80)])
    platform = SelectField("Platform", validators=[Optional()])

    def set_platforms(self, tags: list[Tag]) -> None:
        self.platform.choices = choices([("", "Any"), *((t.slug, t.name) for t in tags)])

    def filters(self) -> MemberFilter | None:
        """What to narrow the directory by, or None if a filter is not valid (each says why)."""
        if not self.validate():
            return None
        # The filter's fields are named after the form's.
        return MemberFilter(**{f.name: self[f.name].data or "" for f in fields(MemberFilter)})


class NotificationSettingsForm(Form):
    """One select per kind of notification (fields named after NOTIFICATION_KINDS)."""

    def frequencies(self) -> dict[str, str]:
        return {kind: self[kind].data for kind in NOTIFICATION_KINDS}


for _kind, _label in NOTIFICATION_KINDS.items():
    setattr(
        NotificationSettingsForm,
        _kind,
        SelectField(_label, choices=choices(EMAIL_FREQUENCIES.items()), validators=[InputRequired()]),
    )


def frequency_fields(form: NotificationSettingsForm) -> list[Any]:
    return [form[kind] for kind in NOTIFICATION_KINDS]
