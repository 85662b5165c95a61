"""The moderators' pages: dashboard, review queue, flags, tags, members and the audit log."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from benefit import permissions
from benefit.extensions import db, login_manager
from benefit.forms_util import apply_service_error, choices
from benefit.forum.queries import tag_counts
from benefit.forum.views import reply_url
from benefit.models import FLAG_REASONS, AuditLog, Flag, Reply, Tag, TagFollow, Topic, User, utcnow
from benefit.moderation import actions as moderation
from benefit.moderation import bp
from benefit.moderation.forms import (
    MergeTagForm,
    MoveForm,
    ReasonForm,
    ResolveFlagsForm,
    RoleForm,
    SuspendForm,
    TagEditForm,
    TagForm,
)
from benefit.refusals import ServiceError

QUEUE_LIMIT = 50
OPEN_FLAGS_LIMIT = 300


@bp.record_once
def _jinja_globals(state: Any) -> None:
    state.app.jinja_env.globals["FLAG_REASONS"] = FLAG_REASONS


@bp.before_request
def moderators_only() -> Response | None:
    """Every page under /moderation: visitors log in first, members are refused. The blueprint's
    public routes (flag a post, read its history) check their own permissions."""
    if request.url_rule is None or not request.url_rule.rule.startswith("/moderation"):
        return None
    if not current_user.is_authenticated:
        response: Response = login_manager.unauthorized()
        return response
    if not permissions.is_moderator(current_user):
        abort(403, "This page is for moderators.")
    return None


@bp.app_template_filter("audit_details")
def audit_details(raw: str) -> dict[str, Any]:
    """The JSON details of an audit row, for display."""
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {"details": raw}
    return value if isinstance(value, dict) else {"details": value}


def _page() -> int:
    page = request.args.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        abort(404)
    return int(page)


def _back(default: str) -> Response:
    """Back to where the action was taken (only within this site)."""
    target = request.form.get("next", "")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return redirect(target)
    return redirect(default)


def _post(kind: str, post_id: int) -> Topic | Reply:
    post = moderation.load_post(kind, post_id)
    if post is None:
        abort(404)
    return post


def post_url(post: Topic | Reply) -> str:
    if isinstance(post, Topic):
        return url_for("forum.topic", topic_id=post.id, slug=post.slug)
    return reply_url(post)


def _failed(exc: ServiceError) -> None:
    db.session.rollback()
    flash(exc.message, "error")


# --- dashboard ----------------------------------------------------------------------------------


@bp.route("/moderation/")
def index() -> str:
    def count(stmt: sa.Select[Any]) -> int:
        return db.session.scalar(stmt) or 0

    open_targets = (
        sa.select(Flag.target_kind, Flag.target_id).where(Flag.resolved_at.is_(None)).distinct().subquery()
    )
    counts = {
        "pending_topics": count(sa.select(sa.func.count(Topic.id)).where(Topic.state == "pending")),
        "pending_replies": count(sa.select(sa.func.count(Reply.id)).where(Reply.state == "pending")),
        "flagged_posts": count(sa.select(sa.func.count()).select_from(open_targets)),
        "hidden_topics": count(sa.select(sa.func.count(Topic.id)).where(Topic.state == "hidden")),
        "hidden_replies": count(sa.select(sa.func.count(Reply.id)).where(Reply.state == "hidden")),
        "suspended": count(sa.select(sa.func.count(User.id)).where(User.suspended_until > utcnow())),
        "tags": count(sa.select(sa.func.count(Tag.id))),
    }
    recent = list(
        db.session.scalars(
            sa.select(AuditLog).options(selectinload(AuditLog.actor)).order_by(AuditLog.id.desc()).limit(10)
        )
    )
    return render_template("moderation/index.html", counts=counts, recent=recent)


# --- review queue -------------------------------------------------------------------------------


@bp.route("/moderation/queue")
def queue() -> str:
    topics = list(
        db.session.scalars(
            sa.select(Topic)
            .where(Topic.state == "pending")
            .options(selectinload(Topic.tags))
            .order_by(Topic.created_at, Topic.id)
            .limit(QUEUE_LIMIT)
        )
    )
    replies = list(
        db.session.scalars(
            sa.select(Reply)
            .where(Reply.state == "pending")
            .options(selectinload(Reply.topic))
            .order_by(Reply.created_at, Reply.id)
            .limit(QUEUE_LIMIT)
        )
    )
    return render_template("moderation/queue.html", topics=topics, replies=replies, limit=QUEUE_LIMIT)


@bp.route("/moderation/<any(topic, reply):kind>/<int:post_id>/approve", methods=["POST"])
def approve(kind: str, post_id: int) -> Response:
    post = _post(kind, post_id)
    try:
        moderation.approve_post(current_user, post)
    except ServiceError as exc:
        _failed(exc)
    else:
        flash(f"Approved: the {kind} is published.", "success")
    return _back(url_for("moderation.queue"))


@bp.route("/moderation/<any(topic, reply):kind>/<int:post_id>/reject", methods=["POST"])
def reject(kind: str, post_id: int) -> Response:
    post = _post(kind, post_id)
    form = ReasonForm()
    if not form.validate():
        flash("The reason is too long.", "error")
        return _back(url_for("moderation.queue"))
    try:
        moderation.reject_post(current_user, post, form.reason.data or "")
    except ServiceError as exc:
        _failed(exc)
    else:
        flash(f"Rejected: the author sees your reason on the {kind}.", "success")
    return _back(url_for("moderation.queue"))


# --- curation -----------------------------------------------------------------------------------


@bp.route("/moderation/<any(topic, reply):kind>/<int:post_id>/hide", methods=["POST"])
def hide(kind: str, post_id: int) -> Response:
    post = _post(kind, post_id)
    form = ReasonForm()
    if not form.validate():
        flash("The reason is too long.", "error")
        return redirect(post_url(post))
    try:
        moderation.hide_post(current_user, post, form.reason.data or "")
    except ServiceError as exc:
        _failed(exc)
    else:
        flash(f"The {kind} is hidden. Nothing is deleted: you can restore it.", "success")
    return _back(post_url(post))


@bp.route("/moderation/<any(topic, reply):kind>/<int:post_id>/restore", methods=["POST"])
def restore(kind: str, post_id: int) -> Response:
    post = _post(kind, post_id)
    form = ReasonForm()
    form.validate()
    try:
        moderation.restore_post(current_user, post, form.reason.data or "")
    except ServiceError as exc:
        _failed(exc)
    else:
        flash(f"The {kind} is visible again.", "success")
    return _back(post_url(post))


SWITCH_RULE = "/moderation/topic/<int:topic_id>/<any(pin, unpin, feature, unfeature, lock, unlock):action>"


@bp.route(SWITCH_RULE, methods=["POST"])
def switch(topic_id: int, action: str) -> Response:
    topic = _post("topic", topic_id)
    if not isinstance(topic, Topic):  # _post("topic", …) only returns topics; this narrows the type
        abort(404)
    try:
        moderation.switch_topic(current_user, topic, action)
    except ServiceError as exc:
        _failed(exc)
    else:
        flash(f"Done: the topic is {moderation.SWITCH_WORDS[action]}.", "success")
    return _back(post_url(topic))


@bp.route("/moderation/topic/<int:topic_id>/move", methods=["GET", "POST"])
def move(topic_id: int) -> str | Response:
    topic = _post("topic", topic_id)
    if not isinstance(topic, Topic):  # _post("topic", …) only returns topics; this narrows the type
        abort(404)
    form = MoveForm()
    if request.method == "GET":
        form.kind.data = topic.kind
        form.category.data = topic.category or ""
    if form.validate_on_submit():
        try:
            moderation.move_topic(
                current_user, topic, form.kind.data or "", form.category.data or None, form.reason.data or ""
            )
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
        else:
            flash(f"Moved to {topic.kind_label.lower()}s.", "success")
            return redirect(post_url(topic))
    return render_template("moderation/move.html", form=form, topic=topic)


# --- flags --------------------------------------------------------------------------------------


def _load_targets(keys: set[tuple[str, int]]) -> dict[tuple[str, int], Topic | Reply]:
    topic_ids = [i for k, i in keys if k == "topic"]
    reply_ids = [i for k, i in keys if k == "reply"]
    found: dict[tuple[str, int], Topic | Reply] = {}
    if topic_ids:
        for t in db.session.scalars(sa.select(Topic).where(Topic.id.in_(topic_ids))):
            found[("topic", t.id)] = t
    if reply_ids:
        stmt = sa.select(Reply).where(Reply.id.in_(reply_ids)).options(selectinload(Reply.topic))
        for r in db.session.scalars(stmt):
            found[("reply", r.id)] = r
    return found


@bp.route("/moderation/flags")
def flags() -> str:
    open_flags = list(
        db.session.scalars(
            sa.select(Flag)
            .where(Flag.resolved_at.is_(None))
            .options(selectinload(Flag.user))
            .order_by(Flag.created_at, Flag.id)
            .limit(OPEN_FLAGS_LIMIT)
        )
    )
    grouped: dict[tuple[str, int], list[Flag]] = defaultdict(list)
    for flag in open_flags:
        grouped[(flag.target_kind, flag.target_id)].append(flag)
    targets = _load_targets(set(grouped))
    items = [(targets[key], key[0], group) for key, group in grouped.items() if key in targets]
    return render_template("moderation/flags.html", items=items, form=ResolveFlagsForm())


@bp.route("/moderation/flags/history")
def flag_history() -> str:
    stmt = sa.select(Flag).options(selectinload(Flag.user), selectinload(Flag.resolved_by))
    target_kind = request.args.get("target_kind", "")
    target_id = request.args.get("target_id", "")
    if target_kind in ("topic", "reply") and target_id.isdigit():
        stmt = stmt.where(Flag.target_kind == target_kind, Flag.target_id == int(target_id))
    else:
        target_kind = target_id = ""
    pagination = db.paginate(
        stmt.order_by(Flag.id.desc()), page=_page(), per_page=current_app.config["PER_PAGE"], error_out=False
    )
    targets = _load_targets({(f.target_kind, f.target_id) for f in pagination.items})
    return render_template(
        "moderation/flag_history.html",
        pagination=pagination,
        targets=targets,
        target_kind=target_kind,
        target_id=target_id,
    )


@bp.route("/moderation/flags/<any(topic, reply):kind>/<int:post_id>/resolve", methods=["POST"])
def resolve_flags(kind: str, post_id: int) -> Response:
    post = _post(kind, post_id)
    form = ResolveFlagsForm()
    if not form.validate():
        flash("Choose whether you agree with the flags.", "error")
        return _back(url_for("moderation.flags"))
    agree = form.decision.data == "agree"
    try:
        count = moderation.resolve_flags(current_user, post, agree, form.reason.data or "")
    except ServiceError as exc:
        _failed(exc)
    else:
        done = "hidden" if agree else "left as it was" if post.state != "published" else "visible"
        flash(f"{count} flag{'s' if count != 1 else ''} resolved; the {kind} is {done}.", "success")
    return _back(url_for("moderation.flags"))


# --- tags ---------------------------------------------------------------------------------------


@bp.route("/moderation/tags", methods=["GET", "POST"])
def tags() -> str | Response:
    form = TagForm()
    if form.validate_on_submit():
        try:
            tag = moderation.create_tag(
                current_user,
                form.kind.data or "",
                form.slug.data or "",
                form.name.data or "",
                form.description.data or "",
            )
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
        else:
            flash(f"Tag “{tag.name}” created.", "success")
            return redirect(url_for("moderation.tags"))
    counts = tag_counts()
    ids = [t.id for t, _ in counts]
    if ids:  # load every tag's synonyms in one statement
        list(db.session.scalars(sa.select(Tag).where(Tag.id.in_(ids)).options(selectinload(Tag.synonyms))))
    return render_template("moderation/tags.html", counts=counts, form=form)


def _merge_form(tag: Tag) -> MergeTagForm:
    form = MergeTagForm(prefix="merge")
    others = db.session.scalars(
        sa.select(Tag).where(Tag.kind == tag.kind, Tag.id != tag.id).order_by(Tag.name)
    )
    form.target.choices = choices([("", "Choose…"), *((str(t.id), f"{t.name} ({t.slug})") for t in others)])
    return form


@bp.route("/moderation/tags/<int:tag_id>", methods=["GET", "POST"])
def tag(tag_id: int) -> str | Response:
    found = db.session.get(Tag, tag_id)
    if found is None:
        abort(404)
    form = TagEditForm(obj=found) if request.method == "GET" else TagEditForm()
    if form.validate_on_submit():
        try:
            moderation.update_tag(
                current_user, found, form.slug.data or "", form.name.data or "", form.description.data or ""
            )
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
        else:
            flash("Tag saved.", "success")
            return redirect(url_for("moderation.tag", tag_id=found.id))
    followers = db.session.scalar(sa.select(sa.func.count()).where(TagFollow.tag_id == found.id)) or 0
    return render_template(
        "moderation/tag.html", tag=found, form=form, merge_form=_merge_form(found), followers=followers
    )


@bp.route("/moderation/tags/<int:tag_id>/merge", methods=["POST"])
def merge_tag(tag_id: int) -> Response:
    source = db.session.get(Tag, tag_id)
    if source is None:
        abort(404)
    form = _merge_form(source)
    target = db.session.get(Tag, int(form.target.data)) if form.validate() and form.target.data else None
    if target is None:
        flash("Choose a tag to merge into.", "error")
        return redirect(url_for("moderation.tag", tag_id=tag_id))
    name = source.name
    try:
        moderation.merge_tags(current_user, source, target)
    except ServiceError as exc:
        _failed(exc)
        return redirect(url_for("moderation.tag", tag_id=tag_id))
    flash(f"“{name}” is merged into “{target.name}”; its old address redirects there.", "success")
    return redirect(url_for("moderation.tag", tag_id=target.id))


# --- members ------------------------------------------------------------------------------------


@bp.route("/moderation/members")
def members() -> str:
    q = request.args.get("q", "").strip()[:100]
    only_suspended = request.args.get("suspended") == "1"
    stmt = sa.select(User).where(User.deleted_at.is_(None))
    if q:
        like = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(User.username).like(like, escape="\\"),
                sa.func.lower(User.display_name).like(like, escape="\\"),
                sa.func.lower(User.institution).like(like, escape="\\"),
            )
        )
    if only_suspended:
        stmt = stmt.where(User.suspended_until > utcnow())
    pagination = db.paginate(
        stmt.order_by(User.username), page=_page(), per_page=current_app.config["PER_PAGE"], error_out=False
    )
    return render_template(
        "moderation/members.html", pagination=pagination, q=q, only_suspended=only_suspended
    )


@bp.route("/moderation/members/<int:user_id>")
def member(user_id: int) -> str:
    found = db.session.get(User, user_id)
    if found is None:
        abort(404)
    suspend_form = SuspendForm()
    suspend_form.until.data = (utcnow() + timedelta(days=7)).date()
    role_form = RoleForm()
    role_form.role.data = found.role if found.role in ("member", "moderator") else None
    history = list(
        db.session.scalars(
            sa.select(AuditLog)
            .where(AuditLog.target_kind == "user", AuditLog.target_id == found.id)
            .order_by(AuditLog.id.desc())
            .limit(20)
        )
    )
    return render_template(
        "moderation/member.html",
        member=found,
        suspend_form=suspend_form,
        role_form=role_form,
        unsuspend_form=ReasonForm(),
        history=history,
    )


def _user(user_id: int) -> User:
    found = db.session.get(User, user_id)
    if found is None:
        abort(404)
    return found


@bp.route("/moderation/members/<int:user_id>/suspend", methods=["POST"])
def suspend(user_id: int) -> Response:
    found = _user(user_id)
    form = SuspendForm()
    back = url_for("moderation.member", user_id=user_id)
    if not form.validate() or form.until.data is None:
        for errors in form.errors.values():
            flash(f"{' '.join(errors)}", "error")
        return redirect(back)
    until = datetime.combine(form.until.data, time(23, 59, 59), tzinfo=UTC)
    try:
        moderation.suspend_member(current_user, found, until, form.reason.data or "")
    except ServiceError as exc:
        _failed(exc)
    else:
        flash(f"{found.display_name} is suspended until {until:%d %B %Y}.", "success")
    return redirect(back)


@bp.route("/moderation/members/<int:user_id>/unsuspend", methods=["POST"])
def unsuspend(user_id: int) -> Response:
    found = _user(user_id)
    form = ReasonForm()
    form.validate()
    try:
        moderation.unsuspend_member(current_user, found, form.reason.data or "")
    except ServiceError as exc:
        _failed(exc)
    else:
        flash(f"{found.display_name} can take part again.", "success")
    return redirect(url_for("moderation.member", user_id=user_id))


@bp.route("/moderation/members/<int:user_id>/role", methods=["POST"])
def set_role(user_id: int) -> Response:
    if not current_user.is_admin:
        abort(403, "Only admins grant or remove the moderator role.")
    found = _user(user_id)
    form = RoleForm()
    if not form.validate():
        flash("Choose member or moderator.", "error")
        return redirect(url_for("moderation.member", user_id=user_id))
    try:
        moderation.set_role(current_user, found, form.role.data or "")
    except ServiceError as exc:
        _failed(exc)
    else:
        flash(f"{found.display_name} is now a {found.role}.", "success")
    return redirect(url_for("moderation.member", user_id=user_id))


# --- audit log ----------------------------------------------------------------------------------


@bp.route("/moderation/audit")
def audit_log() -> str:
    stmt = sa.select(AuditLog).options(selectinload(AuditLog.actor))
    action = request.args.get("action", "").strip()
    actor = request.args.get("actor", "").strip().lower()
    target_kind = request.args.get("target_kind", "").strip()
    target_id = request.args.get("target_id", "").strip()
    if action:
        stmt = stmt.where(AuditLog.action == action)
    if actor == "system":
        stmt = stmt.where(AuditLog.actor_id.is_(None))
    elif actor:
        stmt = stmt.where(AuditLog.actor_id.in_(sa.select(User.id).where(User.username == actor)))
    if target_kind:
        stmt = stmt.where(AuditLog.target_kind == target_kind)
    if target_id.isdigit():
        stmt = stmt.where(AuditLog.target_id == int(target_id))
    pagination = db.paginate(stmt.order_by(AuditLog.id.desc()), page=_page(), per_page=50, error_out=False)
    actions = list(db.session.scalars(sa.select(AuditLog.action).distinct().order_by(AuditLog.action)))
    kinds = list(
        db.session.scalars(sa.select(AuditLog.target_kind).distinct().order_by(AuditLog.target_kind))
    )
    return render_template(
        "moderation/audit.html",
        pagination=pagination,
        actions=actions,
        kinds=[k for k in kinds if k],
        filters={"action": action, "actor": actor, "target_kind": target_kind, "target_id": target_id},
    )
