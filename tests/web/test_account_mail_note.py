"""Without a mail server, the note about instance/mail/ is for developers: the log always, members never."""

from __future__ import annotations

import logging

import pytest

from tests.web.accounts_helpers import REGISTRATION

NOTE = "No mail server is configured"


def _register_and_read_the_flash(app) -> str:
    browser = app.test_client()
    answer = browser.post("/auth/register", data=REGISTRATION)
    answer.close()
    return browser.get(answer.headers["Location"]).text


@pytest.mark.parametrize("overrides", [{}, {"ENV_NAME": "production", "SECRET_KEY": "s" * 32}])
def test_members_are_not_shown_the_operator_note(app, make_app, caplog, overrides):
    # `app` empties the tables; this app shares its database with other settings.
    other = make_app(**overrides)
    with other.app_context(), caplog.at_level(logging.WARNING):
        page = _register_and_read_the_flash(other)
    assert "Check your email" in page
    assert NOTE not in page
    assert NOTE in caplog.text


def test_the_development_server_shows_it_to_the_developer(app, make_app, caplog):
    other = make_app(TESTING=False)  # as `make run`: ENV_NAME is "development" by default
    with other.app_context(), caplog.at_level(logging.WARNING):
        page = _register_and_read_the_flash(other)
    assert NOTE in page and "instance/mail/" in page
    assert NOTE in caplog.text


def test_nothing_is_noted_when_a_mail_server_is_configured(app, make_app, smtp_config, smtp_server, caplog):
    other = make_app(**smtp_config, TESTING=False)
    with other.app_context(), caplog.at_level(logging.WARNING):
        page = _register_and_read_the_flash(other)
    assert NOTE not in page and NOTE not in caplog.text
    recorder, _ = smtp_server
    assert [m["To"] for m in recorder.messages] == ["anna@example.org"]
