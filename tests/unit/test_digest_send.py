"""Sending digests over real SMTP (aiosmtpd on loopback) with a frozen clock."""

from __future__ import annotations

import re
import smtplib
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask import Flask

from benefit import create_app
from benefit.digests.send import send_digests
from benefit.extensions import db
from benefit.models import DigestDelivery, Subscription, utcnow

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # a Monday: the week of 16–22 Nov has ended
NOW_ARG = "2026-11-23T06:00:00Z"
IN_WEEK = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
KEY = "weekly:2026-11-16"


@pytest.fixture
def app_config(app_config, smtp_config):
    return {**app_config, **smtp_config}


@pytest.fixture
def recorder(smtp_server):
    return smtp_server[0]


def subscribe(email, *, frequency="weekly", confirmed=True, user=None):
    sub = Subscription(
        email=email,
        frequency=frequency,
        user_id=user.id if user else None,
        confirmed_at=utcnow() if confirmed else None,
    )
    db.session.add(sub)
    db.session.commit()
    return sub


def deliveries():
    db.session.expire_all()
    return {
        d.subscription_id: d
        for d in db.session.scalars(sa.select(DigestDelivery).where(DigestDelivery.period == KEY))
    }


def send(runner, *extra):
    return runner.invoke(args=["digest", "send", "--period", "weekly", "--now", NOW_ARG, *extra])


def test_weekly_run_sends_one_digest_per_confirmed_subscriber_and_a_second_run_nothing(
    app, runner, recorder, make_topic, make_user
):
    practice = make_topic(title="Library card sign-up month on TikTok", created_at=IN_WEEK, replies=3)
    mistake = make_topic(kind="mistake", title="Scheduling posts at 3 am", created_at=IN_WEEK)
    discussion = make_topic(kind="discussion", title="Who answers DMs at weekends?", created_at=IN_WEEK)
    ana = subscribe("ana@example.org")
    subscribe("pending@example.org", confirmed=False)
    subscribe("daily@example.org", frequency="daily")
    member = make_user(email="member@example.org")
    subscribe("old-address@example.org", user=member)

    result = send(runner)
    assert result.exit_code == 0, result.output
    assert (
        f"{KEY}: sent 2, skipped 0, failed 0, uncertain 0, already done 0, claimed by another run 0"
        in result.output
    )
    # A member's digest goes to the account's current address.
    assert sorted(m["To"] for m in recorder.messages) == ["ana@example.org", "member@example.org"]

    (msg,) = recorder.to("ana@example.org")
    assert msg["Subject"] == "BENEFIT weekly digest, 16–22 Nov 2026: 1 practice, 1 mistake, 1 discussion"
    assert msg["From"] == "BENEFIT <noreply@benefit.localhost>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = msg["List-Unsubscribe"].split(",")[0].strip(" <>")
    assert unsubscribe_url.startswith("http://benefit.test/digest/unsubscribe/")
    assert msg.is_multipart() and msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content()
    html = BeautifulSoup(msg.get_body(("html",)).get_content(), "html.parser")
    for topic in (practice, mistake, discussion):
        url = f"http://benefit.test/t/{topic.id}/{topic.slug}"
        assert url in text
        assert html.find("a", string=topic.title)["href"] == url
    assert html.find("a", string="Unsubscribe")["href"] == unsubscribe_url
    # The member's mail links to the settings page, the visitor's to the unsubscribe page.
    (member_msg,) = recorder.to("member@example.org")
    manage = BeautifulSoup(member_msg.get_body(("html",)).get_content(), "html.parser")
    assert (
        manage.find("a", string="Change how often it comes")["href"] == "http://benefit.test/digest/settings"
    )

    rows = deliveries()
    assert rows[ana.id].status == "sent" and rows[ana.id].sent_at is not None and rows[ana.id].attempts == 1
    assert len(rows) == 2

    again = send(runner)
    assert again.exit_code == 0, again.output
    assert f"{KEY}: sent 0, skipped 0, failed 0, uncertain 0, already done 2" in again.output
    assert len(recorder.messages) == 2

    # The one-click POST from that header unsubscribes, without a session or a form token.
    path = unsubscribe_url.removeprefix("http://benefit.test")
    response = app.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert db.session.get(Subscription, ana.id) is None
    make_topic(title="Next week's practice", created_at=NOW + timedelta(days=2))
    next_week = runner.invoke(args=["digest", "send", "--period", "weekly", "--now", "2026-11-30T06:00:00Z"])
    assert "sent 1," in next_week.output
    assert len(recorder.to("ana@example.org")) == 1


