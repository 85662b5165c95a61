"""Posting forms: shape only."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from benefit.forms_util import Form, choices
from benefit.i18n import current_locale
from benefit.models import KINDS, LIBRARY_TYPES, MISTAKE_CATEGORIES
from benefit.models.forum import POST_LANGUAGES

BODY_MAX = 50_000


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def parse_topic_refs(raw: str) -> list[int]:
    """Topic numbers or links (…/t/12/…) one per line or comma-separated."""
    ids: list[int] = []
    for part in re.split(r"[\s,]+", raw.strip()):
        if not part:
            continue
        match = re.search(r"/t/(\d+)", part) or re.fullmatch(r"#?(\d+)", part)
        if match is None:
            raise ValueError(part)
        ids.append(int(match.group(1)))
    return ids


def language_field() -> SelectField:
    """ "Language of this post": Polski / English, each named in itself and marked so (`lang`).
    It starts as the author's interface language; a form sent without it (an older page) keeps that.
    A value not in the list is refused beside the field (WTForms' "Not a valid choice")."""
    return SelectField(
        _l("Language of this post"),
        choices=[SelectChoice(code, name, render_kw={"lang": code}) for code, name in POST_LANGUAGES.items()],
        default=current_locale,
        description=_l("So that readers, screen readers and translators know how to read it."),
    )


class TopicForm(Form):
    kind = RadioField(
        _l("What are you posting?"), choices=choices(KINDS.items()), validators=[InputRequired()]
    )
    # DataRequired, not InputRequired: the base Form trims, and InputRequired looks at the raw "   ".
    title = StringField(
        _l("Title"),
        validators=[DataRequired(), Length(min=5, max=200)],
        description=_l(
            "5 to 200 characters, at least one letter or digit. Say what it is about in a sentence."
        ),
    )
    language = language_field()
    body = TextAreaField(
        _l("Text"),
        validators=[DataRequired(), Length(min=10, max=BODY_MAX)],
        description=_l("Markdown: **bold**, *italic*, lists, [links](https://…)."),
    )
    platforms = StringField(
        _l("Platform tags"),
        validators=[Length(max=500)],
        description=_l(
            "Comma-separated, e.g. instagram, tiktok. At least one (mistakes may leave "
            "it empty for “any platform”)."
        ),
    )
    trends = StringField(
        _l("Trend tags"),
        validators=[Length(max=500)],
        description=_l("Comma-separated, e.g. booktok, accessibility."),
    )
    category = SelectField(
        _l("Mistake category"),
        choices=choices([("", _l("Choose…")), *MISTAKE_CATEGORIES.items()]),
        validators=[Optional()],
    )
    how_to_avoid = TextAreaField(
        _l("How to avoid it"), validators=[Length(max=BODY_MAX)], description=_l("Markdown.")
    )
    library_types = MultiCheckboxField(
        _l("Library types it concerns (none ticked: all)"),
        choices=choices(LIBRARY_TYPES.items()),
        validators=[Optional()],
    )
    avoided_by = TextAreaField(
        _l("Practices that avoid it"),
        validators=[Length(max=2000)],
        description=_l("Links to practice topics (or their numbers), one per line."),
    )
    evidence_links = TextAreaField(
        _l("Evidence links"),
        validators=[Length(max=4000)],
        description=_l("Web addresses (https://…), one per line."),
    )
    is_anonymous = BooleanField(_l("Show me publicly as “a member” (moderators still see who)"))
    show_my_name = BooleanField(
        _l("Yes, show my name on this post"),
        description=_l(
            "Needed to stop being “a member”: untick the box above and tick this one, and your "
            "name will show on this post, in lists, feeds and search results."
        ),
    )

    def validate_title(self, field: StringField) -> None:
        if not any(ch.isalnum() for ch in field.data or ""):
            raise ValidationError(_("A title needs at least one letter or digit."))

    def validate_avoided_by(self, field: StringField) -> None:
        try:
            parse_topic_refs(field.data or "")
        except ValueError as exc:
            raise ValidationError(
                _("“%(text)s” is not a link to a practice or its number.", text=str(exc))
            ) from exc

    def validate_evidence_links(self, field: TextAreaField) -> None:
        for line in (field.data or "").splitlines():
            line = line.strip()
            if line and not re.fullmatch(r"https?://\S+", line):
                raise ValidationError(_("“%(text)s” is not a web address (https://…).", text=line[:60]))


class ReplyForm(Form):
    body = TextAreaField(
        _l("Your reply"),
        validators=[DataRequired(), Length(min=2, max=BODY_MAX)],
        description=_l("Markdown: **bold**, *italic*, lists, [links](https://…)."),
    )
    language = language_field()
