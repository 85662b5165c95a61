"""What a digest holds for one recipient: the period's best, only what they may see, or None."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import selectinload

from benefit.digests.links import SiteLinks
from benefit.digests.period import Period
from benefit.extensions import db
from benefit.i18n import current_locale
from benefit.markup import plain_excerpt
from benefit.models import Reply, Subscription, TagFollow, Topic, Vote, topic_tag
from benefit.permissions import topic_visibility

EXCERPT_LENGTH = 220


@dataclass(frozen=True)
class DigestItem:
    title: str
    url: str
    tags: list[str]
    excerpt: str
    votes: int
    replies: int
    new_votes: int
    new_replies: int
    is_new: bool

    # The post's own language, for `lang` on its title and excerpt (WCAG 3.1.2).
    language: str = "en"
    # The tags' Polish names, where they have one (same order as `tags`).
    tags_pl: tuple[str, ...] = ()

    @property
    def tag_names(self) -> list[str]:
        """The tags as the recipient's language names them (read when the mail is rendered)."""
        if self.tags_pl and current_locale() == "pl":
            return [pl or name for name, pl in zip(self.tags, self.tags_pl, strict=False)]
        return self.tags

    @property
    def stats(self) -> str:
        """E.g. "new, 2 replies" or "14 “I've seen this” votes (3 new), 5 replies".

        Read when the mail is rendered, so in the recipient's language.
        """
        parts = [_("new")] if self.is_new else []
        if self.votes or self.new_votes:
            if self.new_votes and not self.is_new:
                parts.append(
                    ngettext(
                        "%(num)d “I've seen this” vote (%(new)d new)",
                        "%(num)d “I've seen this” votes (%(new)d new)",
                        self.votes,
                        new=self.new_votes,
                    )
                )
            else:
                parts.append(
                    ngettext("%(num)d “I've seen this” vote", "%(num)d “I've seen this” votes", self.votes)
                )
        if self.new_replies and not self.is_new:
            parts.append(
                ngettext(
                    "%(num)d reply (%(new)d new)",
                    "%(num)d replies (%(new)d new)",
                    self.replies,
                    new=self.new_replies,
                )
            )
        else:
            parts.append(ngettext("%(num)d reply", "%(num)d replies", self.replies))
        return ", ".join(parts)


@dataclass(frozen=True)
class Digest:
    period: Period
    practices: list[DigestItem] = field(default_factory=list)
    mistakes: list[DigestItem] = field(default_factory=list)
    discussions: list[DigestItem] = field(default_factory=list)
    only_followed_tags: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.practices or self.mistakes or self.discussions)


