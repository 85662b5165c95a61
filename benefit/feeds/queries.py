"""What the feeds list: the latest public topics, of the whole site or of one tag."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from benefit.extensions import db
from benefit.models import Tag, Topic, topic_tag
from benefit.permissions import topic_visibility

FEED_LENGTH = 30


def latest_public(tag: Tag | None = None, limit: int = FEED_LENGTH) -> list[Topic]:
    # Feed readers fetch anonymously: public topics only, whoever is logged in.
    stmt = sa.select(Topic).where(topic_visibility(None))
    if tag is not None:
        stmt = stmt.where(sa.exists().where(topic_tag.c.topic_id == Topic.id, topic_tag.c.tag_id == tag.id))
    stmt = stmt.order_by(Topic.created_at.desc(), Topic.id.desc()).options(selectinload(Topic.tags))
    return list(db.session.scalars(stmt.limit(limit)))
