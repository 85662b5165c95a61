"""The forum's template globals and its address helpers (other features import these, not views).

Every global is pure: it reads what the view loaded and never runs SQL while a page renders.
`reply_url` counts the replies before one (a query) and is for views and actions' callers, not
templates.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_request_context, request, url_for
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup

from benefit import permissions
from benefit.forum import queries
from benefit.i18n import current_locale
from benefit.models import Reply, Tag, Topic
from benefit.models.forum import KIND_PLURAL_LABELS, POST_LANGUAGES

TAG_URL_CACHE_SIZE = 10_000


def vote_phrase(count: int) -> str:
    """What follows the count in "3 members have seen this" (the count is shown on its own)."""
    return str(ngettext("member has seen this", "members have seen this", count))


def vote_sentence(count: int) -> str:
    """ "3 members have seen this.", a whole sentence for a screen reader's announcement."""
    return str(ngettext("%(num)d member has seen this.", "%(num)d members have seen this.", count))


def tag_name(tag: Tag) -> tuple[str, str]:
    """The tag's name in the reader's language, and that language (for `lang`)."""
    return tag.localized_name(current_locale())


def tag_description(tag: Tag) -> tuple[str, str]:
    return tag.localized_description(current_locale())


_TITLE = re.compile(r"\*([^*]+)\*")


def tag_text(text: str) -> Markup:
    """A tag description as HTML: the taxonomy writes a work's title as `*The Librarian Is In*`;
    it becomes a `<cite>` in the title's own language (English in the taxonomy), not asterisks."""
    # split() with one group alternates plain text and titles; join() escapes the plain parts.
    parts = _TITLE.split(text)
    return Markup("").join(
        Markup('<cite lang="en">{}</cite>').format(part) if i % 2 else part for i, part in enumerate(parts)
    )


def avoiding_practices(topic: Topic) -> list[Topic] | None:
    """The visible practices that avoid a mistake, when the list preloaded them (else None).

    Lists preload `avoided_by` in one statement; a template never triggers a query per topic.
    """
    if "avoided_by" in sa.inspect(topic).unloaded:
        return None
    return [p for p in topic.avoided_by if permissions.can_view_topic(current_user, p)]


def topic_url(topic: Topic, **args: Any) -> str:
    """The topic's canonical address (with its slug); `args` become the query string or `_anchor`."""
    return url_for("forum.topic", topic_id=topic.id, slug=topic.slug, **args)


def reply_url(reply: Reply, **args: Any) -> str:
    """The page of the topic that shows this reply to the current user, with the reply's anchor."""
    before = queries.replies_before(current_user, reply)
    page = before // current_app.config["REPLIES_PER_PAGE"] + 1
    if page > 1:
        args["page"] = page
    return topic_url(reply.topic, _anchor=f"reply-{reply.id}", **args)


def post_url(post: Topic | Reply) -> str:
    """Where a topic or a reply is read."""
    return topic_url(post) if isinstance(post, Topic) else reply_url(post)


def _tag_url_builder() -> Any:
    built: dict[tuple[str, str], str] = {}

    def tag_url(slug: str) -> str:
        """A tag's address, built once per app: every list links every topic's tags."""
        if not has_request_context():
            return url_for("forum.tag", slug=slug)
        key = (request.script_root, slug)
        found = built.get(key)
        if found is None:
            if len(built) >= TAG_URL_CACHE_SIZE:
                built.clear()
            found = built[key] = url_for("forum.tag", slug=slug)
        return found

    return tag_url


def init_app(app: Flask) -> None:
    app.jinja_env.filters["tag_text"] = tag_text
    app.jinja_env.globals.update(
        vote_phrase=vote_phrase,
        tag_name=tag_name,
        tag_description=tag_description,
        KIND_PLURAL_LABELS=KIND_PLURAL_LABELS,
        POST_LANGUAGES=POST_LANGUAGES,
        avoiding_practices=avoiding_practices,
        topic_url=topic_url,
        tag_url=_tag_url_builder(),
    )
