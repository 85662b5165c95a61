"""Each list page and the topic page run a fixed number of SQL statements, whatever the data size."""

from __future__ import annotations

import pytest

from benefit.extensions import db
from benefit.models import Reply, Topic

PAGES = [
    "/",
    "/practices",
    "/mistakes",
    "/discussions",
    "/tags",
    "/tags/instagram",
    "TOPIC",
    "MEMBER",
]


def grow(make_topic, make_user, n: int) -> Topic:
    users = [make_user() for _ in range(3)]
    first = None
    for i in range(n):
        kind = ("practice", "mistake", "discussion")[i % 3]
        topic = make_topic(kind=kind, author=users[i % 3], tags=("instagram", "booktok", "tiktok"))
        first = first or topic
    for i in range(n):
        db.session.add(Reply(topic=first, author=users[i % 3], body="r", body_html="<p>r</p>"))
    db.session.commit()
    return first


def measure(client, count_queries, topic: Topic) -> dict[str, int]:
    counts = {}
    for page in PAGES:
        url = {"TOPIC": f"/t/{topic.id}/{topic.slug}", "MEMBER": f"/u/{topic.author.username}"}.get(
            page, page
        )
        db.session.expire_all()
        with count_queries() as q:
            assert client.get(url).status_code == 200
        counts[page] = q.count
    return counts


@pytest.mark.parametrize("logged_in", [False, True])
def test_query_counts_do_not_grow_with_data(client, count_queries, make_topic, make_user, login, logged_in):
    topic = grow(make_topic, make_user, 3)
    if logged_in:
        login(make_user())
    small = measure(client, count_queries, topic)
    grow(make_topic, make_user, 45)
    large = measure(client, count_queries, topic)
    assert small == large, {"small": small, "large": large}
    print("query counts:", small)
