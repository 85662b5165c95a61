"""`/feed.atom` and `/tags/<slug>/feed.atom` (beside forum's `/tags/<slug>`, which takes no slash)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator
from flask import abort, current_app, redirect, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape
from werkzeug.wrappers import Response

from benefit.digests.links import SiteLinks
from benefit.feeds import bp
from benefit.feeds.queries import latest_public
from benefit.forum.tags import find_tag
from benefit.i18n import default_locale
from benefit.markup import plain_excerpt
from benefit.models import Topic, utcnow

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


class _Entry(FeedEntry):  # type: ignore[misc]  # feedgen ships no type information
    """An entry that says which language its post is written in (`xml:lang`, WCAG 3.1.2)."""

    language = "en"

    def atom_entry(self, extensions: bool = True) -> Any:
        element = super().atom_entry(extensions)
        element.set(XML_LANG, self.language)
        return element


def _updated(topic: Topic) -> datetime:
    return topic.updated_at or topic.created_at


def _content(topic: Topic) -> str:
    html = topic.body_html
    if topic.kind == "mistake" and topic.how_to_avoid_html:
        html += "<h2>" + escape(_("How to avoid it")) + "</h2>" + topic.how_to_avoid_html
    return html


def _feed(
    title: str, subtitle: str, self_url: str, page_url: str, topics: list[Topic], fallback: datetime
) -> Response:
    links = SiteLinks()
    fg = FeedGenerator()
    fg.id(self_url)
    fg.title(title)
    fg.subtitle(subtitle)
    fg.link(href=self_url, rel="self", type="application/atom+xml")
    fg.link(href=page_url, rel="alternate", type="text/html")
    fg.author({"name": current_app.config["SITE_NAME"]})
    fg.language(default_locale())
    fg.updated(max((_updated(t) for t in topics), default=fallback))
    for topic in topics:
        entry = _Entry()
        entry.language = topic.language
        fg.add_entry(entry, order="append")
        # The permalink without the slug: the id stays the same when the title changes.
        entry.id(links.url("forum.topic", topic_id=topic.id))
        entry.title(f"{topic.kind_label}: {topic.title}")
        entry.link(href=links.url("forum.topic", topic_id=topic.id, slug=topic.slug), rel="alternate")
        entry.published(topic.created_at)
        entry.updated(_updated(topic))
        entry.author({"name": _("A member") if topic.is_anonymous else topic.author.public_name})
        for tag in topic.tags:
            entry.category(term=tag.slug, label=tag.name, scheme=links.url("forum.tags"))
        entry.summary(plain_excerpt(topic.body_html, 300))
        entry.content(_content(topic), type="html")
    response = Response(fg.atom_str(pretty=True), mimetype="application/atom+xml")
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


@bp.route("/feed.atom")
def site_feed() -> Response:
    links = SiteLinks()
    site = current_app.config["SITE_NAME"]
    with force_locale(default_locale()):  # one feed for every reader: it is cached publicly
        return _feed(
            _("%(site)s: latest practices, mistakes and discussions", site=site),
            _("What librarians share about running their library's social media."),
            links.url("feeds.site_feed"),
            links.url("forum.home"),
            latest_public(),
            fallback=utcnow(),
        )


@bp.route("/tags/<slug>/feed.atom")
def tag_feed(slug: str) -> Response:
    tag, is_synonym = find_tag(slug)
    if tag is None:
        abort(404, _("There is no tag “%(slug)s”.", slug=slug))
    if is_synonym:
        return redirect(url_for("feeds.tag_feed", slug=tag.slug), 301)
    links = SiteLinks()
    with force_locale(default_locale()):
        name = tag.localized_name(default_locale())[0]
        return _feed(
            f"{current_app.config['SITE_NAME']}: {name}",
            _("The latest posts tagged %(tag)s.", tag=name),
            links.url("feeds.tag_feed", slug=tag.slug),
            links.url("forum.tag", slug=tag.slug),
            latest_public(tag),
            fallback=tag.created_at,
        )