def test_nothing_new_is_recorded_as_skipped_and_sends_no_mail(app, runner, recorder, make_topic):
    make_topic(created_at=IN_WEEK - timedelta(days=30))
    sub = subscribe("quiet@example.org")
    result = send(runner)
    assert result.exit_code == 0
    assert "sent 0, skipped 1, failed 0" in result.output
    assert recorder.messages == []
    assert deliveries()[sub.id].status == "skipped"
    assert "skipped 0, failed 0, uncertain 0, already done 1" in send(runner).output


def test_a_refused_address_fails_alone_and_the_next_run_retries_it(app, runner, recorder, make_topic):
    make_topic(created_at=IN_WEEK)
    subs = [subscribe(f"{name}@example.org") for name in ("a", "bad", "c")]
    recorder.refuse.add("bad@example.org")
    result = send(runner)
    assert result.exit_code == 1
    assert "sent 2, skipped 0, failed 1" in result.output
    assert "failed bad@example.org: recipient refused" in result.output
    assert sorted(m["To"] for m in recorder.messages) == ["a@example.org", "c@example.org"]
    failed = deliveries()[subs[1].id]
    assert failed.status == "failed" and "refused" in failed.error and failed.attempts == 1

    recorder.refuse.clear()
    retry = send(runner)
    assert retry.exit_code == 0, retry.output
    assert "sent 1, skipped 0, failed 0, uncertain 0, already done 2" in retry.output
    assert [m["To"] for m in recorder.messages].count("bad@example.org") == 1
    row = deliveries()[subs[1].id]
    assert row.status == "sent" and row.attempts == 2 and row.error == ""


def test_failed_deliveries_stop_being_retried_after_the_last_attempt(app, runner, recorder, make_topic):
    app.config["DIGEST_MAX_ATTEMPTS"] = 2
    make_topic(created_at=IN_WEEK)
    sub = subscribe("bad@example.org")
    recorder.refuse.add("bad@example.org")
    assert "failed 1" in send(runner).output
    assert "failed 1" in send(runner).output
    assert deliveries()[sub.id].attempts == 2
    recorder.refuse.clear()
    third = send(runner)
    assert "sent 0, skipped 0, failed 0, uncertain 0, already done 1" in third.output
    assert recorder.messages == []


def test_an_unreachable_server_fails_the_batch_and_the_next_run_sends_it(app, runner, recorder, make_topic):
    make_topic(created_at=IN_WEEK)
    subscribe("a@example.org")
    subscribe("b@example.org")
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = 1  # nothing listens there
    result = send(runner)
    assert result.exit_code == 1
    assert "sent 0, skipped 0, failed 2" in result.output
    assert {d.status for d in deliveries().values()} == {"failed"}
    app.config["MAIL_PORT"] = port
    assert "sent 2, skipped 0, failed 0" in send(runner).output
    assert len(recorder.messages) == 2


def test_a_claim_left_by_a_crashed_run_is_taken_over_only_once_stale(app, recorder, make_topic):
    make_topic(created_at=IN_WEEK)
    fresh = subscribe("fresh@example.org")
    stale = subscribe("stale@example.org")
    db.session.add_all(
        [
            DigestDelivery(subscription_id=fresh.id, period=KEY, status="claimed", claimed_at=utcnow()),
            DigestDelivery(
                subscription_id=stale.id,
                period=KEY,
                status="claimed",
                claimed_at=utcnow() - timedelta(days=1),
            ),
        ]
    )
    db.session.commit()
    report = send_digests("weekly", NOW)
    # The fresh claim may belong to a run still sending: it is neither sent again nor counted as done.
    assert (report.sent, report.already, report.busy) == (1, 0, 1)
    assert [m["To"] for m in recorder.messages] == ["stale@example.org"]
    assert deliveries()[stale.id].attempts == 2


