"""Showing a service's refusal next to the form field it concerns."""

from __future__ import annotations

from collections.abc import Iterable

from flask import flash
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from benefit.services.errors import ServiceError


def apply_service_error(form: FlaskForm, exc: ServiceError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "error")


def choices(items: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """WTForms 3.3 takes SelectChoice objects (tuples are deprecated)."""
    return [SelectChoice(value, label) for value, label in items]
