"""Request helpers every feature's views share: page numbers, ids, safe redirects, visible posts."""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from benefit import permissions
from benefit.extensions import db
from benefit.models import Reply, Topic

MAX_PAGE = 100_000
# Ids are INTEGER columns: a larger number is no row, and PostgreSQL refuses it outright.
MAX_ID = 2**31 - 1


def page_arg(name: str = "page") -> int:
    """The page number asked for; anything but 1…MAX_PAGE in ASCII digits is a 404.

    "²".isdigit() is true but int() refuses it; a huge number overflows the database's OFFSET; a
    repeated argument takes the first value, as Werkzeug does.
    """
    raw = request.args.get(name, "1")
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE:
        abort(404)
    return int(raw)


def id_arg(name: str) -> int | None:
    """An optional id in the query string: absent or empty is None, anything else not an id is 404."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_ID:
        abort(404)
    return int(raw)


def valid_id(value: int) -> int:
    """An id from the URL (`<int:…>` accepts any length): out of range is 404, not a database error."""
    if not 1 <= value <= MAX_ID:
        abort(404)
    return value


def is_safe_path(target: str | None) -> bool:
    """A path on this site only: no scheme or host, no protocol-relative `//`, no backslash, and no
    control or space characters — browsers drop tabs and newlines, so `/\\t/evil.example` would
    become `//evil.example`."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    return not any(ch == "\\" or ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in target)


def safe_next(target: str | None, default: str = "forum.home") -> str:
    """`target` if it is a path on this site, else the address of the endpoint `default`."""
    return target if target is not None and is_safe_path(target) else url_for(default)


def back_to(default_url: str, field: str = "next") -> Response:
    """Redirect to the form's `next` field when it is a path on this site, else to `default_url`."""
    target = request.form.get(field) or request.args.get(field)
    return redirect(target if target is not None and is_safe_path(target) else default_url)


def visible_topic_or_404(topic_id: int) -> Topic:
    topic = db.session.get(Topic, valid_id(topic_id))
    if topic is None or not permissions.can_view_topic(current_user, topic):
        abort(404)
    return topic


def visible_reply_or_404(reply_id: int) -> Reply:
    reply = db.session.get(Reply, valid_id(reply_id))
    if reply is None or not permissions.can_view_reply(current_user, reply):
        abort(404)
    visible_topic_or_404(reply.topic_id)
    return reply
