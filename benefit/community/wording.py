"""A notification's sentence, written when it is read, in the reader's language.

The row keeps the English sentence it was made with (`Notification.message`: the export, and kinds
written elsewhere, show it); replies, mentions and vote milestones are rewritten from what they are
about, so a Polish member reads Polish and an English one English. In HTML the topic's title
carries its own `lang` (WCAG 3.1.2).
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup

from benefit.forum.votes import VOTE_MILESTONE
from benefit.models import NOTIFICATION_KINDS, Notification


def _sentence(n: Notification, name_of: Callable[[str], str], title_of: Callable[[str], str]) -> str | None:
    """The sentence in the current language, or None for a kind told only by its stored message."""
    topic = n.topic
    if topic is None or n.kind not in ("reply", "mention", "vote_milestone"):
        return None
    title = title_of(topic.title)
    if n.kind == "vote_milestone":
        return str(
            ngettext(
                "%(num)d member has seen the mistake you reported: “%(title)s”.",
                "%(num)d members have seen the mistake you reported: “%(title)s”.",
                VOTE_MILESTONE,
                title=title,
            )
        )
    # No actor: an anonymous report's author (a mention), or a member since removed.
    name = _("A member") if n.actor is None else name_of(n.actor.public_name)
    if n.kind == "reply":
        return str(_("%(name)s replied to “%(title)s”", name=name, title=title))
    if n.reply_id is not None:
        return str(_("%(name)s mentioned you in a reply to “%(title)s”", name=name, title=title))
    return str(_("%(name)s mentioned you in “%(title)s”", name=name, title=title))


def _stored(n: Notification) -> str:
    return n.message or str(NOTIFICATION_KINDS.get(n.kind, n.kind))


def notification_text(n: Notification) -> str:
    """The sentence as plain text: a mail's subject and its text part."""
    return _sentence(n, str, str) or _stored(n)


def notification_html(n: Notification) -> Markup:
    """The sentence for a page or an HTML mail: names and titles escaped, each title in its language."""
    language = n.topic.language if n.topic is not None else "en"

    # The sentence is made with placeholders for the name and the title, then filled by Markup's
    # `%`, which escapes the values (a name stays plain text: the pages' tests read it whole) and
    # keeps the title's `<span lang>`. The translation itself is trusted text, as Jinja's `_()` is.
    sentence = _sentence(n, lambda _name: "%(name)s", lambda _title: "%(title)s")
    if sentence is None:
        return Markup.escape(_stored(n))
    title = n.topic.title if n.topic is not None else ""
    name = n.actor.public_name if n.actor is not None else ""
    return Markup.escape(sentence) % {
        "name": name,
        "title": Markup('<span lang="{}">{}</span>').format(language, title),
    }
