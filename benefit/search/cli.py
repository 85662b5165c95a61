"""`flask search worker|status|rebuild|reconcile|prune`: run and look after the search index."""

from __future__ import annotations

import signal
import sys
import time
from datetime import timedelta
from types import FrameType

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from benefit.extensions import db
from benefit.models import SearchChange, utcnow
from benefit.search import get_service, search_health
from benefit.search.indexer import apply_pending, rebuild, reconcile


@click.group("search", help="Run and look after the search index.")
def search_cli() -> None:
    pass


def _say(message: str) -> None:
    click.echo(f"{time.strftime('%H:%M:%S')} {message}")
    sys.stdout.flush()


@search_cli.command("worker")
@click.option("--batch-size", type=int, default=None, help="Changes per Whoosh commit (default 300).")
@click.option("--poll", type=float, default=None, help="Seconds between looks at the change log.")
@click.option("--once", is_flag=True, help="Apply what is in the log now, then exit.")
@with_appcontext
def worker(batch_size: int | None, poll: float | None, once: bool) -> None:
    """The indexer: one per node, next to gunicorn. Stops cleanly on SIGTERM or Ctrl-C."""
    service = get_service(current_app)
    kwargs: dict[str, object] = {"say": _say}
    if batch_size:
        kwargs["batch_size"] = batch_size
    if poll:
        kwargs["poll"] = poll
    loop = service.make_worker(**kwargs)
    if once:
        error = loop.drain()
        _say(f"applied {loop.applied} changes")
        if error is not None:
            raise click.ClickException(error)
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        _say("stopping after the current batch")
        loop.stop.set()
        loop.wake.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    _say(f"search worker started: index {service.engine.root}, batches of {loop.batch_size}")
    loop.run()
    _say("search worker stopped")


@search_cli.command("status")
@with_appcontext
def status() -> None:
    """Documents, watermark, lag (changes not yet applied, and the age of the oldest), the
    indexer's last error."""
    engine = get_service(current_app).engine
    health = search_health(current_app)
    if not health["exists"]:
        click.echo(
            f"No index yet in {engine.root}: start `flask search worker` or run `flask search rebuild`."
        )
        _echo_worker(health)
        sys.exit(1)
    meta = engine.read_meta()
    newest = db.session.scalar(sa.select(sa.func.max(SearchChange.id))) or 0
    oldest = db.session.scalar(
        sa.select(sa.func.min(SearchChange.created_at)).where(SearchChange.id > meta.watermark)
    )
    click.echo(f"index:      {engine.location()}")
    click.echo(f"documents:  {engine.doc_count()}")
    click.echo(f"size:       {engine.size_bytes() / 1_048_576:.1f} MiB")
    click.echo(f"watermark:  {meta.watermark} (newest change {newest}; {meta.applied} applied in all)")
    lag = f"{health['lag']} changes" if health["lag"] is not None else "unknown"
    if oldest is not None:
        lag += f", oldest {(utcnow() - oldest).total_seconds():.0f} s old"
    click.echo(f"lag:        {lag}")
    _echo_worker(health)
    if meta.gaps:
        click.echo(f"waiting on: {len(meta.gaps)} change ids not committed yet (or rolled back)")
    if newest < meta.watermark:
        click.echo("The change log is behind the index (a new database?): run `flask search rebuild`.")
    for advice in engine.advice():
        click.echo(advice)


def _echo_worker(health: dict[str, object]) -> None:
    if health["last_error"]:
        click.echo(f"indexer:    failing since {health['last_error_at']}: {health['last_error']}")
    else:
        click.echo("indexer:    no error recorded")


@search_cli.command("rebuild")
@click.option("--procs", type=int, default=1, show_default=True, help="Indexing processes.")
@click.option("--multisegment", is_flag=True, help="With --procs > 1: keep one segment per process (faster).")
@with_appcontext
def rebuild_command(procs: int, multisegment: bool) -> None:
    """Build a fresh index beside the current one and swap it in atomically."""
    index = get_service(current_app).engine
    bar_state: dict[str, object] = {}

    def progress(done: int, total: int) -> None:
        bar = bar_state.get("bar")
        if bar is None:
            bar = click.progressbar(length=max(total, 1), label="Indexing topics", file=sys.stderr)
            bar.__enter__()
            bar_state["bar"] = bar
        bar.update(1)  # type: ignore[attr-defined]

    try:
        report = rebuild(index, db.engine, procs=procs, multisegment=multisegment, progress=progress)
    finally:
        if "bar" in bar_state:
            bar_state["bar"].__exit__(None, None, None)  # type: ignore[attr-defined]
    click.echo(
        f"Indexed {report.documents} topics in {report.seconds:.1f} s "
        f"({report.size_bytes / 1_048_576:.1f} MiB); watermark {report.watermark}."
    )


@search_cli.command("reconcile")
@click.option("--apply", "apply_now", is_flag=True, help="Also apply the queued changes now (no worker).")
@with_appcontext
def reconcile_command(apply_now: bool) -> None:
    """Compare the index with the database and queue every difference in the change log."""
    service = get_service(current_app)
    report = reconcile(service.engine, db.engine)
    click.echo(
        f"Checked {report.checked} topics: {report.missing} missing, {report.stale} out of date, "
        f"{report.extra} no longer in the database; {report.queued} queued."
    )
    if apply_now and report.queued:
        applied = apply_pending(service.engine, db.engine)
        click.echo(f"Applied {applied} changes.")


@search_cli.command("prune")
@click.option("--days", type=int, default=30, show_default=True, help="Keep this many days of log.")
@with_appcontext
def prune(days: int) -> None:
    """Delete change-log rows older than --days (every node must have applied them; the newest stays)."""
    newest = db.session.scalar(sa.select(sa.func.max(SearchChange.id)))
    if newest is None:
        click.echo("The change log is empty.")
        return
    cutoff = utcnow() - timedelta(days=days)
    deleted = db.session.execute(
        sa.delete(SearchChange).where(SearchChange.created_at < cutoff, SearchChange.id < newest)
    )
    db.session.commit()
    click.echo(f"Deleted {deleted.rowcount} change-log rows older than {days} days.")  # type: ignore[attr-defined]
