"""The bitmap evaluator finds exactly what Whoosh's own matchers find, and ranks as Whoosh scores.

No database: documents go straight into an index in a temporary folder, across two segments and
with deletions, and every query is answered both ways.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from whoosh import query

from benefit.search.engine import IndexMeta, SearchRequest
from benefit.search.whoosh import WhooshEngine, evaluate, parsing

WORDS = (
    "library reader stories running runs video caption hashtag audience campaign event teens "
    "families archive budget partner influencer review display podcast stream trend template"
).split()
PLATFORMS = ["facebook", "instagram", "tiktok", "youtube"]


def doc(n: int, rng: random.Random, **changes: object) -> dict[str, object]:
    def text(k: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(k))

    base: dict[str, object] = {
        "id": str(n),
        "title": text(4),
        "body": text(rng.randint(5, 40)),
        "replies": text(rng.randint(0, 80)),
        "tags": "",
        "kind": rng.choice(["practice", "discussion", "mistake"]),
        "platform": ",".join(rng.sample(PLATFORMS, rng.randint(0, 2))),
        "trend": "",
        "category": "",
        "author": f"member{n % 5}",
        "owner": str(n % 5),
        "state": "published" if n % 9 else "pending",
        "vote_count": n % 13,
        "created_at": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=n * 7 % 500),
        "digest": "",
    }
    base.update(changes)
    return base


@pytest.fixture
def index(tmp_path):
    rng = random.Random(5)
    ix = WhooshEngine(tmp_path / "ix")
    ix.rebuild((doc(n, rng) for n in range(1, 301)), IndexMeta())
    # A second segment, and deletions in the first: edited documents move to the new segment.
    writer = ix.writer()
    assert writer is not None
    for n in range(1, 301, 7):
        writer.upsert(doc(n, rng, title="edited " + " ".join(rng.sample(WORDS, 3))))
    for n in range(2, 301, 11):
        writer.delete(str(n))
    writer.commit(IndexMeta(watermark=1))
    yield ix
    ix.close()


QUERIES = [
    "library",
    "library reader",
    "running",  # stems to "run": finds "runs" too
    "reader OR podcast",
    "library NOT video",
    '"library reader"',
    '"stories running" teens',
    "libr*",
    "nothing-like-this",
]


def whoosh_ids(searcher, q) -> set[int]:
    return set(searcher.docs_for_query(q))


@pytest.mark.parametrize("text", QUERIES)
def test_matches_are_exactly_whooshs(index, text):
    with index.reader.searching() as searcher:
        result = index.search(SearchRequest(text=text, see_all=True, per_page=1000))
        typed = index.parser.whoosh.parse(text)  # phrases as Whoosh matches them, by positions
        expected = {
            int(searcher.stored_fields(n)["id"])
            for n in whoosh_ids(
                searcher, typed.accept(lambda node: parsing.bound_wildcard(node, searcher, result))
            )
        }
    assert set(result.ids) == expected
    assert result.total == len(expected)


def test_filters_visibility_and_facet_counts_agree_with_whoosh(index):
    result = index.search(SearchRequest(text="library", filters={"platform": ["tiktok"]}, owner_id=3))
    with index.reader.searching() as searcher:
        parsed = index.parser.whoosh.parse("library")
        visible = query.Or(
            [
                query.Term("state", "published"),
                query.And([query.Term("state", "pending"), query.Term("owner", "3")]),
            ]
        )
        base = query.And([parsed, query.Term("platform", "tiktok"), visible])
        assert result.total == len(whoosh_ids(searcher, base))
        for kind, count in result.facets["kind"].items():
            assert count == len(whoosh_ids(searcher, query.And([base, query.Term("kind", kind)])))
        assert set(result.facets["platform"]) >= {"tiktok"}


@pytest.mark.parametrize("limit", [5, 15])
def test_relevance_order_is_whooshs_bm25f_order(index, limit):
    # One word matching many documents is read from its postings ranked best first.
    for text in ("library reader", "stories", "library", "reader OR podcast"):
        with index.reader.searching() as searcher:
            parsed = index.parser.whoosh.parse(text)
            leaves = index.postings.leaves(searcher)
            matched = {leaf.key: evaluate.matches(index.postings, leaf, parsed) for leaf in leaves}
            ours = evaluate.top_by_score(index.postings, searcher, leaves, parsed, matched, limit)
            # Every match scored (limit=None): Whoosh's block-skipping top-N is not exact here, it
            # misses documents of the first segment that outscore its last hits.
            theirs = list(searcher.search(parsed, limit=None))[:limit]
            their_scores = {hit.docnum: hit.score for hit in searcher.search(parsed, limit=None)}
            # Scores agree to single precision, so the order does too apart from near-ties.
            assert [round(their_scores[n], 3) for n in ours] == [round(hit.score, 3) for hit in theirs]


def test_sorts_by_newest_and_by_votes(index):
    newest = index.search(SearchRequest(text="library", sort="newest", see_all=True, per_page=1000)).ids
    votes = index.search(SearchRequest(text="library", sort="votes", see_all=True, per_page=1000)).ids
    rng = random.Random(5)
    created = {n: doc(n, rng)["created_at"] for n in range(1, 301)}
    assert [created[i] for i in newest] == sorted((created[i] for i in newest), reverse=True)
    assert [i % 13 for i in votes] == sorted((i % 13 for i in votes), reverse=True)
    assert sorted(newest) == sorted(votes)


def test_pages_follow_on_and_a_page_past_the_end_shows_the_last(index):
    first = index.search(SearchRequest(text="library", see_all=True, per_page=10, page=1))
    second = index.search(SearchRequest(text="library", see_all=True, per_page=10, page=2))
    everything = index.search(SearchRequest(text="library", see_all=True, per_page=1000))
    assert first.ids + second.ids == everything.ids[:20]
    beyond = index.search(SearchRequest(text="library", see_all=True, per_page=10, page=999))
    assert beyond.ids == everything.ids[(len(everything.ids) - 1) // 10 * 10 :]


def test_a_small_cache_evicts_and_still_answers_the_same(index):
    small = WhooshEngine(index.root)
    small.postings.max_bytes = 8_000  # a few words' postings: each query pushes earlier ones out
    asked = ["campaign", *QUERIES]  # no later query has the first one's word
    for text in asked:
        req = SearchRequest(text=text, see_all=True, per_page=50)
        assert small.search(req).ids == index.search(req).ids
        assert 0 < small.cache_info()["bytes"] <= 8_000
    # Least recently used out first: the last query is answered from the cache, the first is read
    # from the index again, where the full-size cache still holds it.
    first, last = (SearchRequest(text=t, see_all=True, per_page=50) for t in (asked[0], asked[-1]))
    misses = small.cache_info()["misses"]
    small.search(last)
    assert small.cache_info()["misses"] == misses
    small.search(first)
    assert small.cache_info()["misses"] > misses
    misses = index.cache_info()["misses"]
    index.search(first)
    assert index.cache_info()["misses"] == misses
    small.close()


def test_warming_reads_the_most_frequent_terms_first(index):
    fresh = WhooshEngine(index.root)
    assert fresh.warm(seconds=5.0) > 0
    info = fresh.cache_info()
    assert info["bytes"] > 0 and info["misses"] > 0
    fresh.search(SearchRequest(text="library", see_all=True))
    assert fresh.cache_info()["hits"] > info["hits"]
    fresh.close()


def test_an_index_built_before_word_pairs_still_finds_phrases(tmp_path, monkeypatch, index):
    from benefit.search.whoosh import schema as schema_module
    from benefit.search.whoosh import storage

    full = schema_module.make_schema

    def without_pairs():
        schema = full()
        for name in schema_module.PAIR_FIELDS.values():
            schema.remove(name)
        return schema

    monkeypatch.setattr(storage, "make_schema", without_pairs)
    old = WhooshEngine(tmp_path / "old")
    rng = random.Random(5)
    old.rebuild((doc(n, rng) for n in range(1, 301)), IndexMeta())
    monkeypatch.setattr(storage, "make_schema", full)
    assert not old.has_pairs() and index.has_pairs()
    writer = old.writer()
    assert writer is not None
    writer.upsert(doc(400, rng, title="library reader again"))  # the writer leaves the pairs out
    writer.commit(IndexMeta(watermark=1))
    found = old.search(SearchRequest(text='"library reader"', see_all=True, per_page=1000))
    with old.reader.searching() as searcher:
        expected = whoosh_ids(searcher, old.parser.whoosh.parse('"library reader"'))
        assert {int(searcher.stored_fields(n)["id"]) for n in expected} == set(found.ids)
    assert 400 in found.ids
    old.close()


def merge_everything(index: WhooshEngine) -> None:
    """What the indexer's commit does when it merges: new segment files, the old ones deleted."""
    from whoosh import index as whoosh_index

    from benefit.search.whoosh.schema import WRITER_OPTIONS

    ix = whoosh_index.open_dir(str(index.current_path()))
    before = set(ix.storage.list())
    writer = ix.writer(**WRITER_OPTIONS)
    writer.commit(optimize=True)
    assert before - set(ix.storage.list()), "the merge deleted no file"
    ix.close()


