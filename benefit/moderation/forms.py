"""Moderation forms: shape only."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from benefit.forms_util import Form, choices
from benefit.forum.forms import parse_topic_refs
from benefit.models import FLAG_REASONS, KINDS, MISTAKE_CATEGORIES, TAG_KINDS


class ReasonForm(Form):
    """Reject, hide, restore: a reason the author (or the audit log) will read."""

    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


class MoveForm(Form):
    kind = RadioField(_l("Move to"), choices=choices(KINDS.items()), validators=[InputRequired()])
    category = SelectField(
        _l("Mistake category"),
        choices=choices([("", _l("Choose…")), *MISTAKE_CATEGORIES.items()]),
        validators=[Optional()],
        description=_l("Needed when moving to the mistakes."),
    )
    reason = StringField(_l("Reason (for the audit log)"), validators=[Optional(), Length(max=500)])


class ResolveFlagsForm(Form):
    decision = RadioField(
        _l("Decision"),
        choices=choices(
            [("agree", _l("Agree: hide the post")), ("disagree", _l("Disagree: dismiss the flags"))]
        ),
        validators=[InputRequired()],
    )
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


class TagForm(Form):
    kind = SelectField(_l("Kind"), choices=choices(TAG_KINDS.items()), validators=[InputRequired()])
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=120)])
    slug = StringField(
        _l("Slug"),
        validators=[Optional(), Length(max=40)],
        description=_l("Used in addresses (/tags/slug). Left empty, it is made from the name."),
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])


class TagEditForm(Form):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=120)])
    slug = StringField(
        _l("Slug"),
        validators=[InputRequired(), Length(max=40)],
        description=_l("Changing it keeps the old slug as a synonym, so old links redirect."),
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])


class MergeTagForm(Form):
    target = SelectField(_l("Merge into"), validators=[InputRequired()])


class SuspendForm(Form):
    until = DateField(
        _l("Suspended until (end of that day, UTC)"),
        validators=[InputRequired()],
        description=_l("YYYY-MM-DD"),
    )
    reason = StringField(_l("Reason (the member sees it)"), validators=[InputRequired(), Length(max=500)])


class RoleForm(Form):
    role = RadioField(
        _l("Role"),
        choices=choices([("member", _l("Member")), ("moderator", _l("Moderator"))]),
        validators=[InputRequired()],
    )


class FlagForm(Form):
    reason = RadioField(
        _l("What is wrong?"), choices=choices(FLAG_REASONS.items()), validators=[InputRequired()]
    )
    note = TextAreaField(
        _l("Note for the moderators"),
        validators=[Optional(), Length(max=500)],
        description=_l("Required when you choose “Something else”."),
    )


class MergeForm(Form):
    target = StringField(
        _l("Merge into mistake"),
        validators=[InputRequired(), Length(max=300)],
        description=_l("The number or link of the mistake that stays, e.g. 12 or https://…/t/12/…."),
    )
    reason = StringField(
        _l("Reason (kept in the audit log)"),
        validators=[Length(max=500)],
        description=_l("Optional, e.g. “same mistake reported twice”."),
    )

    def validate_target(self, field: StringField) -> None:
        try:
            refs = parse_topic_refs(field.data or "")
        except ValueError as exc:
            raise ValidationError(_("“%(ref)s” is not a mistake's number or link.", ref=str(exc))) from exc
        if len(refs) != 1:
            raise ValidationError(_("Give exactly one mistake."))

    @property
    def target_id(self) -> int:
        return parse_topic_refs(self.target.data or "")[0]
