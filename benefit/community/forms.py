"""Community forms: shape only."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, Regexp

from benefit.community.queries import MemberFilter
from benefit.forms_util import Form, choices
from benefit.i18n import current_locale
from benefit.models import EMAIL_FREQUENCIES, LIBRARY_TYPES, NOTIFICATION_KINDS, Tag


class DirectoryForm(Form):
    """A GET search form: no CSRF, read from the query string."""

    class Meta:
        csrf = False

    q = StringField(_l("Name"), validators=[Optional(), Length(max=80)])
    institution = StringField(_l("Institution"), validators=[Optional(), Length(max=120)])
    library_type = SelectField(
        _l("Library type"),
        choices=choices([("", _l("Any")), *LIBRARY_TYPES.items()]),
        validators=[Optional()],
    )
    country = StringField(
        _l("Country"),
        validators=[Optional(), Regexp(r"^[A-Za-z]{2}$", message=_l("Two letters, e.g. PL."))],
        description=_l("Two-letter code"),
    )
    role = StringField(_l("Role"), validators=[Optional(), Length(max=80)])
    platform = SelectField(_l("Platform"), validators=[Optional()])

    def set_platforms(self, tags: list[Tag]) -> None:
        self.platform.choices = [SelectChoice("", _l("Any")), *(_platform_choice(t) for t in tags)]

    def filters(self) -> MemberFilter | None:
        """What to narrow the directory by, or None if a filter is not valid (each says why)."""
        if not self.validate():
            return None
        # The filter's fields are named after the form's.
        return MemberFilter(**{f.name: self[f.name].data or "" for f in fields(MemberFilter)})


def _platform_choice(tag: Tag) -> SelectChoice:
    """A platform by its Polish name on a Polish page where it has one ("Newslettery e-mailowe");
    otherwise by its name, a proper name (Facebook, TikTok) that is nobody's language."""
    if current_locale() == "pl" and tag.name_pl:
        return SelectChoice(tag.slug, tag.name_pl)
    return SelectChoice(tag.slug, tag.name, render_kw={"translate": "no"})


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
