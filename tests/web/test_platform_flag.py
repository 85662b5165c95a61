"""A mistake without platform tags is listed under every platform, and leaves when it gets one."""

from __future__ import annotations

import sqlalchemy as sa

from benefit.extensions import db
from benefit.models import Topic


def titles(client, path):
    return client.get(path).text


def test_a_mistake_without_platforms_is_listed_for_every_platform_until_it_gets_one(
    client, make_topic, taxonomy
):
    general = make_topic(kind="mistake", title="No posting plan at all", tags=("booktok",))
    tiktok = make_topic(kind="mistake", title="Dancing to a muted song", tags=("tiktok",))
    assert not general.has_platform and tiktok.has_platform
    page = titles(client, "/mistakes?platform=instagram")
    assert "No posting plan at all" in page and "Dancing to a muted song" not in page
    assert "Dancing to a muted song" in titles(client, "/mistakes?platform=tiktok")

    general.tags.append(taxonomy["facebook"])
    db.session.commit()
    assert db.session.scalar(sa.select(Topic.has_platform).where(Topic.id == general.id))
    assert "No posting plan at all" not in titles(client, "/mistakes?platform=instagram")
    assert "No posting plan at all" in titles(client, "/mistakes?platform=facebook")

    general.tags = [taxonomy["booktok"]]
    db.session.commit()
    assert "No posting plan at all" in titles(client, "/mistakes?platform=instagram")


def test_a_practice_is_listed_only_under_its_own_platforms(client, make_topic):
    make_topic(kind="practice", title="Shelf talkers", tags=("booktok",))
    assert "Shelf talkers" not in titles(client, "/practices?platform=instagram")
