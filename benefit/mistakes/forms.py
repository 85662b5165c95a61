"""Moderator forms for mistakes: shape only."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length, ValidationError

from benefit.forum.forms import parse_topic_refs


class MergeForm(FlaskForm):
    target = StringField(
        "Merge into mistake",
        validators=[InputRequired(), Length(max=300)],
        description="The number or link of the mistake that stays, e.g. 12 or https://…/t/12/….",
    )
    reason = StringField(
        "Reason (kept in the audit log)",
        validators=[Length(max=500)],
        description="Optional, e.g. “same mistake reported twice”.",
    )

    def validate_target(self, field: StringField) -> None:
        try:
            refs = parse_topic_refs(field.data or "")
        except ValueError as exc:
            raise ValidationError(f"“{exc}” is not a mistake's number or link.") from exc
        if len(refs) != 1:
            raise ValidationError("Give exactly one mistake.")

    @property
    def target_id(self) -> int:
        return parse_topic_refs(self.target.data or "")[0]
