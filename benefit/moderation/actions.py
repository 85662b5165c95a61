"""Moderation verbs: review queue, flags, curation, tags and suspensions; each one audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from slugify import slugify

from benefit import permissions
from benefit.community import actions as social
from benefit.community.notifications import notify
from benefit.extensions import db
from benefit.models import (
    FLAG_REASONS,
    KINDS,
    MISTAKE_CATEGORIES,
    TAG_KINDS,
    Flag,
    Reply,
    Tag,
    TagFollow,
    TagSynonym,
    Topic,
    User,
    topic_tag,
    user_platform,
    utcnow,
)
from benefit.moderation import audit
from benefit.refusals import Conflict, NotAllowed, NotFound, ServiceError

Post = Topic | Reply

# The moderation_reason of a post hidden by members' flags; dismissing the flags restores it.
FLAG_HIDE_REASON = "Hidden after several members flagged it; a moderator will review it."
TOPIC_SWITCHES = {
    "pin": ("is_pinned", True),
    "unpin": ("is_pinned", False),
    "feature": ("is_featured", True),
    "unfeature": ("is_featured", False),
    "lock": ("is_locked", True),
    "unlock": ("is_locked", False),
}
SWITCH_WORDS = {
    "pin": "pinned",
    "unpin": "not pinned",
    "feature": "featured",
    "unfeature": "not featured",
    "lock": "locked",
    "unlock": "unlocked",
}
GRANTABLE_ROLES = ("member", "moderator")


def post_kind(post: Post) -> str:
    return "topic" if isinstance(post, Topic) else "reply"


def load_post(kind: str, post_id: int) -> Post | None:
    if kind == "topic":
        return db.session.get(Topic, post_id)
    return db.session.get(Reply, post_id)


def _topic_of(post: Post) -> Topic:
    return post if isinstance(post, Topic) else post.topic


def _require_moderator(actor: User) -> None:
    if not actor.is_moderator:
        raise NotAllowed("Only moderators can do that.")


def _set_state(post: Post, state: str, reason: str | None) -> None:
    """Change a post's state through the ORM (so the search change log sees it) and keep counts."""
    if isinstance(post, Reply):
        was_counted = post.state == "published"
        counted = state == "published"
        if counted and not was_counted:
            post.topic.reply_count = Topic.reply_count + 1
        elif was_counted and not counted:
            post.topic.reply_count = Topic.reply_count - 1
    post.state = state
    post.moderation_reason = reason


def _tell_author(moderator: User | None, post: Post, action: str, message: str) -> None:
    kind = post_kind(post)
    notify(
        [post.author_id],
        kind="moderation",
        event_key=f"moderation:{action}:{kind}:{post.id}",
        actor=moderator,
        topic=_topic_of(post),
        reply_id=post.id if isinstance(post, Reply) else None,
        message=message,
    )


def _announce(post: Post) -> None:
    """The mentions and follower notifications held back while the post was not published."""
    if isinstance(post, Topic):
        social.announce_topic(post)
    else:
        social.announce_reply(post)


def _describe(post: Post) -> str:
    if isinstance(post, Topic):
        return f"your post “{post.title[:120]}”"
    return f"your reply in “{post.topic.title[:120]}”"


def _resolve_open_flags(moderator: User, post: Post, resolution: str) -> int:
    flags = list(
        db.session.scalars(
            sa.select(Flag).where(
                Flag.target_kind == post_kind(post),
                Flag.target_id == post.id,
                Flag.resolved_at.is_(None),
            )
        )
    )
    now = utcnow()
    for flag in flags:
        flag.resolved_at = now
        flag.resolved_by_id = moderator.id
        flag.resolution = resolution
    return len(flags)


# --- review queue -------------------------------------------------------------------------------


def approve_post(moderator: User, post: Post) -> Post:
    _require_moderator(moderator)
    if post.state != "pending":
        raise Conflict("This post is not waiting for review any more.")
    _set_state(post, "published", None)
    post.author.approved_post_count = User.approved_post_count + 1
    if isinstance(post, Reply):
        post.topic.last_activity_at = utcnow()
    else:
        post.last_activity_at = utcnow()
    _announce(post)
    _tell_author(moderator, post, "approve", f"A moderator approved {_describe(post)}.")
    audit.record(moderator, "approve", target_kind=post_kind(post), target_id=post.id)
    db.session.commit()
    return post


def reject_post(moderator: User, post: Post, reason: str) -> Post:
    _require_moderator(moderator)
    reason = reason.strip()
    if not reason:
        raise ServiceError("Say why, so the author can learn from it.", field="reason")
    if post.state != "pending":
        raise Conflict("This post is not waiting for review any more.")
    _set_state(post, "rejected", reason)
    _tell_author(moderator, post, "reject", f"A moderator did not approve {_describe(post)}: {reason}")
    audit.record(moderator, "reject", target_kind=post_kind(post), target_id=post.id, reason=reason)
    db.session.commit()
    return post


