"""Moderators curate tags: the list with counts, a new tag, renaming, merging one into another."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from benefit.forms_util import choices
from benefit.i18n import current_locale
from benefit.models import Tag
from benefit.moderation import actions as moderation
from benefit.moderation import bp, queries
from benefit.moderation.forms import MergeTagForm, TagEditForm, TagForm
from benefit.moderation.views.common import attempt, found_or_404
from benefit.web import valid_id


@bp.route("/moderation/tags", methods=["GET", "POST"])
def tags() -> str | Response:
    form = TagForm()
    if form.validate_on_submit():
        kind, slug, name = form.kind.data or "", form.slug.data or "", form.name.data or ""
        description = form.description.data or ""
        tag = attempt(lambda: moderation.create_tag(current_user, kind, slug, name, description), form)
        if tag is not None:
            flash(_("Tag “%(name)s” created.", name=tag.name), "success")
            return redirect(url_for("moderation.tags"))
    return render_template("moderation/tags.html", counts=queries.tags_with_counts(), form=form)


def _tag_or_404(tag_id: int) -> Tag:
    return found_or_404(queries.load_tag(valid_id(tag_id)))


def _tag_choice(tag: Tag, polish: bool) -> SelectChoice:
    """A tag by its name in the page's language; an English name on a Polish page says so (lang)."""
    if polish and tag.name_pl:
        return SelectChoice(str(tag.id), f"{tag.name_pl} ({tag.slug})")
    return SelectChoice(str(tag.id), f"{tag.name} ({tag.slug})", render_kw={"lang": "en"} if polish else {})


def _merge_form(tag: Tag) -> MergeTagForm:
    form = MergeTagForm(prefix="merge")
    polish = current_locale() == "pl"
    others = [_tag_choice(t, polish) for t in queries.other_tags_of_kind(tag)]
    form.target.choices = [*choices([("", _("Choose…"))]), *others]
    return form


@bp.route("/moderation/tags/<int:tag_id>", methods=["GET", "POST"])
def tag(tag_id: int) -> str | Response:
    found = _tag_or_404(tag_id)
    form = TagEditForm(obj=found) if request.method == "GET" else TagEditForm()
    if form.validate_on_submit():
        slug, name, description = form.slug.data or "", form.name.data or "", form.description.data or ""
        if attempt(lambda: moderation.update_tag(current_user, found, slug, name, description), form):
            flash(_("Tag saved."), "success")
            return redirect(url_for("moderation.tag", tag_id=found.id))
    followers = queries.tag_followers(found)
    return render_template(
        "moderation/tag.html", tag=found, form=form, merge_form=_merge_form(found), followers=followers
    )


@bp.route("/moderation/tags/<int:tag_id>/merge", methods=["POST"])
def merge_tag(tag_id: int) -> Response:
    source = _tag_or_404(tag_id)
    form = _merge_form(source)
    target = queries.load_tag(int(form.target.data)) if form.validate() and form.target.data else None
    if target is None:
        flash(_("Choose a tag to merge into."), "error")
        return redirect(url_for("moderation.tag", tag_id=tag_id))
    name = source.name
    if attempt(lambda: moderation.merge_tags(current_user, source, target)) is None:
        return redirect(url_for("moderation.tag", tag_id=tag_id))
    flash(
        _(
            "“%(name)s” is merged into “%(target)s”; its old address redirects there.",
            name=name,
            target=target.name,
        ),
        "success",
    )
    return redirect(url_for("moderation.tag", tag_id=target.id))
