"""Factory fixtures returning callables with keyword-only options (Misago's style)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from benefit.extensions import db
from benefit.forum.actions import make_slug
from benefit.forum.tags import load_taxonomy
from benefit.markup import render_markdown
from benefit.models import Reply, Tag, Topic, User, utcnow

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


@pytest.fixture
def taxonomy(app: Flask) -> dict[str, Tag]:
    load_taxonomy()
    db.session.commit()
    return {t.slug: t for t in db.session.scalars(db.select(Tag))}


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    def make(
        *,
        username: str | None = None,
        role: str = "member",
        confirmed: bool = True,
        library_type: str = "public",
        approved: int = 5,
        **extra: Any,
    ) -> User:
        n = next(_seq)
        username = username or f"member{n}"
        user = User(
            username=username,
            email=extra.pop("email", f"{username}@example.org"),
            display_name=extra.pop("display_name", f"Member {n}"),
            institution=extra.pop("institution", "City Library"),
            library_type=library_type,
            country=extra.pop("country", "PL"),
            job_role=extra.pop("job_role", "Librarian"),
            role=role,
            approved_post_count=approved,
            email_confirmed_at=utcnow() if confirmed else None,
            **extra,
        )
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        return user

    return make


def build_topic(
    *, kind: str, title: str, body: str, author: User, state: str, tags: list[Tag], **extra: Any
) -> Topic:
    """A Topic row as a post would make it (rendered body; a mistake gets a category and advice)."""
    if kind == "mistake":
        extra.setdefault("category", "content")
        extra.setdefault("how_to_avoid", "Plan the week's posts on Monday.")
        extra.setdefault("how_to_avoid_html", render_markdown(extra["how_to_avoid"]))
    return Topic(
        kind=kind,
        title=title,
        slug=make_slug(title),
        body=body,
        body_html=render_markdown(body),
        author=author,
        state=state,
        tags=tags,
        **extra,
    )


@pytest.fixture
def make_topic(app: Flask, taxonomy: dict[str, Tag], make_user: Callable[..., User]) -> Callable[..., Topic]:
    def make(
        *,
        kind: str = "practice",
        title: str | None = None,
        body: str = "A practice that works well for our readers.",
        author: User | None = None,
        tags: tuple[str, ...] = ("instagram", "booktok"),
        replies: int = 0,
        state: str = "published",
        **extra: Any,
    ) -> Topic:
        n = next(_seq)
        title = title or f"Topic number {n}"
        author = author or make_user()
        topic = build_topic(
            kind=kind, title=title, body=body, author=author, state=state,
            tags=[taxonomy[s] for s in tags], **extra,
        )  # fmt: skip
        db.session.add(topic)
        for i in range(replies):
            db.session.add(
                Reply(topic=topic, author=author, body=f"Reply {i}", body_html=f"<p>Reply {i}</p>")
            )
        topic.reply_count = replies
        db.session.commit()
        return topic

    return make


@pytest.fixture
def login(client: FlaskClient) -> Callable[[User], None]:
    def do(user: User, password: str = PASSWORD) -> None:
        response = client.post("/auth/login", data={"login": user.username, "password": password})
        assert response.status_code == 302, response.text

    return do
