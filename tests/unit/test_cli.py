from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from benefit.extensions import db
from benefit.models import AuditLog, Tag, Topic, User, utcnow


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


def test_set_role_from_the_command_line_is_in_the_audit_log(runner, make_user):
    member = make_user(username="jan_k")
    result = runner.invoke(args=["benefit", "set-role", "Jan_K", "moderator"])
    assert result.exit_code == 0, result.output
    assert "jan_k is now a moderator." in result.output
    assert runner.invoke(args=["benefit", "set-role", "jan_k", "admin"]).exit_code == 0
    db.session.refresh(member)
    assert member.role == "admin"
    entries = list(db.session.scalars(sa.select(AuditLog).order_by(AuditLog.id)))
    assert [(e.action, e.actor_id, e.target_kind, e.target_id) for e in entries] == [
        ("set_role", None, "user", member.id),
        ("set_role", None, "user", member.id),
    ]
    assert [json.loads(e.details) for e in entries] == [
        {"previous": "member", "role": "moderator", "via": "cli"},
        {"previous": "moderator", "role": "admin", "via": "cli"},
    ]


def test_set_role_to_the_role_someone_has_changes_nothing(runner, make_user):
    make_user(username="jan_k", role="moderator")
    result = runner.invoke(args=["benefit", "set-role", "jan_k", "moderator"])
    assert result.exit_code == 0, result.output
    assert "already a moderator" in result.output
    assert db.session.scalar(sa.select(sa.func.count(AuditLog.id))) == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["ghost", "moderator"], "No member called ghost."),
        (["jan_k", "boss"], "'boss' is not one of 'member', 'moderator', 'admin'"),
        (["deleted_d", "moderator"], "deleted_d deleted their account"),
    ],
)
def test_set_role_errors_exit_with_code_2_and_say_why(runner, make_user, args, message):
    make_user(username="jan_k")
    make_user(username="deleted_d", deleted_at=utcnow())
    result = runner.invoke(args=["benefit", "set-role", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert db.session.scalar(sa.select(sa.func.count(AuditLog.id))) == 0
    assert db.session.scalar(sa.select(User.role).where(User.username == "jan_k")) == "member"