def test_subscribers_are_walked_in_chunks_with_one_smtp_connection_each(
    app, recorder, make_topic, monkeypatch
):
    make_topic(created_at=IN_WEEK)
    for i in range(7):
        subscribe(f"r{i}@example.org")
    connections = []

    class CountingSMTP(smtplib.SMTP):
        def __init__(self, *args, **kwargs):
            connections.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(smtplib, "SMTP", CountingSMTP)
    report = send_digests("weekly", NOW, chunk_size=3)
    assert report.sent == 7
    assert len(connections) == 3  # chunks of 3, 3 and 1
    assert len(recorder.messages) == 7


def test_dry_run_prints_and_records_nothing(app, runner, recorder, make_topic):
    make_topic(created_at=IN_WEEK)
    subscribe("a@example.org")
    result = send(runner, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would send a@example.org: BENEFIT weekly digest, 16–22 Nov 2026: 1 practice" in result.output
    assert "would send 1, skipped 0, failed 0" in result.output
    assert recorder.messages == [] and deliveries() == {}


def test_deleted_members_and_unsubscribed_addresses_get_nothing(app, recorder, make_topic, make_user):
    make_topic(created_at=IN_WEEK)
    gone = make_user()
    subscribe("gone@example.org", user=gone)
    gone.deleted_at = utcnow()
    gone.email = None
    db.session.commit()
    report = send_digests("weekly", NOW)
    assert report.sent == 0 and recorder.messages == []


def test_bad_now_is_a_usage_error(runner, app):
    result = runner.invoke(args=["digest", "send", "--period", "weekly", "--now", "next monday"])
    assert result.exit_code == 2 and "ISO 8601" in result.output
    assert runner.invoke(args=["digest", "send", "--period", "monthly"]).exit_code == 2


def test_two_senders_at_once_send_each_subscriber_exactly_one_digest(app, app_config, recorder, make_topic):
    make_topic(created_at=IN_WEEK)
    make_topic(kind="mistake", created_at=IN_WEEK)
    addresses = [f"reader{i}@example.org" for i in range(24)]
    for address in addresses:
        subscribe(address)
    start = threading.Barrier(2)
    reports, errors = [], []

    # Each sender has its own app, engine and session, as a second cron job would have. The apps
    # are built here, one after the other: compiling URL rules in two threads at once trips a
    # CPython 3.11 bug in ast ("recursion depth mismatch"), which is not what this test is about.
    apps = [create_app(app_config) for _ in range(2)]

    def sender(other: Flask) -> None:
        try:
            with other.app_context():
                start.wait(timeout=10)
                reports.append(send_digests("weekly", NOW, chunk_size=4))
                db.session.remove()
                db.engine.dispose()
        except Exception as exc:  # reported below, on the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=sender, args=(other,)) for other in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(reports) == 2
    assert Counter(m["To"] for m in recorder.messages) == Counter(addresses)
    assert sum(r.sent for r in reports) == len(addresses)
    # Each run saw every subscriber: sent by itself, done by the other, or being sent by the other.
    assert sum(r.sent + r.already + r.busy for r in reports) == 2 * len(addresses)
    assert {d.status for d in deliveries().values()} == {"sent"}


class _Killed(BaseException):
    """Stands in for kill -9 in-process: nothing after it runs, no except clause catches it."""


def test_a_run_stopped_mid_chunk_keeps_what_it_sent_and_a_later_run_sends_the_rest_once(
    app, runner, recorder, make_topic, monkeypatch
):
    from benefit.digests.transport import DigestMailer

    make_topic(created_at=IN_WEEK)
    addresses = [f"reader{i}@example.org" for i in range(8)]
    for address in addresses:
        subscribe(address)
    deliver = DigestMailer.deliver
    calls = []

    def dies_before_the_fourth(self, msg):
        calls.append(msg["To"])
        if len(calls) == 4:
            raise _Killed
        return deliver(self, msg)

    monkeypatch.setattr(DigestMailer, "deliver", dies_before_the_fourth)
    with pytest.raises(_Killed):
        send_digests("weekly", NOW)
    monkeypatch.setattr(DigestMailer, "deliver", deliver)
    # Each accepted digest was recorded the moment the server took it; the rest stay claimed.
    assert sorted(m["To"] for m in recorder.messages) == addresses[:3]
    statuses = [deliveries()[s].status for s in sorted(deliveries())]
    assert statuses == ["sent"] * 3 + ["claimed"] * 5

    # While the claims are fresh a run may still be sending them: sent by nobody, done by nobody.
    early = send(runner)
    assert early.exit_code == 0, early.output
    assert (
        "sent 0, skipped 0, failed 0, uncertain 0, already done 3, claimed by another run 5" in early.output
    )
    assert "5 claimed by another run, not sent by this one" in early.output
    assert len(recorder.messages) == 3

    app.config["DIGEST_STALE_CLAIM_SECONDS"] = 0  # the claims are stale now
    rerun = send(runner)
    assert rerun.exit_code == 0, rerun.output
    assert (
        "sent 5, skipped 0, failed 0, uncertain 0, already done 3, claimed by another run 0" in rerun.output
    )
    assert Counter(m["To"] for m in recorder.messages) == Counter(addresses)
    assert {d.status for d in deliveries().values()} == {"sent"}


def test_a_digest_the_server_took_without_answering_is_resent_once_with_the_same_message_id(
    app, runner, recorder, make_topic
):
    make_topic(created_at=IN_WEEK)
    subs = {name: subscribe(f"{name}@example.org") for name in ("a", "lost", "c")}
    recorder.drop_after_data.add("lost@example.org")

    first = send(runner)
    assert first.exit_code == 1
    assert "sent 2, skipped 0, failed 0, uncertain 1, already done 0" in first.output
    assert "uncertain lost@example.org: connection lost after the message was sent" in first.output
    # The connection is opened again for the next recipient.
    assert recorder.received() == Counter(["a@example.org", "lost@example.org", "c@example.org"])
    assert deliveries()[subs["lost"].id].status == "uncertain"

    # The server keeps taking it and dropping the line: one resend, then no more.
    second = send(runner)
    assert second.exit_code == 1
    assert "sent 0, skipped 0, failed 0, uncertain 1, already done 2" in second.output
    assert "not sent again" in second.output
    row = deliveries()[subs["lost"].id]
    assert row.status == "given_up" and row.attempts == 2
    for _ in range(2):
        assert "sent 0, skipped 0, failed 0, uncertain 0, already done 3" in send(runner).output
    copies = recorder.to("lost@example.org")
    assert len(copies) == 2
    assert copies[0]["Message-ID"] == copies[1]["Message-ID"]
    ids = {m["Message-ID"] for m in recorder.messages}
    assert len(ids) == 3  # one per subscription and period


def test_an_uncertain_digest_resent_to_a_server_that_answers_is_sent(app, runner, recorder, make_topic):
    make_topic(created_at=IN_WEEK)
    sub = subscribe("lost@example.org")
    recorder.drop_after_data.add("lost@example.org")
    assert "uncertain 1" in send(runner).output
    recorder.drop_after_data.clear()
    recorder.refuse.add("lost@example.org")
    # A refused resend certainly did not arrive: the delivery keeps its one resend.
    refused = send(runner)
    assert "failed 0, uncertain 1" in refused.output and "recipient refused" in refused.output
    assert deliveries()[sub.id].status == "uncertain"
    recorder.refuse.clear()
    resent = send(runner)
    assert resent.exit_code == 0, resent.output
    assert "sent 1, skipped 0, failed 0, uncertain 0" in resent.output
    row = deliveries()[sub.id]
    assert row.status == "sent" and row.attempts == 3
    first, second = recorder.to("lost@example.org")
    assert first["Message-ID"] == second["Message-ID"]


def test_the_message_id_is_stable_per_subscription_and_period_and_reveals_no_id(app, recorder, make_topic):
    make_topic(created_at=IN_WEEK)
    make_topic(created_at=IN_WEEK + timedelta(days=7))
    a, b = subscribe("a@example.org"), subscribe("b@example.org")
    send_digests("weekly", NOW)
    send_digests("weekly", NOW + timedelta(days=7))
    ids = {(m["To"], m["Subject"].split(", ")[1]): m["Message-ID"] for m in recorder.messages}
    assert len(set(ids.values())) == 4
    week = ids[("a@example.org", "16–22 Nov 2026: 1 practice")]
    assert re.fullmatch(r"<digest\.20261116\.[0-9a-f]{20}@benefit\.test>", week)
    assert a.token not in week and f".{a.id}@" not in week and b.token not in str(ids)