# --- curation -----------------------------------------------------------------------------------


def hide_post(moderator: User, post: Post, reason: str) -> Post:
    _require_moderator(moderator)
    reason = reason.strip()
    if not reason:
        raise ServiceError("Say why this post is hidden.", field="reason")
    if post.state == "hidden":
        raise Conflict("This post is already hidden.")
    previous = post.state
    _set_state(post, "hidden", reason)
    flags = _resolve_open_flags(moderator, post, "agreed")
    _tell_author(moderator, post, "hide", f"A moderator hid {_describe(post)}: {reason}")
    audit.record(
        moderator,
        "hide",
        target_kind=post_kind(post),
        target_id=post.id,
        reason=reason,
        previous_state=previous,
        flags_resolved=flags,
    )
    db.session.commit()
    return post


def restore_post(moderator: User, post: Post, reason: str = "") -> Post:
    _require_moderator(moderator)
    if post.state not in ("hidden", "rejected"):
        raise Conflict("Only hidden or rejected posts can be restored.")
    previous = post.state
    _set_state(post, "published", None)
    _announce(post)
    flags = _resolve_open_flags(moderator, post, "dismissed")
    audit.record(
        moderator,
        "restore",
        target_kind=post_kind(post),
        target_id=post.id,
        reason=reason.strip(),
        previous_state=previous,
        flags_dismissed=flags,
    )
    db.session.commit()
    return post


def switch_topic(moderator: User, topic: Topic, action: str) -> Topic:
    """Pin, feature or lock a topic, or undo it."""
    _require_moderator(moderator)
    if action not in TOPIC_SWITCHES:
        raise ServiceError("Unknown action.")
    attribute, value = TOPIC_SWITCHES[action]
    if getattr(topic, attribute) == value:
        raise Conflict(f"Nothing to change: the topic is already {SWITCH_WORDS[action]}.")
    setattr(topic, attribute, value)
    audit.record(moderator, action, target_kind="topic", target_id=topic.id)
    db.session.commit()
    return topic


def move_topic(moderator: User, topic: Topic, kind: str, category: str | None, reason: str = "") -> Topic:
    _require_moderator(moderator)
    if kind not in KINDS:
        raise ServiceError("Choose practice, discussion or mistake.", field="kind")
    if kind == "mistake":
        if category not in MISTAKE_CATEGORIES:
            raise ServiceError("A mistake needs a category: choose one.", field="category")
    else:
        category = None
    if kind == topic.kind and category == topic.category:
        raise Conflict("Nothing to change: the topic is already there.")
    details = {
        "from_kind": topic.kind,
        "to_kind": kind,
        "from_category": topic.category,
        "to_category": category,
    }
    topic.kind = kind
    topic.category = category
    audit.record(moderator, "move", target_kind="topic", target_id=topic.id, reason=reason.strip(), **details)
    db.session.commit()
    return topic


def record_moderator_edit(editor: User, post: Post) -> None:
    """Called by posting's edit verbs inside their transaction: a moderator edited someone's post."""
    if editor.is_moderator and editor.id != post.author_id:
        audit.record(editor, "edit", target_kind=post_kind(post), target_id=post.id)


# --- flags --------------------------------------------------------------------------------------


@dataclass
class FlagResult:
    flag: Flag
    hidden: bool


def flag_post(member: User, post: Post, reason: str, note: str = "") -> FlagResult:
    if not permissions.can_participate(member):
        raise NotAllowed("Only confirmed members who are not suspended can flag posts.")
    visible = (
        permissions.can_view_topic(member, post)
        if isinstance(post, Topic)
        else permissions.can_view_reply(member, post) and permissions.can_view_topic(member, post.topic)
    )
    if not visible:
        raise NotFound("That post does not exist.")
    if post.author_id == member.id:
        raise NotAllowed("You cannot flag your own post; edit it instead.")
    if reason not in FLAG_REASONS:
        raise ServiceError("Choose a reason.", field="reason")
    note = note.strip()
    if reason == "other" and not note:
        raise ServiceError("Tell the moderators what is wrong.", field="note")
    kind = post_kind(post)
    already = db.session.scalar(
        sa.select(Flag.id).where(
            Flag.user_id == member.id, Flag.target_kind == kind, Flag.target_id == post.id
        )
    )
    if already is not None:
        raise Conflict("You have already flagged this post. Thank you.")
    flag = Flag(user_id=member.id, target_kind=kind, target_id=post.id, reason=reason, note=note[:500])
    db.session.add(flag)
    db.session.flush()
    flaggers = (
        db.session.scalar(
            sa.select(sa.func.count(sa.distinct(Flag.user_id))).where(
                Flag.target_kind == kind, Flag.target_id == post.id, Flag.resolved_at.is_(None)
            )
        )
        or 0
    )
    hidden = False
    if flaggers >= current_app.config["FLAG_HIDE_THRESHOLD"] and post.state == "published":
        _set_state(post, "hidden", FLAG_HIDE_REASON)
        audit.record(None, "auto_hide", target_kind=kind, target_id=post.id, flaggers=flaggers)
        hidden = True
    try:
        db.session.commit()
    except sa.exc.IntegrityError as exc:  # the same member flagging twice at once
        db.session.rollback()
        raise Conflict("You have already flagged this post. Thank you.") from exc
    return FlagResult(flag=flag, hidden=hidden)


