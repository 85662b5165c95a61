"""What a digest holds for a recipient, for which period, and how it reads as a mail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup

from benefit.digests.collect import Collector, collect_digest
from benefit.digests.mail import render_digest
from benefit.digests.period import period_ending_before
from benefit.extensions import db
from benefit.models import Reply, Subscription, TagFollow, Vote, utcnow

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # a Monday
IN_WEEK = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
BEFORE = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
WEEK = period_ending_before("weekly", NOW)


def subscribe(email="reader@example.org", *, user=None, only_followed_tags=False, frequency="weekly"):
    sub = Subscription(
        email=email,
        user_id=user.id if user else None,
        frequency=frequency,
        only_followed_tags=only_followed_tags,
        confirmed_at=utcnow(),
    )
    db.session.add(sub)
    db.session.commit()
    return sub


def vote(topic, user, at):
    db.session.add(Vote(topic_id=topic.id, user_id=user.id, created_at=at))
    topic.vote_count += 1
    db.session.commit()


@pytest.mark.parametrize(
    "frequency, now, key, start, end, label",
    [
        ("weekly", NOW, "weekly:2026-11-16", "2026-11-16", "2026-11-23", "16–22 Nov 2026"),
        (
            "weekly",
            datetime(2026, 11, 29, 23, 59, tzinfo=UTC),
            "weekly:2026-11-16",
            "2026-11-16",
            "2026-11-23",
            None,
        ),
        (
            "weekly",
            datetime(2026, 12, 2, tzinfo=UTC),
            "weekly:2026-11-23",
            "2026-11-23",
            "2026-11-30",
            "23–29 Nov 2026",
        ),
        ("daily", NOW, "daily:2026-11-22", "2026-11-22", "2026-11-23", "22 Nov 2026"),
        (
            "daily",
            datetime(2027, 1, 1, 0, 30, tzinfo=UTC),
            "daily:2026-12-31",
            "2026-12-31",
            "2027-01-01",
            None,
        ),
    ],
)
def test_the_period_is_the_day_or_monday_to_sunday_week_that_just_ended(
    frequency, now, key, start, end, label
):
    period = period_ending_before(frequency, now)
    assert period.key == key
    assert period.start.date().isoformat() == start and period.end.date().isoformat() == end
    assert period.start.tzinfo is not None
    if label:
        assert period.label == label


def test_a_time_in_another_zone_is_read_as_utc_and_naive_times_are_refused():
    from datetime import timezone

    # 01:00 on Monday in UTC+2 is still Sunday in UTC: the week that ended is the one before.
    tz = timezone(timedelta(hours=2))
    assert period_ending_before("weekly", datetime(2026, 11, 23, 1, 0, tzinfo=tz)).key == "weekly:2026-11-09"
    with pytest.raises(ValueError):
        period_ending_before("weekly", datetime(2026, 11, 23))  # noqa: DTZ001
    with pytest.raises(ValueError):
        period_ending_before("monthly", NOW)


def test_digest_holds_only_published_unmerged_topics_of_the_period(app, make_topic, make_user):
    shown = make_topic(title="Shown practice", created_at=IN_WEEK, replies=2)
    make_topic(title="Pending practice", created_at=IN_WEEK, state="pending")
    make_topic(title="Hidden practice", created_at=IN_WEEK, state="hidden")
    make_topic(title="Old practice", created_at=BEFORE)
    make_topic(title="This week's practice", created_at=NOW + timedelta(hours=1))
    target = make_topic(kind="mistake", title="Target mistake", created_at=BEFORE)
    make_topic(kind="mistake", title="Merged mistake", created_at=IN_WEEK, merged_into_id=target.id)
    digest = collect_digest(subscribe(), WEEK)
    assert digest is not None
    assert [i.title for i in digest.practices] == [shown.title]
    assert digest.mistakes == [] and digest.discussions == []
    item = digest.practices[0]
    assert item.url == f"http://benefit.test/t/{shown.id}/{shown.slug}"
    assert item.tags == ["Instagram", "BookTok"]  # the platform first, then the trend
    assert item.is_new and item.replies == 2
    assert item.excerpt == "A practice that works well for our readers."


def test_sections_rank_practices_by_replies_mistakes_by_votes_and_discussions_by_new_replies(
    app, make_topic, make_user
):
    quiet = make_topic(title="Quiet practice", created_at=IN_WEEK, replies=0)
    busy = make_topic(title="Busy practice", created_at=IN_WEEK, replies=4)
    voters = [make_user() for _ in range(3)]
    # An old mistake that people kept recognising this week is news; one without new votes is not.
    old_seen = make_topic(kind="mistake", title="Old but seen again", created_at=BEFORE)
    for v in voters:
        vote(old_seen, v, IN_WEEK)
    old_quiet = make_topic(kind="mistake", title="Old and quiet", created_at=BEFORE)
    vote(old_quiet, voters[0], BEFORE)
    new_mistake = make_topic(kind="mistake", title="New mistake", created_at=IN_WEEK)
    vote(new_mistake, voters[0], IN_WEEK)
    old_talk = make_topic(kind="discussion", title="Old talk, new replies", created_at=BEFORE)
    for _ in range(2):
        db.session.add(
            Reply(topic=old_talk, author=voters[0], body="x", body_html="<p>x</p>", created_at=IN_WEEK)
        )
    db.session.add(
        Reply(
            topic=old_talk,
            author=voters[0],
            body="x",
            body_html="<p>x</p>",
            created_at=IN_WEEK,
            state="hidden",
        )
    )
    make_topic(kind="discussion", title="Old silent talk", created_at=BEFORE, replies=3)
    db.session.commit()

    digest = collect_digest(subscribe(), WEEK)
    assert [i.title for i in digest.practices] == [busy.title, quiet.title]
    assert [i.title for i in digest.mistakes] == [old_seen.title, new_mistake.title]
    assert digest.mistakes[0].new_votes == 3 and not digest.mistakes[0].is_new
    assert "3 “I've seen this” votes (3 new)" in digest.mistakes[0].stats
    assert [i.title for i in digest.discussions] == [old_talk.title]
    assert digest.discussions[0].new_replies == 2  # the hidden reply does not count


def test_an_items_tags_read_platforms_first_then_trends_each_by_name(app, make_topic):
    # Given in no particular order; names chosen to sort alike under SQLite's and PostgreSQL's collations.
    topic = make_topic(
        title="Tagged all over",
        created_at=IN_WEEK,
        tags=("short-video", "tiktok", "booktok", "instagram", "facebook"),
    )
    sub = subscribe()
    digest = collect_digest(sub, WEEK)
    expected = ["Facebook", "Instagram", "TikTok", "BookTok", "Short video"]
    assert digest.practices[0].tags == expected
    text = render_digest(sub, sub.email, digest).get_body(("plain",)).get_content()
    assert f"{', '.join(expected)} · " in text
    assert topic.title in text


def test_nothing_new_means_no_digest(app, make_topic):
    make_topic(created_at=BEFORE, replies=3)
    assert collect_digest(subscribe(), WEEK) is None


def test_only_followed_tags_narrows_the_digest(app, make_topic, make_user, taxonomy):
    make_topic(title="On Instagram", tags=("instagram",), created_at=IN_WEEK)
    make_topic(title="On TikTok", tags=("tiktok", "booktok"), created_at=IN_WEEK)
    follower = make_user()
    db.session.add(TagFollow(user_id=follower.id, tag_id=taxonomy["instagram"].id))
    db.session.commit()
    narrowed = collect_digest(subscribe(user=follower, only_followed_tags=True, email="f@example.org"), WEEK)
    assert [i.title for i in narrowed.practices] == ["On Instagram"]
    assert narrowed.only_followed_tags
    everything = collect_digest(subscribe(user=make_user(), email="all@example.org"), WEEK)
    assert {i.title for i in everything.practices} == {"On Instagram", "On TikTok"}
    nothing_followed = subscribe(user=make_user(), only_followed_tags=True, email="n@example.org")
    assert collect_digest(nothing_followed, WEEK) is None


def test_recipients_who_see_the_same_share_one_collection(app, make_topic, count_queries):
    make_topic(created_at=IN_WEEK)
    subs = [subscribe(f"r{i}@example.org") for i in range(5)]
    collector = Collector(WEEK)
    collector.for_subscription(subs[0])
    for s in subs:
        db.session.refresh(s)
    with count_queries() as q:
        digests = {id(collector.for_subscription(s)) for s in subs[1:]}
    assert q.count == 0 and len(digests) == 1


def test_rendered_digest_says_what_is_inside_and_reads_without_images(app, make_topic, make_user):
    practice = make_topic(
        title="Story polls that work", created_at=IN_WEEK, replies=1, body="Ask **one** thing."
    )
    mistake = make_topic(kind="mistake", title="Posting without alt text", created_at=IN_WEEK)
    vote(mistake, make_user(), IN_WEEK)
    sub = subscribe()
    msg = render_digest(sub, sub.email, collect_digest(sub, WEEK))
    assert msg["Subject"] == "BENEFIT weekly digest, 16–22 Nov 2026: 1 practice, 1 mistake"
    assert msg["To"] == "reader@example.org"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https_part, mailto_part = [p.strip(" <>") for p in msg["List-Unsubscribe"].split(",")]
    assert https_part.startswith("http://benefit.test/digest/unsubscribe/")
    assert mailto_part.startswith("mailto:noreply@benefit.localhost?subject=unsubscribe%20")

    text = msg.get_body(("plain",)).get_content()
    assert "GOOD PRACTICES" in text and "MOST-SEEN MISTAKES" in text and "ACTIVE DISCUSSIONS" not in text
    assert f"http://benefit.test/t/{practice.id}/{practice.slug}" in text
    assert "Ask one thing." in text and "**" not in text
    assert https_part in text

    soup = BeautifulSoup(msg.get_body(("html",)).get_content(), "html.parser")
    assert soup.html["lang"] == "en"
    assert soup.h1.get_text().startswith("BENEFIT weekly digest")
    assert [h.get_text() for h in soup.find_all("h2")] == ["Good practices", "Most-seen mistakes"]
    assert [h.get_text(strip=True) for h in soup.select("ol > li h3")] == [practice.title, mistake.title]
    assert soup.find("img") is None
    links = {a.get_text(strip=True): a["href"] for a in soup.find_all("a")}
    assert links[mistake.title] == f"http://benefit.test/t/{mistake.id}/{mistake.slug}"
    assert links["Unsubscribe"] == https_part
    assert "1 “I've seen this” vote" in soup.get_text()
