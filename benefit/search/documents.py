"""Topic → search document: a plain dict holding the topic and the text of its published replies.

One document per topic, with its published replies folded in: results, facet counts, sorting and
pagination are all per topic (what a reader opens), and a reply change re-indexes its topic.
Never an email address; never the author of an anonymous mistake report.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from benefit.models import Reply, Topic
from benefit.search.engine import Document

# How much of a topic's reply text is indexed: the published replies' plain text, oldest first, up
# to this many characters per topic (about 30,000 words, a few hundred long replies), cut at the last
# whole word. Words in later replies are not searchable; the topic is still found by its title, its
# text and its earlier replies. The limit keeps a topic with thousands of replies a document of
# bounded size: every reply to it re-indexes the whole document, in the indexer's batch.
MAX_REPLY_TEXT = 200_000
_TAG_RE = re.compile(r"<[^>]+>")
_SPACE_RE = re.compile(r"\s+")


def plain_text(rendered_html: str) -> str:
    """Sanitised HTML → the words a reader sees (tags become spaces so words never merge)."""
    return _SPACE_RE.sub(" ", html.unescape(_TAG_RE.sub(" ", rendered_html))).strip()


def effective_state(topic: Topic) -> str:
    return "merged" if topic.merged_into_id is not None else topic.state


def topic_body_text(topic: Topic) -> str:
    parts = [plain_text(topic.body_html)]
    if topic.kind == "mistake" and topic.how_to_avoid_html:
        parts.append(plain_text(topic.how_to_avoid_html))
    return "\n".join(p for p in parts if p)


def indexed_reply_text(reply_texts: Iterable[str]) -> str:
    """The reply text a topic's document holds: at most MAX_REPLY_TEXT characters, whole words."""
    joined = "\n".join(reply_texts)
    head = joined[:MAX_REPLY_TEXT]
    if len(joined) <= MAX_REPLY_TEXT or head[-1].isspace() or joined[MAX_REPLY_TEXT].isspace():
        return head
    # The limit falls inside a word: leave that word out rather than index a piece of it.
    words = head.rsplit(None, 1)
    return words[0] if len(words) == 2 else head


def topic_document(topic: Topic, reply_texts: Iterable[str] = ()) -> Document:
    replies = indexed_reply_text(reply_texts)
    show_author = not topic.is_anonymous and not topic.author.is_deleted
    doc: Document = {
        "id": str(topic.id),
        "title": topic.title,
        "body": topic_body_text(topic),
        "replies": replies,
        "tags": " ".join(t.name for t in topic.tags),
        "kind": topic.kind,
        "platform": ",".join(t.slug for t in topic.tags if t.kind == "platform"),
        "trend": ",".join(t.slug for t in topic.tags if t.kind == "trend"),
        "category": topic.category or "",
        "author": topic.author.username.lower() if show_author else "",
        # Only for "your own posts awaiting review"; never offered to the query parser.
        "owner": str(topic.author_id),
        "state": effective_state(topic),
        "vote_count": topic.vote_count,
        "created_at": topic.created_at,
    }
    doc["digest"] = digest(doc)
    return doc


def digest(doc: Document) -> str:
    """A fingerprint of the document, stored in the index so `reconcile` can spot differences."""

    def default(value: Any) -> str:
        return value.isoformat() if isinstance(value, datetime) else str(value)

    payload = json.dumps({k: v for k, v in doc.items() if k != "digest"}, sort_keys=True, default=default)
    return hashlib.blake2b(payload.encode(), digest_size=12).hexdigest()


def load_documents(session: Session, topic_ids: Iterable[int]) -> dict[int, Document]:
    """Documents for the topics that still exist (a missing id means: delete it from the index)."""
    ids = sorted(set(topic_ids))
    if not ids:
        return {}
    topics = session.scalars(sa.select(Topic).where(Topic.id.in_(ids)).options(selectinload(Topic.tags)))
    texts: dict[int, list[str]] = defaultdict(list)
    rows = session.execute(
        sa.select(Reply.topic_id, Reply.body_html)
        .where(Reply.topic_id.in_(ids), Reply.state == "published")
        .order_by(Reply.topic_id, Reply.id)
    )
    for topic_id, body_html in rows:
        texts[topic_id].append(plain_text(body_html))
    return {t.id: topic_document(t, texts.get(t.id, ())) for t in topics}


def iter_all_documents(session: Session, chunk: int = 500) -> Iterator[Document]:
    """Every topic's document, in id order, a chunk of topics at a time (for rebuild and reconcile)."""
    last = 0
    while True:
        ids = list(
            session.scalars(sa.select(Topic.id).where(Topic.id > last).order_by(Topic.id).limit(chunk))
        )
        if not ids:
            return
        docs = load_documents(session, ids)
        for topic_id in ids:
            if topic_id in docs:
                yield docs[topic_id]
        last = ids[-1]
        session.expunge_all()


def count_topics(session: Session) -> int:
    return int(session.scalar(sa.select(sa.func.count(Topic.id))) or 0)
