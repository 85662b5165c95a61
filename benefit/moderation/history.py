"""Edit history of a post: its versions, oldest first, and line diffs between them."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from benefit.extensions import db
from benefit.models import Reply, Revision, Topic, User

CONTEXT_LINES = 2


@dataclass
class DiffLine:
    kind: str  # "same" | "del" | "ins" | "gap"
    text: str


@dataclass
class Version:
    number: int
    title: str
    body: str
    by: User
    at: datetime
    title_changed: bool = False
    diff: list[DiffLine] = field(default_factory=list)


def line_diff(old: str, new: str, context: int = CONTEXT_LINES) -> list[DiffLine]:
    """Removed and added lines with a little unchanged context; long unchanged runs collapse."""
    a, b = old.splitlines(), new.splitlines()
    lines: list[DiffLine] = []
    for group in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_grouped_opcodes(context):
        if lines:
            lines.append(DiffLine("gap", "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [DiffLine("same", text) for text in a[i1:i2]]
                continue
            if tag in ("replace", "delete"):
                lines += [DiffLine("del", text) for text in a[i1:i2]]
            if tag in ("replace", "insert"):
                lines += [DiffLine("ins", text) for text in b[j1:j2]]
    return lines


def versions(topic: Topic, reply: Reply | None = None) -> list[Version]:
    """Every version of a topic (or of one of its replies), oldest first.

    A revision keeps the content as it stood before an edit, so version n is revision n+1's
    content (or the current row), made by revision n's editor at revision n's time.
    """
    stmt = sa.select(Revision).where(Revision.topic_id == topic.id)
    stmt = stmt.where(Revision.reply_id == reply.id) if reply else stmt.where(Revision.reply_id.is_(None))
    revisions = list(db.session.scalars(stmt.order_by(Revision.id)))
    author = reply.author if reply else topic.author
    created = reply.created_at if reply else topic.created_at
    current_title = "" if reply else topic.title
    current_body = reply.body if reply else topic.body
    contents = [(r.title, r.body) for r in revisions] + [(current_title, current_body)]
    made = [(author, created)] + [(r.editor, r.created_at) for r in revisions]
    result: list[Version] = []
    for number, ((title, body), (by, at)) in enumerate(zip(contents, made, strict=True)):
        version = Version(number=number, title=title, body=body, by=by, at=at)
        if result:
            previous = result[-1]
            version.title_changed = previous.title != title
            version.diff = line_diff(previous.body, body)
        result.append(version)
    return result
