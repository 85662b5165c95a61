"""Demo content for `flask benefit seed-demo`: the taxonomy, members and posts. Idempotent.

content.json holds members, practices, discussions and mistakes in English and Polish: each topic
and reply says its "language" ("pl" or "en", default "en"), a member may say their "locale".
Running it again adds only what is missing: new members, new topics (by title) and new replies
on topics that exist already.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benefit.extensions import db
from benefit.forum.actions import make_slug
from benefit.forum.tags import add_polish_synonyms, apply_polish_names, load_taxonomy
from benefit.markup import render_markdown
from benefit.models import Reply, Tag, Topic, User, Vote, utcnow

CONTENT = Path(__file__).resolve().parent / "content.json"
# Printed for people trying the demo; `seed-demo` refuses to run in production.
DEMO_PASSWORD = "benefit-demo-2026"
# The demo's history: topics from 60 to 21 days ago, at most MAX_GAP apart (so a digest sent
# right after seeding holds only what was posted since, not the demo).
HISTORY_START = timedelta(days=60)
HISTORY_END = timedelta(days=21)
MAX_GAP = timedelta(hours=9)
KINDS = (("practices", "practice"), ("discussions", "discussion"), ("mistakes", "mistake"))


@dataclass
class SeedReport:
    tags_created: int = 0
    tags_named_pl: int = 0
    synonyms_created: int = 0
    members_created: list[str] = field(default_factory=list)
    topics_created: int = 0
    replies_created: int = 0
    votes_created: int = 0


def seed_demo(content_path: Path = CONTENT) -> SeedReport:
    report = SeedReport(tags_created=load_taxonomy())
    db.session.flush()
    report.tags_named_pl = apply_polish_names()
    report.synonyms_created = add_polish_synonyms()
    db.session.flush()
    data: dict[str, Any] = json.loads(content_path.read_text(encoding="utf-8"))
    tags = {t.slug: t for t in db.session.scalars(sa.select(Tag))}
    seeder = _Seeder(tags, _members(data["members"], tags, report), report, data)
    practices: dict[str, Topic] = {}
    for item in interleaved(data["practices"]):
        practices[item["key"]] = seeder.topic("practice", item)
    for item in interleaved(data["discussions"]):
        seeder.topic("discussion", item)
    db.session.flush()
    for n, item in enumerate(interleaved(data["mistakes"])):
        seeder.mistake(item, n, practices)
    db.session.commit()
    return report


def interleaved(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items with the Polish ones spread evenly among the English ones (each language keeps
    its order), so every list page of the demo shows both languages."""
    english = [i for i in items if i.get("language", "en") != "pl"]
    polish = [i for i in items if i.get("language", "en") == "pl"]
    keyed = [((n + 0.5) / len(english), 0, item) for n, item in enumerate(english)]
    keyed += [((n + 0.5) / len(polish), 1, item) for n, item in enumerate(polish)]
    return [item for _, _, item in sorted(keyed, key=lambda k: (k[0], k[1]))]


class _Seeder:
    """Creates the topics and replies that are missing, each at its place in the demo's history."""

    def __init__(
        self, tags: dict[str, Tag], users: dict[str, User], report: SeedReport, data: dict[str, Any]
    ) -> None:
        self.tags, self.users, self.report = tags, users, report
        self.existing = {t.title: t for t in db.session.scalars(sa.select(Topic))}
        total = sum(len(data[key]) for key, _ in KINDS)
        self.gap = min(MAX_GAP, (HISTORY_START - HISTORY_END) / max(total, 1))
        self.start = utcnow() - HISTORY_START
        self.step = 0

    def topic(self, kind: str, item: dict[str, Any]) -> Topic:
        self.step += 1
        topic = self.existing.get(item["title"])
        if topic is not None:
            self._replies(topic, item.get("replies", []), topic.created_at, new=False)
            return topic
        when = self.start + self.gap * self.step
        topic = Topic(
            kind=kind,
            title=item["title"],
            slug=make_slug(item["title"]),
            body=item["body"],
            body_html=render_markdown(item["body"]),
            language=item.get("language", "en"),
            author=self.users[item["author"]],
            created_at=when,
            last_activity_at=when,
            reply_count=0,
            vote_count=0,
            tags=[self.tags[s] for s in item.get("platforms", []) + item.get("trends", []) if s in self.tags],
        )
        db.session.add(topic)
        self.existing[topic.title] = topic
        self._replies(topic, item.get("replies", []), when, new=True)
        self.report.topics_created += 1
        return topic

    def _replies(self, topic: Topic, items: list[dict[str, Any]], when: datetime, new: bool) -> None:
        seen: set[tuple[int, str]] = set()
        if not new:
            rows = sa.select(Reply.author_id, Reply.body).where(Reply.topic_id == topic.id)
            seen = {(author_id, body) for author_id, body in db.session.execute(rows)}
        for n, item in enumerate(items, start=1):
            author = self.users[item["author"]]
            if (author.id, item["body"]) in seen:
                continue
            at = when + timedelta(hours=3 * n)
            db.session.add(
                Reply(
                    topic=topic,
                    author=author,
                    body=item["body"],
                    body_html=render_markdown(item["body"]),
                    language=item.get("language", "en"),
                    created_at=at,
                )
            )
            topic.reply_count += 1
            topic.last_activity_at = max(topic.last_activity_at, at)
            self.report.replies_created += 1

    def mistake(self, item: dict[str, Any], n: int, practices: dict[str, Topic]) -> None:
        is_new = item["title"] not in self.existing
        topic = self.topic("mistake", item)
        if not is_new:
            return
        topic.category = item["category"]
        topic.how_to_avoid = item["how_to_avoid"]
        topic.how_to_avoid_html = render_markdown(item["how_to_avoid"])
        topic.library_types = ",".join(item.get("library_types", []))
        topic.evidence_links = "\n".join(item.get("evidence_links", []))
        topic.is_anonymous = bool(item.get("anonymous"))
        topic.avoided_by = [practices[k] for k in item.get("avoided_by", []) if k in practices]
        db.session.flush()
        # A spread of "I've seen this" votes so the catalogue has an order to show.
        members = [u for u in self.users.values() if u.id != topic.author_id]
        voters = members[: (n * 7) % (len(members) + 1)]
        for voter in voters:
            db.session.add(Vote(topic_id=topic.id, user_id=voter.id, created_at=topic.created_at))
        topic.vote_count = len(voters)
        self.report.votes_created += len(voters)


def _members(items: list[dict[str, Any]], tags: dict[str, Tag], report: SeedReport) -> dict[str, User]:
    users: dict[str, User] = {}
    for item in items:
        user = db.session.scalar(sa.select(User).where(User.username == item["username"]))
        if user is None:
            user = User(
                username=item["username"],
                email=f"{item['username']}@demo.benefit.localhost",
                display_name=item["display_name"],
                institution=item["institution"],
                library_type=item["library_type"],
                country=item["country"],
                job_role=item["role"],
                bio=item.get("bio", ""),
                locale=item.get("locale", ""),
                role="moderator" if item.get("is_moderator") else "member",
                email_confirmed_at=utcnow(),
                approved_post_count=10,
                platforms=[tags[s] for s in item.get("platforms", []) if s in tags],
            )
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            report.members_created.append(item["username"])
        users[item["username"]] = user
    db.session.flush()
    return users
