"""An indexer that cannot write its index says where and how to fix it, once, and every process
can read that error (search_health, `flask search status`) along with the index's lag."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from benefit.search import search_health


def flask(app, *args: str):
    """`flask …` against this app (the test's own app context is pushed, and would win)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def unusable_index_dir(tmp_path: Path) -> Path:
    """An index directory nobody can create, root included: a regular file is in its place."""
    path = tmp_path / "node" / "search-index"
    path.parent.mkdir()
    path.write_text("not a directory\n")
    return path


def test_a_worker_that_cannot_write_the_index_names_the_path_and_every_process_sees_it(
    app, make_app, make_topic, tmp_path
):
    make_topic(title="Waiting walrus")
    index_dir = unusable_index_dir(tmp_path)
    worker_app = make_app(SEARCH_INDEX_DIR=str(index_dir), SEARCH_INDEXER="off")
    once = flask(worker_app, "search", "worker", "--once")
    assert once.exit_code == 1
    assert f"cannot write the search index at {index_dir}" in once.output
    assert "BENEFIT_SEARCH_INDEX_DIR" in once.output  # and how to fix it

    # A web worker is another process: a fresh app on the same settings shares no memory with it.
    web_app = make_app(SEARCH_INDEX_DIR=str(index_dir), SEARCH_INDEXER="off")
    health = search_health(web_app)
    assert health["last_error"] is not None and str(index_dir) in health["last_error"]
    assert health["lag"] == 1  # the topic's change is waiting
    assert json.loads(json.dumps(health)) == health
    status = flask(web_app, "search", "status")
    assert status.exit_code == 1
    assert "failing since" in status.output and str(index_dir) in status.output

    # Fixed: the next run indexes the topic and the error is gone, for every process.
    index_dir.unlink()
    again = flask(worker_app, "search", "worker", "--once")
    assert again.exit_code == 0, again.output
    health = search_health(make_app(SEARCH_INDEX_DIR=str(index_dir), SEARCH_INDEXER="off"))
    assert health["last_error"] is None and health["lag"] == 0 and health["exists"]


def test_the_worker_says_an_error_once_not_at_every_retry(app, make_app, make_topic, tmp_path):
    make_topic(title="Patient heron")
    index_dir = unusable_index_dir(tmp_path)
    worker_app = make_app(SEARCH_INDEX_DIR=str(index_dir), SEARCH_INDEXER="off")
    said: list[str] = []
    worker = worker_app.extensions["benefit.search"].make_worker(say=said.append)
    outcomes = [worker.step() for _ in range(5)]
    assert outcomes == ["failed"] * 5
    errors = [message for message in said if "indexer error" in message]
    assert len(errors) == 1 and str(index_dir) in errors[0]
    index_dir.unlink()
    assert worker.step() == "applied"
    assert "indexer working again" in said
    assert search_health(worker_app)["last_error"] is None
    assert worker_app.extensions["benefit.search"].engine.ids_for("heron")


def test_an_error_the_worker_cannot_record_on_disk_is_still_reported_in_its_process(
    app, make_app, make_topic, tmp_path
):
    """A regular file where the index's parent directory should be: nothing can be written there."""
    make_topic(title="Lonely lynx")
    parent = tmp_path / "instance"
    parent.write_text("a file, not a directory\n")
    index_dir = parent / "search-index"
    worker_app = make_app(SEARCH_INDEX_DIR=str(index_dir), SEARCH_INDEXER="off")
    said: list[str] = []
    worker = worker_app.extensions["benefit.search"].make_worker(say=said.append)
    assert [worker.step(), worker.step()] == ["failed", "failed"]
    assert sum("could not record the indexer's state" in message for message in said) == 1
    health = search_health(worker_app)
    assert str(index_dir) in health["last_error"] and health["lag"] == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through any permission bits")
def test_a_read_only_index_directory_is_named_with_the_fix(app, make_app, make_topic, tmp_path):
    make_topic(title="Read-only raven")
    index_dir = tmp_path / "search-index"
    index_dir.mkdir()
    index_dir.chmod(0o500)
    try:
        worker_app = make_app(SEARCH_INDEX_DIR=str(index_dir), SEARCH_INDEXER="off")
        once = flask(worker_app, "search", "worker", "--once")
        assert once.exit_code == 1 and str(index_dir) in once.output and "chown" in once.output
        assert str(index_dir) in search_health(worker_app)["last_error"]
    finally:
        index_dir.chmod(0o700)
        shutil.rmtree(index_dir)


def test_health_of_a_working_index_reports_its_lag(app, make_topic):
    make_topic(title="Indexed ibis")
    health = search_health(app)
    assert health == {
        "lag": 0,
        "last_error": None,
        "last_error_at": None,
        "index": app.config["SEARCH_INDEX_DIR"],
        "exists": True,
        "indexer": "sync",
    }
    app.extensions["benefit.search"].mode = "off"
    make_topic(title="Unindexed ibis")
    make_topic(title="Another unindexed ibis")
    assert search_health(app)["lag"] == 2


def test_a_permission_error_names_the_file_and_the_fix(tmp_path):
    """What the worker says when the index directory belongs to another user (chmod cannot make
    that happen to root, so the error is made here as the kernel would report it)."""
    from benefit.search.health import describe_error

    index_dir = tmp_path / "search-index"
    index_dir.mkdir()
    denied = PermissionError(13, "Permission denied", str(index_dir / "WRITELOCK"))
    assert repr(denied) == "PermissionError(13, 'Permission denied')"  # what the log said before
    message = describe_error(denied, index_dir)
    lock = index_dir / "WRITELOCK"
    assert message.startswith(f"cannot write the search index at {lock} (Permission denied)")
    assert f"chown -R <that user> {index_dir}" in message