def resolve_flags(moderator: User, post: Post, agree: bool, reason: str = "") -> int:
    """Agree: hide the post. Disagree: dismiss the flags and undo a hide that the flags caused."""
    _require_moderator(moderator)
    kind = post_kind(post)
    reason = reason.strip()
    previous = post.state
    if agree:
        count = _resolve_open_flags(moderator, post, "agreed")
        if not count:
            raise Conflict("There are no open flags on this post.")
        if post.state != "hidden":
            _set_state(post, "hidden", reason or "Hidden by a moderator after members flagged it.")
            message = f"A moderator hid {_describe(post)}: {post.moderation_reason}"
            _tell_author(moderator, post, "hide", message)
        elif reason:
            post.moderation_reason = reason
    else:
        count = _resolve_open_flags(moderator, post, "dismissed")
        if not count:
            raise Conflict("There are no open flags on this post.")
        if post.state == "hidden" and post.moderation_reason == FLAG_HIDE_REASON:
            _set_state(post, "published", None)
    audit.record(
        moderator,
        "flags_agree" if agree else "flags_dismiss",
        target_kind=kind,
        target_id=post.id,
        reason=reason,
        flags=count,
        previous_state=previous,
        state=post.state,
    )
    db.session.commit()
    return count


# --- tags ---------------------------------------------------------------------------------------


def _tag_slug(raw: str) -> str:
    slug = slugify(raw, max_length=40)
    if not slug:
        raise ServiceError("Give the tag a slug: letters, digits and dashes.", field="slug")
    return slug


def _slug_taken(slug: str, allow_synonym_of: Tag | None = None) -> bool:
    if db.session.scalar(sa.select(Tag.id).where(Tag.slug == slug)) is not None:
        return True
    synonym = db.session.scalar(sa.select(TagSynonym).where(TagSynonym.slug == slug))
    return synonym is not None and (allow_synonym_of is None or synonym.tag_id != allow_synonym_of.id)


def create_tag(moderator: User, kind: str, slug: str, name: str, description: str = "") -> Tag:
    _require_moderator(moderator)
    if kind not in TAG_KINDS:
        raise ServiceError("Choose platform or trend.", field="kind")
    name = name.strip()
    if not name:
        raise ServiceError("Give the tag a name.", field="name")
    slug = _tag_slug(slug or name)
    if _slug_taken(slug):
        raise Conflict(f"“{slug}” is already a tag or a synonym.", field="slug")
    tag = Tag(kind=kind, slug=slug, name=name[:120], description=description.strip())
    db.session.add(tag)
    db.session.flush()
    audit.record(moderator, "tag_create", target_kind="tag", target_id=tag.id, slug=slug, kind=kind)
    db.session.commit()
    return tag


def update_tag(moderator: User, tag: Tag, slug: str, name: str, description: str) -> Tag:
    """Rename or describe; a changed slug keeps the old one as a synonym so old links still work."""
    _require_moderator(moderator)
    name = name.strip()
    if not name:
        raise ServiceError("Give the tag a name.", field="name")
    slug = _tag_slug(slug or tag.slug)
    changes: dict[str, Any] = {}
    if slug != tag.slug:
        if _slug_taken(slug, allow_synonym_of=tag):
            raise Conflict(f"“{slug}” is already a tag or a synonym.", field="slug")
        for synonym in list(tag.synonyms):
            if synonym.slug == slug:
                tag.synonyms.remove(synonym)
        db.session.flush()
        tag.synonyms.append(TagSynonym(slug=tag.slug))
        changes["slug"] = [tag.slug, slug]
        tag.slug = slug
    if name != tag.name:
        changes["name"] = [tag.name, name]
        tag.name = name[:120]
    if description.strip() != tag.description:
        changes["description"] = True
        tag.description = description.strip()
    if not changes:
        raise Conflict("Nothing changed.")
    audit.record(moderator, "tag_edit", target_kind="tag", target_id=tag.id, **changes)
    db.session.commit()
    return tag