def test_a_searcher_keeps_reading_segments_whose_files_a_merge_deleted(index):
    with index.reader.searching() as searcher:
        titles = {n: searcher.stored_fields(n).get("title") for n in range(searcher.doc_count_all())}
    worker = WhooshEngine(index.root)  # another process's searcher, opened before the merge
    try:
        with worker.reader.searching() as old:
            pass
        merge_everything(index)
        # It still reads every stored field and every length of the segments it opened, though
        # their files are gone now.
        reader = old.reader()
        for n in range(reader.doc_count_all()):
            assert reader.stored_fields(n).get("title") == titles[n]
            if titles[n]:
                assert reader.doc_field_length(n, "title") > 0
        assert worker.search(SearchRequest(text="library", see_all=True)).total > 0  # and reopens
    finally:
        worker.close()


def test_a_searcher_opened_while_a_merge_commits_starts_again(index, monkeypatch):
    from benefit.search.whoosh import reader as reader_module

    real = reader_module.open_columns
    merges = []

    def merging_meanwhile(reader):
        if not merges:
            merges.append(True)
            merge_everything(index)  # deletes the files of the segments being opened
        real(reader)

    monkeypatch.setattr(reader_module, "open_columns", merging_meanwhile)
    expected = index.search(SearchRequest(text="library", see_all=True, per_page=1000)).ids
    assert merges
    with index.reader.searching() as searcher:
        assert len(searcher.reader().leaf_readers()) == 1  # the merged segment
        for n in range(searcher.doc_count_all()):
            searcher.stored_fields(n)
    assert index.search(SearchRequest(text="library", see_all=True, per_page=1000)).ids == expected
