"""Moderation forms: shape only."""

from __future__ import annotations

from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from benefit.forms_util import Form, choices
from benefit.forum.forms import parse_topic_refs
from benefit.models import FLAG_REASONS, KINDS, MISTAKE_CATEGORIES, TAG_KINDS


class ReasonForm(Form):
    """Reject, hide, restore: a reason the author (or the audit log) will read."""

    reason = StringField("Reason", validators=[Optional(), Length(max=500)])


class MoveForm(Form):
    kind = RadioField("Move to", choices=choices(KINDS.items()), validators=[InputRequired()])
    category = SelectField(
        "Mistake category",
        choices=choices([("", "Choose…"), *MISTAKE_CATEGORIES.items()]),
        validators=[Optional()],
        description="Needed when moving to the mistakes.",
    )
    reason = StringField("Reason (for the audit log)", validators=[Optional(), Length(max=500)])


class ResolveFlagsForm(Form):
    decision = RadioField(
        "Decision",
        choices=choices([("agree", "Agree: hide the post"), ("disagree", "Disagree: dismiss the flags")]),
        validators=[InputRequired()],
    )
    reason = StringField("Reason", validators=[Optional(), Length(max=500)])


class TagForm(Form):
    kind = SelectField("Kind", choices=choices(TAG_KINDS.items()), validators=[InputRequired()])
    name = StringField("Name", validators=[InputRequired(), Length(max=120)])
    slug = StringField(
        "Slug",
        validators=[Optional(), Length(max=40)],
        description="Used in addresses (/tags/slug). Left empty, it is made from the name.",
    )
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])


class TagEditForm(Form):
    name = StringField("Name", validators=[InputRequired(), Length(max=120)])
    slug = StringField(
        "Slug",
        validators=[InputRequired(), Length(max=40)],
        description="Changing it keeps the old slug as a synonym, so old links redirect.",
    )
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])


class MergeTagForm(Form):
    target = SelectField("Merge into", validators=[InputRequired()])


class SuspendForm(Form):
    until = DateField(
        "Suspended until (end of that day, UTC)", validators=[InputRequired()], description="YYYY-MM-DD"
    )
    reason = StringField("Reason (the member sees it)", validators=[InputRequired(), Length(max=500)])


class RoleForm(Form):
    role = RadioField(
        "Role",
        choices=choices([("member", "Member"), ("moderator", "Moderator")]),
        validators=[InputRequired()],
    )


class FlagForm(Form):
    reason = RadioField("What is wrong?", choices=choices(FLAG_REASONS.items()), validators=[InputRequired()])
    note = TextAreaField(
        "Note for the moderators",
        validators=[Optional(), Length(max=500)],
        description="Required when you choose “Something else”.",
    )


class MergeForm(Form):
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
