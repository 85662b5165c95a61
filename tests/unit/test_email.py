from __future__ import annotations

import pytest

from benefit.email import (
    MailError,
    build_message,
    external_url,
    read_token,
    send_message,
    send_messages,
    sign_token,
)


@pytest.fixture
def app_config(app_config, smtp_config):
    return {**app_config, **smtp_config}


def test_messages_go_over_real_smtp_with_both_parts(app, smtp_server):
    recorder, _ = smtp_server
    with app.test_request_context():
        msg = build_message(
            "anna@example.org",
            "Hello",
            "confirm_email",
            user=type("U", (), {"display_name": "Anna"}),
            url="http://x/y",
        )
        send_message(msg)
    (got,) = recorder.messages
    assert got["Subject"] == "Hello"
    assert "http://x/y" in got.get_body(("plain",)).get_content()
    assert 'href="http://x/y"' in got.get_body(("html",)).get_content()


def test_one_refused_address_does_not_stop_the_batch(app, smtp_server):
    recorder, _ = smtp_server
    recorder.refuse.add("bad@example.org")
    user = type("U", (), {"display_name": "X"})
    with app.test_request_context():
        msgs = [
            build_message(a, "Hi", "confirm_email", user=user, url="u")
            for a in ("a@example.org", "bad@example.org", "c@example.org")
        ]
        failed = send_messages(msgs)
    assert [m["To"] for m, _ in failed] == ["bad@example.org"]
    assert sorted(m["To"] for m in recorder.messages) == ["a@example.org", "c@example.org"]


def test_unreachable_server_raises_mail_error(app):
    app.config["MAIL_PORT"] = 1  # nothing listens there
    with app.test_request_context(), pytest.raises(MailError):
        send_message(
            build_message(
                "a@example.org", "Hi", "confirm_email", user=type("U", (), {"display_name": "X"}), url="u"
            )
        )


# --- links and tokens for mail -------------------------------------------------------------------


def test_external_url_needs_no_request_and_follows_site_url(app):
    from flask import has_request_context

    assert not has_request_context()  # as in `flask notifications send`, run by cron
    app.config["SITE_URL"] = "https://forum.example.org/benefit"
    assert external_url("forum.topic", topic_id=7, slug="a-b") == "https://forum.example.org/benefit/t/7/a-b"
    assert (
        external_url("forum.home", q="ą b", _anchor="top")
        == "https://forum.example.org/benefit/?q=%C4%85+b#top"
    )
    app.config["SITE_URL"] = ""
    assert external_url("forum.home") == "http://benefit.test/"  # SERVER_NAME, when SITE_URL is empty


def test_external_url_never_takes_the_host_a_request_names(app):
    with app.test_request_context("/", base_url="http://evil.example"):
        assert external_url("community.notifications") == "http://benefit.test/notifications"


def test_a_token_reads_only_with_its_salt_and_survives_a_key_rotation(app):
    token = sign_token({"u": 1}, salt="one")
    assert read_token(token, salt="one") == {"u": 1}
    assert read_token(token, salt="two") is None
    for forged in ("", "x", "a.b.c", token[:-2], "é" * 10):
        assert read_token(forged, salt="one") is None
    app.config.update(SECRET_KEY="the new key", SECRET_KEY_FALLBACKS=[app.config["SECRET_KEY"]])
    assert read_token(token, salt="one") == {"u": 1}
    app.config["SECRET_KEY_FALLBACKS"] = None
    assert read_token(token, salt="one") is None


def test_a_timed_token_expires(app):
    token = sign_token(["x"], salt="t", timed=True)
    assert read_token(token, salt="t", max_age=60) == ["x"]
    assert read_token(token, salt="t", max_age=-1) is None
    assert read_token(token, salt="t") is None  # a timed token is read with its max age
