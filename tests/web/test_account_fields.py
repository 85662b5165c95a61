"""Profile text is checked as it is kept: trimmed, so a field of spaces is empty."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from benefit.extensions import db
from benefit.models import User
from tests.web.accounts_helpers import REGISTRATION


@pytest.mark.parametrize("field", ["display_name", "institution", "job_role"])
def test_registration_refuses_a_required_field_of_only_spaces(client, field):
    response = client.post("/auth/register", data=dict(REGISTRATION, **{field: "    "}))
    assert response.status_code == 200
    assert "This field is required." in response.text
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_registration_counts_lengths_after_trimming(app, client):
    name = "A" * 80
    response = client.post("/auth/register", data=dict(REGISTRATION, display_name=f"   {name}   "))
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User))
    assert user.display_name == name
    too_long = app.test_client().post(
        "/auth/register",
        data=dict(REGISTRATION, username="other", email="o@example.org", display_name="A" * 81),
    )
    assert too_long.status_code == 200 and "Field cannot be longer than 80 characters." in too_long.text


PROFILE = {
    "display_name": "Anna Kowalska",
    "institution": "City Library",
    "library_type": "public",
    "country": "PL",
    "job_role": "Librarian",
    "platforms": "",
    "bio": "",
}


@pytest.mark.parametrize("field", ["display_name", "institution", "job_role"])
def test_profile_settings_refuse_a_required_field_of_only_spaces(client, make_user, login, field):
    user = make_user(display_name="Anna Kowalska", institution="City Library", job_role="Librarian")
    login(user)
    response = client.post("/settings", data=dict(PROFILE, **{field: " \t  "}))
    assert response.status_code == 200
    assert "This field is required." in response.text
    db.session.refresh(user)
    assert (user.display_name, user.institution, user.job_role) == (
        "Anna Kowalska",
        "City Library",
        "Librarian",
    )


def test_profile_settings_keep_the_trimmed_text(client, make_user, login):
    user = make_user()
    login(user)
    role = "R" * 80
    response = client.post("/settings", data=dict(PROFILE, job_role=f"  {role}  ", bio="  Hello.  "))
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.job_role == role and user.bio == "Hello."
