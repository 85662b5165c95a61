from __future__ import annotations

import pytest

from benefit.email import MailError, build_message, send_message, send_messages


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
