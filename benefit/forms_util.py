"""Form helpers: the base form, a service's refusal next to its field, choices, a select rendered once."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any, cast

from flask import flash
from flask_babel import LazyString
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import Field, PasswordField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select

from benefit.refusals import ServiceError


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class Form(FlaskForm):
    """Every BENEFIT form: text fields are trimmed before they are validated, so a title or a role of
    only spaces is "required" and lengths count what is kept. Passwords are taken as typed."""

    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            field_class = unbound_field.field_class
            if issubclass(field_class, (StringField, TextAreaField)) and not issubclass(
                field_class, PasswordField
            ):
                options["filters"] = (*unbound_field.kwargs.get("filters", ()), _strip)
            return unbound_field.bind(form=form, **options)


def apply_service_error(form: FlaskForm, exc: ServiceError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "error")


def choices(items: Iterable[tuple[str, str | LazyString]]) -> list[SelectChoice]:
    """WTForms 3.3 takes SelectChoice objects (tuples are deprecated). Labels may be lazy
    (`lazy_gettext`): they are read in the reader's language when the field renders."""
    return [SelectChoice(value, label) for value, label in items]


class CachedSelect(Select):
    """A `<select>` rendered once per (choices, selected value, attributes), then reused.

    WTForms builds every `<option>` anew on each render (the search page's filters hold some 70
    of them: a tenth of the page's time). Choices with their own attributes or groups are
    rendered the usual way. The cache is per widget, per process, and bounded.
    """

    MAX_ENTRIES = 256

    def __init__(self) -> None:
        super().__init__()
        self._rendered: dict[Hashable, Markup] = {}

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        options = getattr(field, "choices", None)
        if not isinstance(options, list) or not all(
            isinstance(c, SelectChoice) and not c.render_kw and c.optgroup is None for c in options
        ):
            return self._render(field, **kwargs)
        try:
            key = (
                field.id,
                field.name,
                field.data,
                tuple((c.value, str(c.label)) for c in options),  # in this request's language
                tuple(sorted(kwargs.items())),
                tuple(getattr(field.flags, a, None) for a in self.validation_attrs),
            )
            hash(key)
        except TypeError:  # an unhashable attribute or value
            return self._render(field, **kwargs)
        html = self._rendered.get(key)
        if html is None:
            if len(self._rendered) >= self.MAX_ENTRIES:
                self._rendered.clear()
            html = self._rendered[key] = self._render(field, **kwargs)
        return html

    def _render(self, field: Field, **kwargs: Any) -> Markup:
        # WTForms' Select escapes every value and label and returns Markup itself.
        return cast(Markup, super().__call__(field, **kwargs))
