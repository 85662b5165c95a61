"""Notification email over real SMTP: claimed before sending, per-kind frequency, one-click unsubscribe."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from benefit.community import actions, queries
from benefit.community.actions import claim_emails
from benefit.community.notifications import unsubscribe_token
from benefit.extensions import db
from benefit.forum import actions as posting
from benefit.models import Notification, NotificationSetting


@pytest.fixture
def app_config(app_config, smtp_config):
    return {**app_config, **smtp_config}


def send(runner, *args):
    return runner.invoke(args=["notifications", "send", *args])


def mention(make_user, make_topic, bob=None):
    topic = make_topic()
    anna = make_user()
    bob = bob or make_user()
    reply = posting.reply_to_topic(anna, topic, f"@{bob.username}, you wrote about this.")
    return anna, bob, reply


def states():
    return [n.email_state for n in db.session.scalars(sa.select(Notification).order_by(Notification.id))]


def test_one_mention_sends_one_email_and_a_second_run_sends_nothing(
    runner, smtp_server, make_user, make_topic
):
    recorder, _ = smtp_server
    anna, bob, reply = mention(make_user, make_topic)
    # The topic's author is notified of the reply too: two notifications, two recipients.
    result = send(runner)
    assert result.exit_code == 0, result.output
    assert len(recorder.to(bob.email)) == 1
    (msg,) = recorder.to(bob.email)
    assert msg["Subject"] == f"{anna.display_name} mentioned you in a reply to “{reply.topic.title}”"
    text = msg.get_body(("plain",)).get_content()
    (n,) = db.session.scalars(sa.select(Notification).where(Notification.user_id == bob.id))
    assert f"http://benefit.test/notifications/{n.id}" in text
    assert msg["List-Unsubscribe"].startswith("<http://benefit.test/notifications/unsubscribe/")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    total = len(recorder.messages)
    again = send(runner)
    assert again.exit_code == 0 and "Mails sent: 0" in again.output
    assert len(recorder.messages) == total
    db.session.expire_all()
    assert set(states()) == {"sent"}


def test_a_notification_claimed_by_another_sender_is_not_sent_again(
    runner, smtp_server, make_user, make_topic
):
    recorder, _ = smtp_server
    _, bob, _ = mention(make_user, make_topic)
    ids = list(db.session.scalars(sa.select(Notification.id)))
    # Another sender got there first...
    assert claim_emails(ids) == ids
    # ...so a concurrent claim wins nothing, and a run sends nothing.
    assert claim_emails(ids) == []
    assert "Mails sent: 0" in send(runner).output
    assert recorder.messages == []


def test_read_notifications_and_never_are_not_emailed(runner, smtp_server, make_user, make_topic):
    recorder, _ = smtp_server
    bob = make_user()
    actions.update_notification_settings(bob, {"mention": "never"})
    mention(make_user, make_topic, bob=bob)
    author_note = db.session.scalar(sa.select(Notification).where(Notification.kind == "reply"))
    actions.open_notification(db.session.get(type(bob), author_note.user_id), author_note.id)
    result = send(runner)
    assert "Mails sent: 0" in result.output and "skipped: 2" in result.output
    assert recorder.messages == []


def test_daily_frequency_waits_for_the_daily_run_and_sends_one_summary(
    runner, smtp_server, make_user, make_topic
):
    recorder, _ = smtp_server
    bob = make_user()
    actions.update_notification_settings(bob, {"mention": "daily", "reply": "daily"})
    mention(make_user, make_topic, bob=bob)
    topic = make_topic(author=bob)
    posting.reply_to_topic(make_user(), topic, "Good idea")
    send(runner)
    assert recorder.to(bob.email) == []
    result = send(runner, "--daily")
    assert result.exit_code == 0, result.output
    (summary,) = recorder.to(bob.email)
    assert summary["Subject"] == "2 new notifications on BENEFIT"
    text = summary.get_body(("plain",)).get_content()
    assert "mentioned you" in text and "replied to" in text
    assert send(runner, "--daily").output.startswith("Mails sent: 0")


def test_failed_send_is_retried_by_the_next_run(runner, smtp_server, make_user, make_topic):
    recorder, _ = smtp_server
    _, bob, _ = mention(make_user, make_topic)
    recorder.refuse.add(bob.email)
    result = send(runner)
    assert result.exit_code == 1 and "failed: 1" in result.output
    recorder.refuse.clear()
    assert send(runner).exit_code == 0
    assert len(recorder.to(bob.email)) == 1


def test_one_click_unsubscribe_stops_that_kind_only(app, client, make_user):
    bob = make_user()
    # Real CSRF: the RFC 8058 POST from a mail client carries no form token.
    app.config["WTF_CSRF_ENABLED"] = True
    with app.test_request_context():
        token = unsubscribe_token(bob.id, ["mention"])
    url = f"/notifications/unsubscribe/{token}"
    page = client.get(url)
    assert page.status_code == 200 and "Stop these emails" in page.text
    assert db.session.scalar(sa.select(NotificationSetting)) is None  # a GET changes nothing
    assert client.post("/notifications/read").status_code == 400  # other forms still need the token
    done = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "no more emails" in done.text
    assert client.post(url[:-3] + "xyz").status_code == 404
    db.session.expire_all()
    assert queries.email_frequencies(bob.id) == {
        "reply": "immediately",
        "mention": "never",
        "vote_milestone": "immediately",
        "moderation": "immediately",
    }


def test_unsubscribe_link_in_the_mail_works(runner, client, smtp_server, make_user, make_topic):
    recorder, _ = smtp_server
    _, bob, _ = mention(make_user, make_topic)
    send(runner)
    (msg,) = recorder.to(bob.email)
    path = urlsplit(msg["List-Unsubscribe"].strip("<>")).path
    assert client.post(path).status_code == 200
    assert queries.email_frequencies(bob.id)["mention"] == "never"


def test_two_senders_at_once_send_each_notification_exactly_once(app, smtp_server, make_user, make_topic):
    import threading

    from benefit.community.mail import send_notification_emails

    recorder, _ = smtp_server
    topic = make_topic()
    writer = make_user()
    readers = [make_user() for _ in range(12)]
    for i in range(0, 12, 4):
        mentions = " ".join(f"@{r.username}" for r in readers[i : i + 4])
        posting.reply_to_topic(writer, topic, f"{mentions}: have a look")
    expected = db.session.scalar(sa.select(sa.func.count(Notification.id)))
    db.session.close()
    reports, errors = [], []

    def sender() -> None:
        try:
            with app.app_context():
                reports.append(send_notification_emails())
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors and len(reports) == 2
    assert sum(r.sent for r in reports) == expected == len(recorder.messages)
    linked = sorted(
        int(re.search(r"/notifications/(\d+)", m.get_body(("plain",)).get_content()).group(1))
        for m in recorder.messages
    )
    assert linked == list(db.session.scalars(sa.select(Notification.id).order_by(Notification.id)))


def test_unsubscribe_links_in_mail_already_sent_keep_working(app, client, make_user):
    """Tokens made before email.py signed them (plain SECRET_KEY), and after the key is rotated."""
    from itsdangerous import URLSafeSerializer

    bob = make_user()
    old_key = app.config["SECRET_KEY"]
    before = URLSafeSerializer(old_key, salt="notification-unsubscribe").dumps({"u": bob.id, "k": ["reply"]})
    assert unsubscribe_token(bob.id, ["reply"]) == before
    app.config.update(SECRET_KEY="a new key", SECRET_KEY_FALLBACKS=[old_key])
    assert client.post(f"/notifications/unsubscribe/{before}").status_code == 200
    assert queries.email_frequencies(bob.id)["reply"] == "never"


def test_notification_mail_links_point_at_site_url(app, runner, smtp_server, make_user, make_topic):
    recorder, _ = smtp_server
    app.config["SITE_URL"] = "https://forum.example.org/benefit"
    _, bob, _ = mention(make_user, make_topic)
    assert send(runner).exit_code == 0
    (msg,) = recorder.to(bob.email)
    (n,) = db.session.scalars(sa.select(Notification).where(Notification.user_id == bob.id))
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert f"https://forum.example.org/benefit/notifications/{n.id}" in text
    assert f'href="https://forum.example.org/benefit/notifications/{n.id}"' in html
    assert "Choose your emails: https://forum.example.org/benefit/settings/notifications" in text
    assert msg["List-Unsubscribe"].startswith("<https://forum.example.org/benefit/notifications/unsubscribe/")
    assert "benefit.test" not in text + html
