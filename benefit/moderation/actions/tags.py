"""Moderators' verbs on tags: create, rename or describe, merge one into another."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from slugify import slugify

from benefit.extensions import db
from benefit.models import TAG_KINDS, Tag, TagFollow, TagSynonym, Topic, User, topic_tag, user_platform
from benefit.moderation import audit
from benefit.moderation.actions.common import one_transaction, require_moderator
from benefit.refusals import Conflict, ServiceError


def _tag_slug(raw: str) -> str:
    slug = slugify(raw, max_length=40)
    if not slug:
        raise ServiceError(_("Give the tag a slug: letters, digits and dashes."), field="slug")
    return slug


def _slug_taken(slug: str, allow_synonym_of: Tag | None = None) -> bool:
    if db.session.scalar(sa.select(Tag.id).where(Tag.slug == slug)) is not None:
        return True
    synonym = db.session.scalar(sa.select(TagSynonym).where(TagSynonym.slug == slug))
    return synonym is not None and (allow_synonym_of is None or synonym.tag_id != allow_synonym_of.id)


@one_transaction
def create_tag(moderator: User, kind: str, slug: str, name: str, description: str = "") -> Tag:
    require_moderator(moderator)
    if kind not in TAG_KINDS:
        raise ServiceError(_("Choose platform or trend."), field="kind")
    name = name.strip()
    if not name:
        raise ServiceError(_("Give the tag a name."), field="name")
    slug = _tag_slug(slug or name)
    if _slug_taken(slug):
        raise Conflict(_("“%(slug)s” is already a tag or a synonym.", slug=slug), field="slug")
    tag = Tag(kind=kind, slug=slug, name=name[:120], description=description.strip())
    db.session.add(tag)
    db.session.flush()
    audit.record(moderator, "tag_create", target_kind="tag", target_id=tag.id, slug=slug, kind=kind)
    return tag


def _change_slug(tag: Tag, slug: str) -> None:
    """The old slug becomes a synonym, so old links still work; a synonym that is the new slug goes."""
    if _slug_taken(slug, allow_synonym_of=tag):
        raise Conflict(_("“%(slug)s” is already a tag or a synonym.", slug=slug), field="slug")
    for synonym in list(tag.synonyms):
        if synonym.slug == slug:
            tag.synonyms.remove(synonym)
    db.session.flush()
    tag.synonyms.append(TagSynonym(slug=tag.slug))
    tag.slug = slug


@one_transaction
def update_tag(moderator: User, tag: Tag, slug: str, name: str, description: str) -> Tag:
    """Rename or describe; a changed slug keeps the old one as a synonym so old links still work."""
    require_moderator(moderator)
    name = name.strip()
    if not name:
        raise ServiceError(_("Give the tag a name."), field="name")
    slug = _tag_slug(slug or tag.slug)
    changes: dict[str, Any] = {}
    if slug != tag.slug:
        changes["slug"] = [tag.slug, slug]
        _change_slug(tag, slug)
    if name != tag.name:
        changes["name"] = [tag.name, name]
        tag.name = name[:120]
    if description.strip() != tag.description:
        changes["description"] = True
        tag.description = description.strip()
    if not changes:
        raise Conflict(_("Nothing changed."))
    audit.record(moderator, "tag_edit", target_kind="tag", target_id=tag.id, **changes)
    return tag


def _retag_topics(source: Tag, target: Tag) -> int:
    has_source = sa.exists().where(topic_tag.c.topic_id == Topic.id, topic_tag.c.tag_id == source.id)
    # Through the ORM, topic by topic, so every retagged topic reaches the search change log.
    topics = list(db.session.scalars(sa.select(Topic).where(has_source)))
    for topic in topics:
        tags = [t for t in topic.tags if t.id != source.id]
        if target not in tags:
            tags.append(target)
        topic.tags = tags
    return len(topics)


def _move_member_platforms(source: Tag, target: Tag) -> None:
    has_source = sa.exists().where(user_platform.c.user_id == User.id, user_platform.c.tag_id == source.id)
    for member in db.session.scalars(sa.select(User).where(has_source)):
        platforms = [t for t in member.platforms if t.id != source.id]
        if target not in platforms:
            platforms.append(target)
        member.platforms = platforms


def _move_followers(source: Tag, target: Tag) -> int:
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
    return len(followers)


@one_transaction
def merge_tags(moderator: User, source: Tag, target: Tag) -> Tag:
    """Fold `source` into `target`: its topics, followers and synonyms move; its slug redirects."""
    require_moderator(moderator)
    if source.id == target.id:
        raise ServiceError(_("Choose another tag to merge into."), field="target")
    if source.kind != target.kind:
        if source.kind == "platform":
            raise ServiceError(_("Merge a platform tag into another platform tag."), field="target")
        raise ServiceError(_("Merge a trend tag into another trend tag."), field="target")
    topics = _retag_topics(source, target)
    _move_member_platforms(source, target)
    followers = _move_followers(source, target)
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
        topics=topics,
        followers=followers,
    )
    return target
