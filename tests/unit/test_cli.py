from __future__ import annotations

import sqlalchemy as sa

from benefit.extensions import db
from benefit.models import Tag, Topic, User


def test_seed_demo_is_idempotent(runner, app):
    first = runner.invoke(args=["benefit", "seed-demo"])
    assert first.exit_code == 0, first.output
    assert "password" in first.output
    counts = (
        db.session.scalar(sa.select(sa.func.count(Topic.id))),
        db.session.scalar(sa.select(sa.func.count(User.id))),
        db.session.scalar(sa.select(sa.func.count(Tag.id))),
    )
    second = runner.invoke(args=["benefit", "seed-demo"])
    assert second.exit_code == 0, second.output
    again = (
        db.session.scalar(sa.select(sa.func.count(Topic.id))),
        db.session.scalar(sa.select(sa.func.count(User.id))),
        db.session.scalar(sa.select(sa.func.count(Tag.id))),
    )
    assert counts == again
    kinds = dict(db.session.execute(sa.select(Topic.kind, sa.func.count()).group_by(Topic.kind)).all())
    assert kinds["practice"] >= 30 and kinds["mistake"] >= 40 and kinds["discussion"] >= 10
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.role == "moderator")) >= 1


def test_create_admin_and_bad_input(runner, app):
    ok = runner.invoke(
        args=[
            "benefit",
            "create-admin",
            "--username",
            "boss",
            "--email",
            "boss@example.org",
            "--password",
            "a-long-password",
        ]
    )
    assert ok.exit_code == 0, ok.output
    assert db.session.scalar(sa.select(User).where(User.username == "boss")).role == "admin"
    bad = runner.invoke(
        args=[
            "benefit",
            "create-admin",
            "--username",
            "x",
            "--email",
            "nope",
            "--password",
            "a-long-password",
        ]
    )
    assert bad.exit_code == 2
    short = runner.invoke(
        args=[
            "benefit",
            "create-admin",
            "--username",
            "x",
            "--email",
            "x@example.org",
            "--password",
            "short",
        ]
    )
    assert short.exit_code == 2
    missing = runner.invoke(args=["benefit", "set-role", "ghost", "moderator"])
    assert missing.exit_code == 2
