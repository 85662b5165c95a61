"""Posting: start a topic, reply, edit; every edit keeps a revision."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from slugify import slugify

from benefit import permissions
from benefit.community import actions as social
from benefit.extensions import db
from benefit.forum.atomic import rollback_on_refusal
from benefit.forum.tags import resolve_tags
from benefit.i18n import format_day
from benefit.markup import render_markdown
from benefit.models import (
    KINDS,
    LIBRARY_TYPES,
    MISTAKE_CATEGORIES,
    Reply,
    Revision,
    Topic,
    User,
    utcnow,
)
from benefit.models.forum import POST_LANGUAGES
from benefit.moderation.actions import record_moderator_edit
from benefit.refusals import NotAllowed, NotFound, ServiceError, Suspended, TopicLocked


@dataclass
class TopicDraft:
    kind: str
    title: str
    body: str
    # The language the post is written in (POST_LANGUAGES); None leaves it as it is ("en" when new).
    language: str | None = None
    platforms: list[str] = field(default_factory=list)
    trends: list[str] = field(default_factory=list)
    # Mistakes only.
    category: str | None = None
    how_to_avoid: str = ""
    evidence_links: list[str] = field(default_factory=list)
    library_types: list[str] = field(default_factory=list)
    avoided_by: list[int] = field(default_factory=list)
    # Shown publicly as "a member": chosen when reporting a mistake, kept through every move and edit.
    is_anonymous: bool = False
    # The reporter's explicit "yes, show my name on this post", needed to give anonymity up.
    show_my_name: bool = False


# Words used as actions under /t/<id>/…: a slug equal to one would never reach the topic.
RESERVED_SLUGS = frozenset(
    "bookmark edit flag follow history merge outdated reply unbookmark unfollow vote".split()
)


def make_slug(title: str) -> str:
    slug = slugify(title, max_length=80, word_boundary=True) or "topic"
    return f"{slug}-topic" if slug in RESERVED_SLUGS else slug


def check_can_post(user: User) -> None:
    if user.is_suspended():
        until = format_day(user.suspended_until)
        reason = user.suspension_reason or _("no reason given")
        raise Suspended(
            _("Your account is suspended until %(until)s: %(reason)s.", until=until, reason=reason)
        )
    if user.email_confirmed_at is None:
        raise NotAllowed(_("Confirm your email address before posting. Check your inbox."))
    if user.is_deleted:
        raise NotAllowed(_("This account has been deleted."))


def needs_review(user: User) -> bool:
    return not user.is_moderator and user.approved_post_count < current_app.config["REVIEW_FIRST_POSTS"]


def has_letter_or_digit(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _check_text(draft: TopicDraft) -> None:
    if not has_letter_or_digit(draft.title):
        raise ServiceError(_("A title needs at least one letter or digit."), field="title")
    if not draft.body.strip():
        raise ServiceError(_("Write the text of your post."), field="body")


def _apply_draft(topic: Topic, draft: TopicDraft) -> list[User]:
    """Fill the topic from the draft; return the members it @mentions (linked in the HTML).

    Anonymity is not the draft's to change: start_topic and edit_topic decide it.
    """
    if draft.kind not in KINDS:
        raise ServiceError(_("Choose practice, discussion or mistake."), field="kind")
    _check_text(draft)
    platforms = resolve_tags(draft.platforms, "platform")
    trends = resolve_tags(draft.trends, "trend")
    if draft.kind == "mistake":
        if draft.category not in MISTAKE_CATEGORIES:
            raise ServiceError(_("Choose the category of this mistake."), field="category")
        if not draft.how_to_avoid.strip():
            raise ServiceError(_("Say how to avoid this mistake."), field="how_to_avoid")
        unknown = [t for t in draft.library_types if t not in LIBRARY_TYPES]
        if unknown:
            raise ServiceError(_("Choose library types from the list."), field="library_types")
    elif not platforms:
        raise ServiceError(_("Tag at least one platform."), field="platforms")
    how_to_avoid = draft.how_to_avoid if draft.kind == "mistake" else ""
    mentioned = social.resolve_mentions(draft.body, how_to_avoid)
    names = [u.username for u in mentioned]
    topic.kind = draft.kind
    topic.title = draft.title.strip()
    topic.slug = make_slug(topic.title)
    topic.body = draft.body
    if draft.language is not None:
        topic.language = _language(draft.language)
    topic.body_html = render_markdown(draft.body, mentions=names)
    topic.tags = platforms + trends
    if draft.kind == "mistake":
        topic.category = draft.category
        topic.how_to_avoid = draft.how_to_avoid
        topic.how_to_avoid_html = render_markdown(draft.how_to_avoid, mentions=names)
        topic.evidence_links = "\n".join(link.strip() for link in draft.evidence_links)
        topic.library_types = ",".join(draft.library_types)
        topic.avoided_by = _practices(draft.avoided_by)
    else:
        topic.category = None
        topic.how_to_avoid = topic.how_to_avoid_html = topic.evidence_links = ""
        topic.library_types = ""
        topic.avoided_by = []
    return mentioned


def _language(code: str) -> str:
    if code not in POST_LANGUAGES:
        raise ServiceError(_("Choose the language the post is written in."), field="language")
    return code


def _practices(ids: list[int]) -> list[Topic]:
    if not ids:
        return []
    found = list(
        db.session.scalars(
            sa.select(Topic).where(Topic.id.in_(ids), Topic.kind == "practice", Topic.state == "published")
        )
    )
    if len(found) != len(set(ids)):
        raise ServiceError(_("Link only published practices."), field="avoided_by")
    return found


@rollback_on_refusal
def start_topic(author: User, draft: TopicDraft) -> Topic:
    check_can_post(author)
    topic = Topic(author=author)
    mentioned = _apply_draft(topic, draft)
    # Reporting a mistake is when a member may need not to be named (see the form's help).
    topic.is_anonymous = draft.is_anonymous and draft.kind == "mistake"
    topic.state = "pending" if needs_review(author) else "published"
    topic.last_activity_at = topic.created_at = utcnow()
    db.session.add(topic)
    db.session.flush()
    social.follow_in_transaction(author, topic)
    # A pending topic notifies nobody: its approval announces it.
    social.announce_topic(topic, mentioned)
    db.session.commit()
    return topic


def _record_revision(topic: Topic, reply: Reply | None, editor: User) -> None:
    """Keep the content as it stood before this edit; the current one is on the row."""
    db.session.add(
        Revision(
            topic_id=topic.id,
            reply_id=reply.id if reply else None,
            editor_id=editor.id,
            title="" if reply else topic.title,
            body=reply.body if reply else topic.body,
        )
    )


GIVE_UP_ANONYMITY = _l(
    "If you untick this box, your name will show on this post, in lists, feeds and search results. "
    "To do that, also tick “Yes, show my name on this post”; to stay “a member”, tick this box again."
)


def _anonymity_after_edit(editor: User, topic: Topic, draft: TopicDraft) -> bool:
    """Anonymity is the reporter's decision: it survives every move and edit, whatever the kind.

    A moderator's edit never changes it; the reporter gives it up only with the explicit
    `show_my_name`, and may take it up on a mistake as when reporting one.
    """
    if editor.id != topic.author_id:
        return topic.is_anonymous
    if topic.is_anonymous and not draft.is_anonymous:
        if not draft.show_my_name:
            raise ServiceError(str(GIVE_UP_ANONYMITY), field="is_anonymous")
        return False
    return topic.is_anonymous or (draft.is_anonymous and draft.kind == "mistake")


@rollback_on_refusal
def edit_topic(editor: User, topic: Topic, draft: TopicDraft) -> Topic:
    if not permissions.can_edit_topic(editor, topic):
        raise NotAllowed(_("You can only edit your own posts."))
    anonymous = _anonymity_after_edit(editor, topic, draft)
    if topic.title == draft.title.strip() and topic.body == draft.body:
        changed_text = False
    else:
        changed_text = True
        _record_revision(topic, None, editor)
    mentioned = _apply_draft(topic, draft)
    topic.is_anonymous = anonymous
    if changed_text:
        topic.updated_at = utcnow()
    # Members newly mentioned by the edit hear of it; the others were told already.
    social.announce_topic(topic, mentioned)
    record_moderator_edit(editor, topic)
    db.session.commit()
    return topic


def _check_reply_text(body: str) -> None:
    if not body.strip():
        raise ServiceError(_("Write something to reply."), field="body")


@rollback_on_refusal
def reply_to_topic(author: User, topic: Topic, body: str, language: str = "en") -> Reply:
    check_can_post(author)
    _check_reply_text(body)
    language = _language(language)
    if not permissions.can_view_topic(author, topic):
        raise NotFound(_("That topic does not exist."))
    if topic.is_locked and not author.is_moderator:
        raise TopicLocked(_("This topic is locked: it takes no new replies."))
    if topic.state != "published":
        raise NotAllowed(_("Replies open when the topic is published."))
    mentioned = social.resolve_mentions(body)
    body_html = render_markdown(body, mentions=[u.username for u in mentioned])
    reply = Reply(topic=topic, author=author, body=body, body_html=body_html, language=language)
    reply.state = "pending" if needs_review(author) else "published"
    db.session.add(reply)
    if reply.state == "published":
        topic.reply_count = Topic.reply_count + 1
        topic.last_activity_at = utcnow()
    db.session.flush()
    social.follow_in_transaction(author, topic)
    # Same transaction as the reply; a pending reply notifies nobody until it is approved.
    social.announce_reply(reply, mentioned)
    db.session.commit()
    return reply


@rollback_on_refusal
def edit_reply(editor: User, reply: Reply, body: str, language: str | None = None) -> Reply:
    if not permissions.can_edit_reply(editor, reply):
        raise NotAllowed(_("You can only edit your own replies."))
    _check_reply_text(body)
    if language is not None:
        reply.language = _language(language)
    if body != reply.body:
        _record_revision(reply.topic, reply, editor)
        mentioned = social.resolve_mentions(body)
        reply.body = body
        reply.body_html = render_markdown(body, mentions=[u.username for u in mentioned])
        reply.updated_at = utcnow()
        # Only members newly mentioned by the edit hear of it; followers heard of the reply already.
        social.announce_reply(reply, mentioned, include_followers=False)
        record_moderator_edit(editor, reply)
    db.session.commit()
    return reply