def merge_tags(moderator: User, source: Tag, target: Tag) -> Tag:
    """Fold `source` into `target`: its topics, followers and synonyms move; its slug redirects."""
    _require_moderator(moderator)
    if source.id == target.id:
        raise ServiceError("Choose another tag to merge into.", field="target")
    if source.kind != target.kind:
        kind = TAG_KINDS[source.kind].lower()
        raise ServiceError(f"Merge a {kind} tag into another {kind} tag.", field="target")
    has_source = sa.exists().where(topic_tag.c.topic_id == Topic.id, topic_tag.c.tag_id == source.id)
    # Through the ORM, topic by topic, so every retagged topic reaches the search change log.
    topics = list(db.session.scalars(sa.select(Topic).where(has_source)))
    for topic in topics:
        tags = [t for t in topic.tags if t.id != source.id]
        if target not in tags:
            tags.append(target)
        topic.tags = tags
    members = list(
        db.session.scalars(
            sa.select(User).where(
                sa.exists().where(user_platform.c.user_id == User.id, user_platform.c.tag_id == source.id)
            )
        )
    )
    for member in members:
        platforms = [t for t in member.platforms if t.id != source.id]
        if target not in platforms:
            platforms.append(target)
        member.platforms = platforms
    followers = list(db.session.scalars(sa.select(TagFollow).where(TagFollow.tag_id == source.id)))
    already = set(
        db.session.scalars(
            sa.select(TagFollow.user_id).where(
                TagFollow.tag_id == target.id, TagFollow.user_id.in_([f.user_id for f in followers])
            )
        )
    )
    for follow in followers:
        if follow.user_id not in already:
            db.session.add(TagFollow(user_id=follow.user_id, tag_id=target.id, created_at=follow.created_at))
        db.session.delete(follow)
    for synonym in list(source.synonyms):
        synonym.tag = target
    source_slug, source_id = source.slug, source.id
    db.session.delete(source)
    db.session.flush()
    db.session.add(TagSynonym(slug=source_slug, tag=target))
    if not target.description and source.description:
        target.description = source.description
    audit.record(
        moderator,
        "tag_merge",
        target_kind="tag",
        target_id=target.id,
        source_slug=source_slug,
        source_id=source_id,
        into=target.slug,
        topics=len(topics),
        followers=len(followers),
    )
    db.session.commit()
    return target


# --- members ------------------------------------------------------------------------------------


def _check_can_act_on(moderator: User, member: User) -> None:
    _require_moderator(moderator)
    if member.id == moderator.id:
        raise NotAllowed("You cannot do that to your own account.")
    if member.is_admin or (member.is_moderator and not moderator.is_admin):
        raise NotAllowed("Only an admin can suspend a moderator, and nobody can suspend an admin here.")


def suspend_member(moderator: User, member: User, until: datetime, reason: str) -> User:
    _check_can_act_on(moderator, member)
    reason = reason.strip()
    if not reason:
        raise ServiceError("Say why: the member will see it.", field="reason")
    if until <= utcnow():
        raise ServiceError("Choose an end date in the future.", field="until")
    member.suspended_until = until
    member.suspension_reason = reason[:500]
    audit.record(moderator, "suspend", target_kind="user", target_id=member.id, reason=reason, until=until)
    db.session.commit()
    return member


def unsuspend_member(moderator: User, member: User, reason: str = "") -> User:
    _require_moderator(moderator)
    if not member.is_suspended():
        raise Conflict("This member is not suspended.")
    if member.is_moderator and not moderator.is_admin:
        raise NotAllowed("Only an admin can change a moderator's suspension.")
    member.suspended_until = None
    member.suspension_reason = None
    audit.record(moderator, "unsuspend", target_kind="user", target_id=member.id, reason=reason.strip())
    db.session.commit()
    return member


def set_role(admin: User, member: User, role: str) -> User:
    """Admins grant and remove the moderator role (making admins stays on the command line)."""
    if not admin.is_admin:
        raise NotAllowed("Only admins can change roles.")
    if role not in GRANTABLE_ROLES:
        raise ServiceError("Choose member or moderator.", field="role")
    if member.id == admin.id or member.is_admin:
        raise NotAllowed("Change an admin's role with `flask benefit set-role`.")
    if member.role == role:
        raise Conflict(f"{member.display_name} is already a {role}.")
    previous = member.role
    member.role = role
    audit.record(admin, "set_role", target_kind="user", target_id=member.id, previous=previous, role=role)
    db.session.commit()
    return member
