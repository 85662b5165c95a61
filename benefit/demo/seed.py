"""Demo content for `flask benefit seed-demo`: the taxonomy, members and posts. Idempotent."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benefit.extensions import db
from benefit.forum.actions import make_slug
from benefit.forum.tags import load_taxonomy
from benefit.markup import render_markdown
from benefit.models import Reply, Tag, Topic, User, Vote, utcnow

CONTENT = Path(__file__).resolve().parent / "content.json"
# Printed for people trying the demo; `seed-demo` refuses to run in production.
DEMO_PASSWORD = "benefit-demo-2026"


@dataclass
class SeedReport:
    tags_created: int = 0
    members_created: list[str] = field(default_factory=list)
    topics_created: int = 0
    replies_created: int = 0
    votes_created: int = 0


def seed_demo(content_path: Path = CONTENT) -> SeedReport:
    report = SeedReport(tags_created=load_taxonomy())
    db.session.flush()
    data: dict[str, Any] = json.loads(content_path.read_text(encoding="utf-8"))
    tags = {t.slug: t for t in db.session.scalars(sa.select(Tag))}
    users = _members(data["members"], tags, report)
    existing_titles = set(db.session.scalars(sa.select(Topic.title)))
    base_time = utcnow() - timedelta(days=60)
    practices: dict[str, Topic] = {
        t.title: t for t in db.session.scalars(sa.select(Topic).where(Topic.kind == "practice"))
    }
    by_key: dict[str, Topic] = {}
    step = 0

    def add_topic(kind: str, item: dict[str, Any]) -> Topic | None:
        nonlocal step
        step += 1
        if item["title"] in existing_titles:
            return None
        when = base_time + timedelta(hours=9 * step)
        topic = Topic(
            kind=kind,
            title=item["title"],
            slug=make_slug(item["title"]),
            body=item["body"],
            body_html=render_markdown(item["body"]),
            author=users[item["author"]],
            created_at=when,
            last_activity_at=when,
            reply_count=0,
            vote_count=0,
            tags=[tags[s] for s in item.get("platforms", []) + item.get("trends", []) if s in tags],
        )
        db.session.add(topic)
        for n, r in enumerate(item.get("replies", []), start=1):
            at = when + timedelta(hours=3 * n)
            db.session.add(
                Reply(
                    topic=topic,
                    author=users[r["author"]],
                    body=r["body"],
                    body_html=render_markdown(r["body"]),
                    created_at=at,
                )
            )
            topic.reply_count += 1
            topic.last_activity_at = at
            report.replies_created += 1
        report.topics_created += 1
        return topic

    for item in data["practices"]:
        topic = add_topic("practice", item)
        by_key[item["key"]] = topic or practices[item["title"]]
    for item in data["discussions"]:
        add_topic("discussion", item)
    db.session.flush()
    member_list = list(users.values())
    for n, item in enumerate(data["mistakes"]):
        topic = add_topic("mistake", item)
        if topic is None:
            continue
        topic.category = item["category"]
        topic.how_to_avoid = item["how_to_avoid"]
        topic.how_to_avoid_html = render_markdown(item["how_to_avoid"])
        topic.library_types = ",".join(item.get("library_types", []))
        topic.evidence_links = "\n".join(item.get("evidence_links", []))
        topic.is_anonymous = bool(item.get("anonymous"))
        topic.avoided_by = [by_key[k] for k in item.get("avoided_by", []) if k in by_key]
        db.session.flush()
        # A spread of "I've seen this" votes so the catalogue has an order to show.
        voters = [u for u in member_list if u.id != topic.author_id][: (n * 7) % 8]
        for voter in voters:
            db.session.add(Vote(topic_id=topic.id, user_id=voter.id, created_at=topic.created_at))
        topic.vote_count = len(voters)
        report.votes_created += len(voters)
    db.session.commit()
    return report


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