class Collector:
    """Collects digests for one period; recipients who see the same thing share one result."""

    def __init__(self, period: Period, limit: int | None = None) -> None:
        self.period = period
        self.limit = limit or int(current_app.config["DIGEST_ITEMS_PER_SECTION"])
        self.links = SiteLinks()
        # Key: None for everything, else the followed tag ids.
        self._cache: dict[frozenset[int] | None, Digest | None] = {}

    def followed_tags(self, user_ids: Iterable[int]) -> dict[int, frozenset[int]]:
        """The tags each of these members follows, in one statement."""
        ids = set(user_ids)
        found: dict[int, set[int]] = {i: set() for i in ids}
        if ids:
            rows = db.session.execute(
                sa.select(TagFollow.user_id, TagFollow.tag_id).where(TagFollow.user_id.in_(ids))
            )
            for user_id, tag_id in rows:
                found[user_id].add(tag_id)
        return {user_id: frozenset(tags) for user_id, tags in found.items()}

    def for_subscription(
        self, sub: Subscription, followed: dict[int, frozenset[int]] | None = None
    ) -> Digest | None:
        if not (sub.only_followed_tags and sub.user_id is not None):
            return self.collect(None)
        if followed is None or sub.user_id not in followed:
            followed = self.followed_tags([sub.user_id])
        return self.collect(followed[sub.user_id])

    def collect(self, tag_ids: frozenset[int] | None) -> Digest | None:
        if tag_ids not in self._cache:
            self._cache[tag_ids] = self._collect(tag_ids)
        return self._cache[tag_ids]

    def _collect(self, tag_ids: frozenset[int] | None) -> Digest | None:
        if tag_ids is not None and not tag_ids:
            return None  # only followed tags, and none followed
        start, end = self.period.start, self.period.end
        created_in_period = sa.and_(Topic.created_at >= start, Topic.created_at < end)
        new_votes, new_replies = self._new_counts()
        columns = (new_votes, new_replies)
        practices = self._section(
            "practice",
            created_in_period,
            columns,
            tag_ids,
            (Topic.vote_count + Topic.reply_count).desc(),
            Topic.created_at.desc(),
        )
        mistakes = self._section(
            "mistake",
            sa.or_(created_in_period, new_votes > 0),
            columns,
            tag_ids,
            new_votes.desc(),
            Topic.vote_count.desc(),
        )
        discussions = self._section(
            "discussion",
            sa.or_(created_in_period, new_replies > 0),
            columns,
            tag_ids,
            new_replies.desc(),
            Topic.last_activity_at.desc(),
        )
        digest = Digest(
            self.period,
            practices=practices,
            mistakes=mistakes,
            discussions=discussions,
            only_followed_tags=tag_ids is not None,
        )
        return None if digest.is_empty else digest

    def _new_counts(self) -> tuple[sa.ScalarSelect[int], sa.ScalarSelect[int]]:
        """Per topic: its votes and its published replies in the period."""
        start, end = self.period.start, self.period.end
        new_votes = (
            sa.select(sa.func.count(Vote.id))
            .where(Vote.topic_id == Topic.id, Vote.created_at >= start, Vote.created_at < end)
            .correlate(Topic)
            .scalar_subquery()
        )
        new_replies = (
            sa.select(sa.func.count(Reply.id))
            .where(
                Reply.topic_id == Topic.id,
                Reply.state == "published",
                Reply.created_at >= start,
                Reply.created_at < end,
            )
            .correlate(Topic)
            .scalar_subquery()
        )
        return new_votes, new_replies

    def _section(
        self,
        kind: str,
        where: sa.ColumnElement[bool],
        counts: tuple[sa.ScalarSelect[int], sa.ScalarSelect[int]],
        tag_ids: frozenset[int] | None,
        *order: sa.UnaryExpression[Any],
    ) -> list[DigestItem]:
        # Everything in a digest is public: published, not merged, whoever receives it.
        stmt = (
            sa.select(Topic, *counts)
            .where(Topic.kind == kind, topic_visibility(None), where)
            .order_by(*order, Topic.id.desc())
            .options(selectinload(Topic.tags))
            .limit(self.limit)
        )
        if tag_ids is not None:
            stmt = stmt.where(
                sa.exists().where(topic_tag.c.topic_id == Topic.id, topic_tag.c.tag_id.in_(tag_ids))
            )
        return [self._item(t, v, r) for t, v, r in db.session.execute(stmt)]

    def _item(self, topic: Topic, new_votes: int, new_replies: int) -> DigestItem:
        return DigestItem(
            title=topic.title,
            url=self.links.url("forum.topic", topic_id=topic.id, slug=topic.slug),
            tags=[t.name for t in topic.tags],
            excerpt=plain_excerpt(topic.body_html, EXCERPT_LENGTH),
            votes=topic.vote_count,
            replies=topic.reply_count,
            new_votes=new_votes,
            new_replies=new_replies,
            is_new=self.period.start <= topic.created_at < self.period.end,
            language=topic.language,
            tags_pl=tuple(t.name_pl for t in topic.tags),
        )


def collect_digest(sub: Subscription, period: Period) -> Digest | None:
    """What `sub` gets for `period`, or None when nothing is new for them."""
    return Collector(period).for_subscription(sub)
