"""Posting forms: shape only."""

from __future__ import annotations

import re

from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from benefit.forms_util import Form, choices
from benefit.models import KINDS, LIBRARY_TYPES, MISTAKE_CATEGORIES

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


class TopicForm(Form):
    kind = RadioField("What are you posting?", choices=choices(KINDS.items()), validators=[InputRequired()])
    # DataRequired, not InputRequired: the base Form trims, and InputRequired looks at the raw "   ".
    title = StringField(
        "Title", validators=[DataRequired(), Length(min=5, max=200)],
        description="5 to 200 characters, at least one letter or digit. Say what it is about in a sentence.",
    )  # fmt: skip
    body = TextAreaField(
        "Text",
        validators=[DataRequired(), Length(min=10, max=BODY_MAX)],
        description="Markdown: **bold**, *italic*, lists, [links](https://…).",
    )
    platforms = StringField(
        "Platform tags",
        validators=[Length(max=500)],
        description="Comma-separated, e.g. instagram, tiktok. At least one (mistakes may leave "
        "it empty for “any platform”).",
    )
    trends = StringField(
        "Trend tags",
        validators=[Length(max=500)],
        description="Comma-separated, e.g. booktok, accessibility.",
    )
    category = SelectField(
        "Mistake category",
        choices=choices([("", "Choose…"), *MISTAKE_CATEGORIES.items()]),
        validators=[Optional()],
    )
    how_to_avoid = TextAreaField(
        "How to avoid it", validators=[Length(max=BODY_MAX)], description="Markdown."
    )
    library_types = MultiCheckboxField(
        "Library types it concerns (none ticked: all)",
        choices=choices(LIBRARY_TYPES.items()),
        validators=[Optional()],
    )
    avoided_by = TextAreaField(
        "Practices that avoid it",
        validators=[Length(max=2000)],
        description="Links to practice topics (or their numbers), one per line.",
    )
    evidence_links = TextAreaField(
        "Evidence links",
        validators=[Length(max=4000)],
        description="Web addresses (https://…), one per line.",
    )
    is_anonymous = BooleanField("Show me publicly as “a member” (moderators still see who)")
    show_my_name = BooleanField(
        "Yes, show my name on this post",
        description="Needed to stop being “a member”: untick the box above and tick this one, and your "
        "name will show on this post, in lists, feeds and search results.",
    )

    def validate_title(self, field: StringField) -> None:
        if not any(ch.isalnum() for ch in field.data or ""):
            raise ValidationError("A title needs at least one letter or digit.")

    def validate_avoided_by(self, field: StringField) -> None:
        try:
            parse_topic_refs(field.data or "")
        except ValueError as exc:
            raise ValidationError(f"“{exc}” is not a link to a practice or its number.") from exc

    def validate_evidence_links(self, field: TextAreaField) -> None:
        for line in (field.data or "").splitlines():
            line = line.strip()
            if line and not re.fullmatch(r"https?://\S+", line):
                raise ValidationError(f"“{line[:60]}” is not a web address (https://…).")


class ReplyForm(Form):
    body = TextAreaField(
        "Your reply",
        validators=[DataRequired(), Length(min=2, max=BODY_MAX)],
        description="Markdown: **bold**, *italic*, lists, [links](https://…).",
    )
