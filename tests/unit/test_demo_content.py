"""The demo content (`flask benefit seed-demo`) in both languages, and the Polish tag vocabulary."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from benefit.demo.seed import CONTENT, seed_demo
from benefit.extensions import db
from benefit.forum.tags import SYNONYMS, TAXONOMY_DIR, find_tag, polish_synonyms, resolve_tags
from benefit.markup import render_markdown
from benefit.models import LIBRARY_TYPES, MISTAKE_CATEGORIES, Reply, Tag, TagSynonym, Topic, User, Vote

KINDS = {"practices": "practice", "mistakes": "mistake", "discussions": "discussion"}
POLISH_LETTERS = re.compile("[ąćęłńóśźżĄĆĘŁŃÓŚŹŻ]")


def content() -> dict[str, list[dict[str, object]]]:
    return json.loads(CONTENT.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def every_topic(data):
    for key in KINDS:
        yield from data[key]


@pytest.fixture
def app_config(app_config):
    # Seeding indexes nothing here: these tests read the database (search has its own tests).
    return {**app_config, "SEARCH_INDEXER": "off"}


@pytest.fixture
def seeded(app):
    return seed_demo()


def test_the_content_file_is_valid_and_every_text_renders():
    data = content()
    assert {m["username"] for m in data["members"]} >= {m["author"] for m in every_topic(data)}
    members = {m["username"] for m in data["members"]}
    for item in every_topic(data):
        assert item["language"] in ("pl", "en"), item["title"]
        texts = [item["body"], item.get("how_to_avoid", "")] + [r["body"] for r in item.get("replies", [])]
        for text in filter(None, texts):
            html = render_markdown(text)
            assert html.strip() and "<script" not in html, item["title"]
        for reply in item.get("replies", []):
            assert reply["language"] in ("pl", "en") and reply["author"] in members
    titles = [item["title"] for item in every_topic(data)]
    assert len(titles) == len(set(titles)), "titles identify the demo topics, so they must be unique"


def test_every_polish_text_is_written_with_polish_letters():
    data = content()
    for item in every_topic(data):
        if item["language"] == "pl":
            # A short title may have none ("Minuta dla nauczyciela"), its body always has some.
            for text in (item["body"], item.get("how_to_avoid") or "ą"):
                assert POLISH_LETTERS.search(text), f"no Polish letters in {text[:60]!r}"
        for reply in item.get("replies", []):
            if reply["language"] == "pl":
                assert POLISH_LETTERS.search(reply["body"]), reply["body"][:60]
    for member in data["members"]:
        if member.get("locale") == "pl":
            assert POLISH_LETTERS.search(member["bio"] + member["role"] + member["display_name"]), member


def test_at_least_a_third_of_each_kind_and_of_the_replies_is_polish(seeded):
    by_kind = dict(
        db.session.execute(
            sa.select(Topic.kind, sa.func.count()).where(Topic.language == "pl").group_by(Topic.kind)
        ).all()
    )
    totals = dict(db.session.execute(sa.select(Topic.kind, sa.func.count()).group_by(Topic.kind)).all())
    for kind in KINDS.values():
        assert by_kind.get(kind, 0) * 3 >= totals[kind], kind
    # The whole researched catalogue stays, in English.
    english_mistakes = sa.select(sa.func.count()).where(Topic.kind == "mistake", Topic.language == "en")
    assert db.session.scalar(english_mistakes) == 40
    polish_replies = db.session.scalar(sa.select(sa.func.count()).where(Reply.language == "pl"))
    assert polish_replies * 3 >= db.session.scalar(sa.select(sa.func.count(Reply.id)))
    on_english = (
        sa.select(sa.func.count())
        .select_from(Reply)
        .join(Topic, Topic.id == Reply.topic_id)
        .where(Reply.language == "pl", Topic.language == "en")
    )
    assert db.session.scalar(on_english) >= 5
    # Polish discussions are answered in Polish.
    polish_discussions = sa.select(Topic).where(Topic.kind == "discussion", Topic.language == "pl")
    for topic in db.session.scalars(polish_discussions):
        languages = list(db.session.scalars(sa.select(Reply.language).where(Reply.topic_id == topic.id)))
        assert languages.count("pl") >= 2, topic.title


def test_polish_members_have_a_polish_locale_and_the_others_keep_theirs(seeded):
    locales = dict(db.session.execute(sa.select(User.username, User.locale)).all())
    polish = [u for u, locale in locales.items() if locale == "pl"]
    assert len(polish) >= 3
    # The browser suite logs in as these two and reads the English interface.
    assert locales["kasia_nowak"] == "" and locales["ewa_malinowska"] == ""
    library_types = set(db.session.scalars(sa.select(User.library_type).where(User.locale == "pl")))
    assert {"pedagogical", "public", "school"} <= library_types


def test_the_first_page_of_each_list_shows_both_languages(seeded):
    for kind in KINDS.values():
        newest = db.session.scalars(
            sa.select(Topic.language)
            .where(Topic.kind == kind)
            .order_by(Topic.last_activity_at.desc())
            .limit(20)
        )
        assert set(newest) == {"pl", "en"}, kind


def test_every_tag_and_category_of_the_content_is_in_the_taxonomy(seeded):
    kinds = dict(db.session.execute(sa.select(Tag.slug, Tag.kind)).all())
    data = content()
    keys = {p["key"] for p in data["practices"]}
    for item in every_topic(data):
        for slug in item["platforms"]:
            assert kinds.get(slug) == "platform", (item["title"], slug)
        for slug in item["trends"]:
            assert kinds.get(slug) == "trend", (item["title"], slug)
        if "category" in item:
            assert item["category"] in MISTAKE_CATEGORIES and item["how_to_avoid"]
            assert set(item["library_types"]) <= set(LIBRARY_TYPES), item["title"]
            assert set(item["avoided_by"]) <= keys, item["title"]
    for member in data["members"]:
        assert all(kinds.get(slug) == "platform" for slug in member["platforms"]), member["username"]
        assert member["library_type"] in LIBRARY_TYPES
    # Every tag an item names reached its topic.
    last = data["practices"][-1]
    topic = db.session.scalar(sa.select(Topic).where(Topic.title == last["title"]))
    assert {t.slug for t in topic.tags} == set(last["platforms"] + last["trends"])


def test_every_tag_has_a_polish_name_unless_it_is_a_platform_named_alike(seeded):
    for tag in db.session.scalars(sa.select(Tag)):
        assert tag.name_pl or tag.kind == "platform", tag.slug
        assert tag.description_pl and tag.description_pl != tag.description, tag.slug
    polish = " ".join(db.session.scalars(sa.select(Tag.description_pl)))
    assert len(POLISH_LETTERS.findall(polish)) > 100
    names = dict(db.session.execute(sa.select(Tag.slug, Tag.name_pl)).all())
    assert names["influencer-partnerships"] == "Współpraca z influencerami"
    assert names["facebook"] == "" and names["podcast"] == "Podcasty"


def test_polish_synonyms_lead_to_their_tags(seeded):
    for slug, target in polish_synonyms().items():
        tag, is_synonym = find_tag(slug)
        assert tag is not None and tag.slug == target and is_synonym, slug
    assert find_tag("fejsbuk")[0].slug == "facebook"
    assert find_tag("rodo")[0].slug == "privacy-consent"
    assert find_tag("tydzien-bibliotek")[0].slug == "campaigns-national-days"
    assert find_tag("lubimyczytac-pl")[0].slug == "lubimyczytac"
    # A member writing the Polish name in the post form gets the canonical tag.
    assert [t.slug for t in resolve_tags(["Współpraca z influencerami", "RODO"], "trend")] == [
        "influencer-partnerships",
        "privacy-consent",
    ]


def test_no_polish_synonym_takes_the_place_of_a_tag_or_another_synonym():
    slugs: set[str] = set()
    for name in ("platforms.csv", "trends.csv"):
        with open(TAXONOMY_DIR / name, newline="", encoding="utf-8") as fh:
            slugs |= {row["slug"] for row in csv.DictReader(fh)}
    synonyms = polish_synonyms()
    assert synonyms and not set(synonyms) & slugs and not set(synonyms) & set(SYNONYMS)
    assert set(synonyms.values()) <= slugs
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s) and len(s) <= 40 for s in synonyms)


def counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Topic, Reply, User, Tag, TagSynonym, Vote)
    )


def test_seeding_twice_adds_nothing_the_second_time(seeded):
    first = counts()
    again = seed_demo()
    assert counts() == first
    assert again.topics_created == again.replies_created == 0
    assert again.tags_named_pl == again.synonyms_created == 0
    assert again.members_created == []


def test_a_demo_seeded_in_english_only_gets_the_polish_content_added(app, tmp_path: Path):
    data = content()
    english = {
        "members": [m for m in data["members"] if m.get("locale") != "pl"],
        **{
            key: [
                {**item, "replies": [r for r in item.get("replies", []) if r["language"] == "en"]}
                for item in data[key]
                if item["language"] == "en"
            ]
            for key in KINDS
        },
    }
    old = tmp_path / "content.json"
    old.write_text(json.dumps(english), encoding="utf-8")
    seed_demo(old)
    assert db.session.scalar(sa.select(sa.func.count()).where(Reply.language == "pl")) == 0

    report = seed_demo()
    assert report.topics_created == sum(1 for item in every_topic(data) if item["language"] == "pl")
    title = "Is anyone still posting on X, or has everyone moved on?"
    topic = db.session.scalar(sa.select(Topic).where(Topic.title == title))
    replies = list(db.session.scalars(sa.select(Reply).where(Reply.topic_id == topic.id)))
    assert [r.language for r in replies].count("pl") >= 1
    assert topic.reply_count == len(replies)
    assert len({(r.author_id, r.body) for r in replies}) == len(replies)


def test_the_taxonomy_files_name_every_category_and_library_type_in_both_languages():
    with open(TAXONOMY_DIR / "categories.csv", newline="", encoding="utf-8") as fh:
        categories = {row["slug"]: row for row in csv.DictReader(fh)}
    assert {slug: row["name_en"] for slug, row in categories.items()} == MISTAKE_CATEGORIES
    for row in categories.values():
        assert row["name_pl"] and row["description_pl"] and row["description_en"], row["slug"]
    with open(TAXONOMY_DIR / "library-types.csv", newline="", encoding="utf-8") as fh:
        names = {row["slug"]: row["name_pl"] for row in csv.DictReader(fh)}
    assert set(names) == set(LIBRARY_TYPES) and all(names.values())
    assert names["pedagogical"] == "Biblioteka pedagogiczna"
