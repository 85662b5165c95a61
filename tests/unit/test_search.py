"""The change log, the indexer, rebuild and reconcile, without HTTP."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from benefit.extensions import db
from benefit.forum import actions as posting
from benefit.models import Reply, SearchChange, Tag, Topic
from benefit.search.documents import MAX_REPLY_TEXT, indexed_reply_text, load_documents
from benefit.search.engine import SearchRequest
from benefit.search.indexer import LogReset, apply_batch, apply_pending, check_log, rebuild, reconcile
from benefit.search.whoosh import WhooshEngine


def logged() -> list[int]:
    return list(db.session.scalars(sa.select(SearchChange.entity_id).order_by(SearchChange.id)))


def index_of(app) -> WhooshEngine:
    return app.extensions["benefit.search"].engine


def stop_following(app) -> None:
    """Leave the log unapplied, as when no worker runs."""
    app.extensions["benefit.search"].mode = "off"


# -- the change log -------------------------------------------------------------------------


def test_every_change_to_a_topic_or_reply_is_logged_in_its_transaction(app, make_topic, make_user):
    topic = make_topic(title="Logged topic")
    assert logged() == [topic.id]
    member = make_user()
    reply = posting.reply_to_topic(member, topic, "A reply.")
    assert logged()[-1] == topic.id
    posting.edit_reply(member, reply, "An edited reply.")
    before = len(logged())
    db.session.delete(db.session.get(Reply, reply.id))
    db.session.commit()
    assert len(logged()) == before + 1 and logged()[-1] == topic.id
    topic.state = "hidden"
    db.session.commit()
    assert logged()[-1] == topic.id
    topic_id = topic.id
    db.session.delete(topic)
    db.session.commit()
    assert logged()[-1] == topic_id


def test_a_rolled_back_change_is_never_logged(app, make_topic):
    topic = make_topic()
    before = logged()
    topic.title = "Never committed"
    db.session.flush()
    db.session.rollback()
    assert logged() == before


def test_reading_and_unrelated_writes_log_nothing(app, make_topic, make_user):
    make_topic()
    before = logged()
    user = make_user()
    user.last_seen_at = user.created_at
    db.session.commit()
    db.session.scalars(sa.select(Topic)).all()
    assert logged() == before


def test_bulk_statements_renames_and_tag_changes_are_logged(app, make_topic, make_user):
    alice = make_user(username="alice")
    first = make_topic(author=alice, tags=("instagram",))
    second = make_topic(tags=("tiktok",))
    count = len(logged())
    db.session.execute(sa.update(Topic).where(Topic.id == second.id).values(title="Bulk-updated title"))
    db.session.commit()
    assert logged()[count:] == [second.id]
    alice.username = "alice2"
    db.session.commit()
    assert logged()[count + 1 :] == [first.id]
    tag = db.session.scalar(sa.select(Tag).where(Tag.slug == "tiktok"))
    tag.name = "TikTok (ByteDance)"
    db.session.commit()
    assert logged()[count + 2 :] == [second.id]


# -- documents ------------------------------------------------------------------------------


def test_documents_never_hold_emails_and_hide_anonymous_reporters(app, make_topic, make_user):
    author = make_user(username="carol", email="carol.secret@example.org")
    open_topic = make_topic(author=author, body="A post that names nobody.")
    anonymous = make_topic(author=author, kind="mistake", is_anonymous=True)
    docs = load_documents(db.session, [open_topic.id, anonymous.id])
    assert docs[open_topic.id]["author"] == "carol"
    assert docs[anonymous.id]["author"] == ""
    for doc in docs.values():
        assert "carol.secret" not in " ".join(str(v) for v in doc.values())


def test_reply_text_past_the_per_topic_limit_is_not_searchable(app, make_topic, make_user):
    """MAX_REPLY_TEXT (documents.py): a topic's replies are indexed up to that many characters,
    oldest first; later words are not found, the topic still is by its earlier replies."""
    topic = make_topic(title="A very long discussion", body="Where it all began.")
    author = make_user()
    filler = "chatter " * (MAX_REPLY_TEXT // len("chatter "))
    db.session.add(Reply(topic=topic, author=author, body="-", body_html=f"<p>aardvark {filler}</p>"))
    db.session.flush()
    db.session.add(Reply(topic=topic, author=author, body="zebu", body_html="<p>zebu</p>"))
    db.session.commit()
    index = index_of(app)
    assert index.ids_for("aardvark") == [topic.id]
    assert index.ids_for("chatter") == [topic.id]
    assert index.ids_for("zebu") == []


def test_the_reply_text_limit_never_indexes_part_of_a_word():
    kept = "a" * (MAX_REPLY_TEXT - 5)
    assert indexed_reply_text([kept + " straddling the limit"]) == kept
    assert indexed_reply_text([kept, "fits"]) == kept + "\nfits"
    assert len(indexed_reply_text(["b" * (MAX_REPLY_TEXT + 10)])) == MAX_REPLY_TEXT


# -- the indexer ----------------------------------------------------------------------------


def test_reply_commit_is_found_and_rollback_is_not(app, make_topic, make_user):
    topic = make_topic(title="Plain title")
    index = index_of(app)
    posting.reply_to_topic(make_user(), topic, "A mention of the axolotl.")
    assert index.ids_for("axolotl") == [topic.id]
    db.session.add(Reply(topic=topic, author=topic.author, body="quokka", body_html="<p>quokka</p>"))
    db.session.flush()
    db.session.rollback()
    assert index.ids_for("quokka") == []


def test_the_watermark_moves_with_each_batch_and_reapplying_changes_nothing(app, make_topic):
    stop_following(app)
    topics = [make_topic(title=f"Batch topic {i}") for i in range(5)]
    index = index_of(app)
    first = apply_batch(index, db.engine, batch_size=2)
    assert first is not None and first.changes == 2
    assert index.read_meta().watermark == first.watermark
    assert apply_pending(index, db.engine, batch_size=2) == 3
    meta = index.read_meta()
    assert meta.applied == 5 and meta.watermark == max(logged_ids())
    assert index.doc_count() == 5
    assert apply_pending(index, db.engine) == 0
    assert sorted(index.ids_for("batch")) == sorted(t.id for t in topics)


def logged_ids() -> list[int]:
    return list(db.session.scalars(sa.select(SearchChange.id)))


def test_a_busy_writer_lock_leaves_the_work_to_its_holder(app, make_topic):
    stop_following(app)
    make_topic()
    index = index_of(app)
    holder = index.writer()
    assert holder is not None
    other = WhooshEngine(index.root)
    try:
        assert other.writer() is None
        assert apply_batch(other, db.engine) is None
    finally:
        holder.cancel()
        other.close()
    assert apply_pending(index, db.engine) == 1


def test_a_change_committed_late_below_the_watermark_is_still_applied(app, make_topic, make_user):
    """PostgreSQL hands out ids at insert time: id 2 may commit after id 3 was applied."""
    stop_following(app)
    early = make_topic(title="Early ocelot")
    late = make_topic(title="Late ocelot")
    db.session.execute(sa.delete(SearchChange))
    db.session.execute(sa.insert(SearchChange), [{"id": 1, "entity_kind": "topic", "entity_id": early.id}])
    db.session.execute(sa.insert(SearchChange), [{"id": 3, "entity_kind": "topic", "entity_id": early.id}])
    db.session.commit()
    index = index_of(app)
    apply_pending(index, db.engine)
    meta = index.read_meta()
    assert meta.watermark == 3 and list(meta.gaps) == [2]
    db.session.execute(sa.insert(SearchChange), [{"id": 2, "entity_kind": "topic", "entity_id": late.id}])
    db.session.commit()
    apply_pending(index, db.engine)
    assert sorted(index.ids_for("ocelot")) == sorted([early.id, late.id])
    assert index.read_meta().gaps == {}


def test_a_gap_that_never_fills_is_given_up_after_a_while(app, make_topic):
    stop_following(app)
    topic = make_topic()
    db.session.execute(sa.delete(SearchChange))
    db.session.execute(sa.insert(SearchChange), [{"id": 5, "entity_kind": "topic", "entity_id": topic.id}])
    db.session.commit()
    index = index_of(app)
    apply_batch(index, db.engine)
    assert len(index.read_meta().gaps) == 4
    apply_batch(index, db.engine, gap_seconds=0)
    assert index.read_meta().gaps == {}


def test_a_new_database_behind_an_old_index_is_detected(app, make_topic):
    stop_following(app)
    make_topic()
    make_topic()
    index = index_of(app)
    apply_pending(index, db.engine)
    db.session.execute(sa.delete(SearchChange))
    db.session.commit()
    with pytest.raises(LogReset):
        check_log(db.session, index.read_meta())


def test_a_hidden_topic_leaves_the_published_search(app, make_topic):
    topic = make_topic(title="Soon hidden marmot")
    index = index_of(app)
    assert index.search(SearchRequest(text="marmot")).ids == [topic.id]
    topic.state = "hidden"
    db.session.commit()
    assert index.search(SearchRequest(text="marmot")).ids == []
    assert index.search(SearchRequest(text="marmot", see_all=True)).ids == [topic.id]


# -- rebuild and reconcile ------------------------------------------------------------------


def test_rebuild_swaps_in_a_fresh_index_and_later_changes_follow(app, make_topic):
    topics = [make_topic(title=f"Rebuilt heron {i}") for i in range(4)]
    index = index_of(app)
    old_path = index.current_path()
    assert len(index.ids_for("heron")) == 4
    seen: list[tuple[int, int]] = []
    report = rebuild(index, db.engine, progress=lambda done, total: seen.append((done, total)))
    assert report.documents == 4 and seen[-1] == (4, 4)
    assert index.current_path() != old_path
    assert sorted(index.ids_for("heron")) == sorted(t.id for t in topics)
    assert index.read_meta().watermark == max(logged_ids())
    newer = make_topic(title="After the rebuild heron")
    assert newer.id in index.ids_for("heron")


def test_rebuild_with_two_processes(app, make_topic):
    for i in range(6):
        make_topic(title=f"Parallel puffin {i}")
    index = index_of(app)
    report = rebuild(index, db.engine, procs=2, multisegment=True)
    assert report.documents == 6
    assert len(index.ids_for("puffin")) == 6


def test_reconcile_finds_content_changed_behind_the_apps_back(app, make_topic):
    gone = make_topic(title="Deleted lemur")  # not the newest: SQLite would reuse its id
    changed = make_topic(title="Original title")
    gone_id, changed_id = gone.id, changed.id
    index = index_of(app)
    stop_following(app)
    with db.engine.begin() as conn:
        rewrite = sa.text("UPDATE topic SET title = 'Rewritten pangolin' WHERE id = :id")
        conn.execute(rewrite, {"id": changed_id})
        conn.execute(sa.text("DELETE FROM topic_tag WHERE topic_id = :id"), {"id": gone_id})
        conn.execute(sa.text("DELETE FROM topic WHERE id = :id"), {"id": gone_id})
    missing = make_topic(title="Never indexed tapir")
    assert index.ids_for("pangolin") == [] and index.ids_for("lemur") == [gone_id]
    report = reconcile(index, db.engine)
    assert (report.stale, report.extra, report.missing) == (1, 1, 1)
    apply_pending(index, db.engine)
    assert index.ids_for("pangolin") == [changed_id]
    assert index.ids_for("lemur") == []
    assert index.ids_for("tapir") == [missing.id]
    assert reconcile(index, db.engine).queued == 0


# -- the CLI --------------------------------------------------------------------------------


def test_cli_status_rebuild_reconcile_and_worker_once(app, runner, make_topic):
    make_topic(title="Command line kestrel")
    stop_following(app)
    make_topic(title="Waiting kestrel")
    status = runner.invoke(args=["search", "status"])
    assert status.exit_code == 0, status.output
    assert "documents:  1" in status.output and "lag:        1 changes" in status.output
    once = runner.invoke(args=["search", "worker", "--once"])
    assert "applied 1 changes" in once.output
    rebuilt = runner.invoke(args=["search", "rebuild"])
    assert rebuilt.exit_code == 0 and "Indexed 2 topics" in rebuilt.output
    reconciled = runner.invoke(args=["search", "reconcile", "--apply"])
    assert "0 queued" in reconciled.output
    pruned = runner.invoke(args=["search", "prune", "--days", "0"])
    assert pruned.exit_code == 0 and "Deleted" in pruned.output
    assert db.session.scalar(sa.select(sa.func.count(SearchChange.id))) == 1  # the newest stays


def test_the_worker_rebuilds_when_the_database_is_not_the_one_it_indexed(app, make_topic):
    import threading
    import time

    stop_following(app)
    make_topic(title="Old database yak")
    index = index_of(app)
    apply_pending(index, db.engine)
    # A restored or recreated database: same index, a change log that starts again.
    db.session.execute(sa.delete(SearchChange))
    db.session.execute(sa.delete(Topic))
    db.session.commit()
    fresh = make_topic(title="New database yak")
    worker = app.extensions["benefit.search"].make_worker(poll=0.05, say=lambda message: None)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while index.ids_for("yak") != [fresh.id] and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop.set()
        worker.wake.set()
        thread.join(timeout=10)
    assert index.ids_for("yak") == [fresh.id]


def test_an_index_committed_to_while_being_checked_is_still_found(tmp_path, monkeypatch):
    """Whoosh can find the table of contents it is reading gone when a writer commits meanwhile."""
    from benefit.search.whoosh import storage

    search_index = WhooshEngine(tmp_path / "idx")
    search_index.storage.ensure()
    real = storage.index.exists_in
    calls = []

    def racing(path: str) -> bool:
        calls.append(path)
        if len(calls) == 1:
            raise FileNotFoundError(path + "/_MAIN_1.toc")
        return real(path)

    monkeypatch.setattr(storage.index, "exists_in", racing)
    assert search_index.exists()
    search_index.storage.ensure()  # neither raises nor creates a second generation
    assert len(calls) == 3
    assert len([p for p in (tmp_path / "idx").iterdir() if p.name.startswith("gen-")]) == 1


@pytest.mark.parametrize(
    "text, words",
    [
        ("Running a library's TikTok: runs, runners and the run-up to story time.", "running"),
        ("Stories for teens. Our story hour; the storyteller's stories!", "stories teen"),
        ("The post was posted by posting staff at the U.S. library, posts 3.5 times", "post library"),
        ("Nothing here matches at all, not one word of it.", "podcast"),
        ("Ours is the library; our readers and yours. Having a book club, having fun.", "ours having"),
        (" ".join(["padding words"] * 40 + ["a booktok trend"] + ["more padding"] * 40), "booktok trend"),
    ],
)
def test_snippets_mark_exactly_what_whooshs_highlighter_marks(text, words):
    from whoosh import highlight

    from benefit.search.whoosh import highlight as snippets
    from benefit.search.whoosh.internals import MarkFormatter
    from benefit.search.whoosh.schema import ANALYZER

    terms = frozenset(t.text for t in ANALYZER(words))
    probe = snippets.probe(terms)
    for fragmenter in (highlight.ContextFragmenter(maxchars=220, surround=70), highlight.WholeFragmenter()):
        theirs = highlight.highlight(text, terms, ANALYZER, fragmenter, MarkFormatter())
        fragments = fragmenter.fragment_tokens(text, snippets.marked_tokens(text, terms, probe))
        best = highlight.top_fragments(fragments, 3, highlight.BasicFragmentScorer(), highlight.FIRST)
        assert MarkFormatter()(text, best) == theirs


# -- wiring ---------------------------------------------------------------------------------


def test_importing_the_search_package_loads_neither_views_nor_whoosh():
    import subprocess
    import sys

    check = (
        "import sys, benefit.search; "
        "loaded = [m for m in ('benefit.search.views', 'whoosh') if m in sys.modules]; "
        "sys.exit(', '.join(loaded) or None)"
    )
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_init_app_adds_the_search_page_and_commands_to_an_app(tmp_path):
    from flask import Flask

    from benefit.search import get_service, init_app

    bare = Flask("bare")
    bare.config.update(SEARCH_INDEX_DIR=str(tmp_path / "idx"), SEARCH_INDEXER="off")
    init_app(bare)
    assert bare.view_functions["search.search"]
    assert "search" in bare.cli.commands
    assert get_service(bare).engine.root == tmp_path / "idx"
    get_service(bare).close()
