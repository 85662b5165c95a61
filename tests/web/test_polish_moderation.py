"""Moderation in Polish: every page a moderator (or a flagging member) reads, the audit log's
descriptions translated when shown, flag reasons, and user content marked with its own language."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from benefit.extensions import db
from benefit.models import AuditLog, Notification, Reply, utcnow
from tests.polish_pages import check_polish


@pytest.fixture
def moderator(make_user):
    return make_user(username="mod_ola", display_name="Ola Nowak", role="moderator", locale="pl")


@pytest.fixture
def authors(make_user):
    return {
        "pl": make_user(username="jan_k", display_name="Jan Kowalski", locale="pl"),
        "en": make_user(username="sam_e", display_name="Sam Evans", locale="en"),
    }


@pytest.fixture
def scene(app, client, login, moderator, authors, make_topic, make_user):
    """A Polish and an English post, a pending one, a flag, and a history of moderation actions."""
    polish = make_topic(
        title="Plakaty z kodem QR", body="Działa w każdej filii.", author=authors["pl"], language="pl"
    )
    english = make_topic(
        kind="mistake", title="Posting at 3 am", body="Nobody reads it.", author=authors["en"], language="en"
    )
    pending = make_topic(
        title="Nowy wpis do zatwierdzenia", body="Pierwszy wpis.", author=authors["pl"], state="pending",
        language="pl",
    )  # fmt: skip
    reply = Reply(
        topic=english,
        author=authors["pl"],
        body="Zgadzam się.",
        body_html="<p>Zgadzam się.</p>",
        language="pl",
    )
    db.session.add(reply)
    db.session.commit()
    login(moderator)
    # Moderation actions, as the moderator takes them (each lands in the audit log as a code).
    client.post(f"/moderation/topic/{polish.id}/lock")
    client.post(f"/moderation/topic/{english.id}/hide", data={"reason": "Nieaktualne informacje."})
    client.post(f"/moderation/topic/{english.id}/restore", data={"reason": "Poprawione."})
    until = (utcnow() + timedelta(days=7)).date().isoformat()
    client.post(
        f"/moderation/members/{authors['en'].id}/suspend", data={"until": until, "reason": "Reklamy."}
    )
    client.post(f"/moderation/topic/{polish.id}/move", data={"kind": "discussion", "reason": "To pytanie."})
    client.post("/moderation/tags", data={"kind": "trend", "name": "Kody QR", "slug": "kody-qr"})
    client.get("/", headers={"Accept-Language": "pl"})  # shows the flashes
    flagger = make_user(username="ewa_z", display_name="Ewa Zielińska", locale="pl")
    db.session.commit()
    return {"polish": polish, "english": english, "pending": pending, "reply": reply, "flagger": flagger}


def moderation_pages(scene, tag_id, member_id):
    polish, english, reply = scene["polish"], scene["english"], scene["reply"]
    return [
        "/moderation/",
        "/moderation/queue",
        "/moderation/flags",
        "/moderation/flags/history",
        f"/moderation/flags/history?target_kind=reply&target_id={reply.id}",
        "/moderation/members",
        "/moderation/members?suspended=1",
        f"/moderation/members/{member_id}",
        "/moderation/audit",
        "/moderation/audit?action=hide",
        "/moderation/tags",
        f"/moderation/tags/{tag_id}",
        f"/moderation/topic/{english.id}/move",
        f"/t/{english.id}/merge",
        f"/t/{polish.id}/history",
        f"/r/{reply.id}/history",
    ]


def test_every_moderation_page_is_polish_for_a_polish_moderator(
    app, client, login, scene, make_user, authors
):
    flagger = app.test_client()
    flagger.post("/auth/login", data={"login": "ewa_z", "password": "correct-horse-battery"})
    flagger.post(f"/r/{scene['reply'].id}/flag", data={"reason": "abusive", "note": "Obraźliwe."})
    tag_id = db.session.scalar(sa.select(sa.func.max(sa.text("id"))).select_from(sa.table("tag")))
    for path in moderation_pages(scene, tag_id, authors["en"].id):
        response = client.get(path)
        assert response.status_code == 200, path
        check_polish(response.text, path)


def test_the_audit_log_shows_translated_descriptions_of_stored_codes(client, scene):
    actions = [a for a in db.session.scalars(sa.select(AuditLog.action).order_by(AuditLog.id))]
    assert actions[:5] == ["lock", "hide", "restore", "suspend", "move"]  # stored as codes
    soup = BeautifulSoup(client.get("/moderation/audit").text, "html.parser")
    cells = [row.find_all("td")[2].get_text(strip=True) for row in soup.select("tbody tr")]
    assert {
        "Zablokowany",
        "Ukryty",
        "Przywrócony",
        "Konto zawieszone",
        "Przeniesiony",
        "Tag utworzony",
    } <= set(cells)
    options = {o["value"]: o.get_text(strip=True) for o in soup.select("#audit-action option")}
    assert options["hide"] == "Ukryty" and options[""] == "Wszystkie"
    details = " | ".join(row.find_all("td")[5].get_text(" ", strip=True) for row in soup.select("tbody tr"))
    assert "stan przed: Opublikowany" in details, details
    assert "z: Dobra praktyka" in details and "do: Dyskusja" in details, details
    # The same rows read in English by an English moderator: nothing translated was stored.
    db.session.expire_all()
    assert "Nieaktualne informacje." in [r for r in db.session.scalars(sa.select(AuditLog.reason))]


def test_names_are_not_translated_and_posts_keep_their_own_language(client, scene):
    page = BeautifulSoup(client.get("/moderation/members").text, "html.parser")
    assert page.find("a", string="sam_e")["translate"] == "no"
    flags = BeautifulSoup(client.get("/moderation/queue").text, "html.parser")
    title = flags.find("a", string="Nowy wpis do zatwierdzenia")
    assert title["lang"] == "pl"
    assert flags.find("span", attrs={"translate": "no"}, string="Jan Kowalski")
    history = BeautifulSoup(client.get(f"/t/{scene['english'].id}/history").text, "html.parser")
    assert history.find("pre", class_="diff-source")["lang"] == "en"


def test_flag_reasons_and_the_flag_form_in_both_languages(app, client, scene, make_user, login):
    member = make_user(username="kasia", display_name="Kasia Wiśniewska", locale="pl")
    other = app.test_client()
    other.post("/auth/login", data={"login": "kasia", "password": "correct-horse-battery"})
    other.get("/")  # shows the login's welcome
    url = f"/t/{scene['english'].id}/flag"
    form = other.get(url)
    check_polish(form.text, url)
    assert "Prywatność (np. zdjęcie czytelników lub dzieci bez zgody)" in form.text
    done = other.post(url, data={"reason": "spam"}, follow_redirects=True)
    assert "Dziękujemy: moderacja się temu przyjrzy." in done.text
    again = other.get(url)
    check_polish(again.text, url + " (flagged already)")
    assert "Twoje zgłoszenie z" in again.text
    reply_url = f"/r/{scene['reply'].id}/flag"
    check_polish(other.get(reply_url).text, reply_url)
    # English for an English member: the labels are lazy, read in the page's language.
    member.locale = "en"
    db.session.commit()
    assert "Privacy (e.g. a photo of patrons or children without consent)" in other.get(reply_url).text
    queue = client.get("/moderation/flags").text
    assert "Spam" in queue and "Zgłoszenia tego tematu" in queue


def test_refusals_and_flashes_are_polish(client, scene):
    english = scene["english"]
    refused = client.post(f"/moderation/topic/{english.id}/hide", data={"reason": ""}, follow_redirects=True)
    assert "Napisz, dlaczego ten wpis jest ukryty." in refused.text
    done = client.post(f"/moderation/topic/{english.id}/pin", follow_redirects=True)
    assert "Gotowe: temat jest przypięty." in done.text
    again = client.post(f"/moderation/topic/{english.id}/pin", follow_redirects=True)
    assert "Nic do zmiany: temat jest już przypięty." in again.text
    merged = client.post(f"/t/{english.id}/merge", data={"target": "nie-numer"})
    assert "to nie numer ani link błędu" in merged.text


def test_the_author_reads_the_decision_in_their_own_language(client, scene, authors):
    client.post(f"/moderation/topic/{scene['pending'].id}/approve")
    client.post(f"/moderation/topic/{scene['english'].id}/hide", data={"reason": "Spam."})
    notes = {n.user_id: n.message for n in db.session.scalars(sa.select(Notification))}
    assert notes[authors["pl"].id] == "Moderacja zatwierdziła Twój wpis „Nowy wpis do zatwierdzenia”."
    assert notes[authors["en"].id] == "A moderator hid your post “Posting at 3 am”: Nieaktualne informacje."


def test_the_moderation_tools_on_a_topic_page_are_polish(client, scene):
    page = client.get(f"/t/{scene['english'].id}/{scene['english'].slug}")
    tools = BeautifulSoup(page.text, "html.parser").find("details", class_="mod-tools")
    check_polish(f'<html lang="pl"><body><main>{tools.decode()}</main></body></html>', "topic page tools")


def test_the_command_line_speaks_the_default_language_and_still_exits_2_on_errors(make_app, make_user):
    polish = make_app(DEFAULT_LOCALE="pl")
    runner = polish.test_cli_runner()
    with polish.app_context():
        make_user(username="basia", display_name="Basia Lis")
        unknown = runner.invoke(args=["benefit", "set-role", "nobody", "moderator"])
        assert unknown.exit_code == 2 and "Nie ma członka o nazwie nobody." in unknown.output
        done = runner.invoke(args=["benefit", "set-role", "basia", "moderator"])
        assert done.exit_code == 0 and "basia jest teraz moderatorem." in done.output
        again = runner.invoke(args=["benefit", "set-role", "basia", "moderator"])
        assert "Basia Lis jest już moderatorem. Nic nie zostało zmienione." in again.output
        bad_time = runner.invoke(args=["digest", "send", "--period", "weekly", "--now", "wczoraj"])
        assert bad_time.exit_code == 2 and "użyj formatu ISO 8601" in bad_time.output
