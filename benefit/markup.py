"""Markdown to safe HTML: CommonMark by markdown-it-py, sanitised by nh3; @mentions become links."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

MAX_MENTIONS = 10
# Not after a word character, "@", "." or "/": anna@example.org and @@x are not mentions.
MENTION_RE = re.compile(r"(?<![\w@./])@([A-Za-z0-9_]{3,30})(?![\w@])")


def _mentions_rule(state: StateCore) -> None:
    """Find `@username` in plain text (never in code or inside links); link the known ones.

    env["mentions"]: usernames (lower case) to link; env["found"]: collects every candidate.
    """
    allowed: Collection[str] = state.env.get("mentions") or ()
    found: list[str] | None = state.env.get("found")
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        link_depth = 0
        for token in block.children:
            if token.type == "link_open":
                link_depth += 1
            elif token.type == "link_close":
                link_depth -= 1
            if token.type != "text" or link_depth or "@" not in token.content:
                children.append(token)
                continue
            children.extend(_split_mentions(token, allowed, found))
        block.children = children


def _split_mentions(token: Token, allowed: Collection[str], found: list[str] | None) -> list[Token]:
    out: list[Token] = []
    text = token.content
    pos = 0
    for match in MENTION_RE.finditer(text):
        username = match.group(1).lower()
        if found is not None:
            found.append(username)
        if username not in allowed:
            continue
        if match.start() > pos:
            out.append(_text(text[pos : match.start()], token))
        link = Token("link_open", "a", 1)
        link.attrs = {"href": f"/u/{username}", "class": "mention"}
        out += [link, _text(match.group(0), token), Token("link_close", "a", -1)]
        pos = match.end()
    if pos == 0:
        return [token]
    if pos < len(text):
        out.append(_text(text[pos:], token))
    return out


def _text(content: str, like: Token) -> Token:
    token = Token("text", "", 0)
    token.content = content
    token.level = like.level
    return token


_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"])
_md.core.ruler.after("text_join", "mentions", _mentions_rule)

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
# Only the mention links carry a class, and only this one.
ALLOWED_CLASSES = {"a": {"mention"}}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc noopener",
    )


def render_markdown(text: str, mentions: Collection[str] = ()) -> str:
    """`mentions`: the usernames (lower case) whose `@username` becomes a link to their page."""
    env: dict[str, Any] = {"mentions": {m.lower() for m in mentions}}
    # Raw HTML is off in the parser already; nh3 is the second wall, not the only one.
    return sanitize(_md.render(text, env))


def mention_candidates(*texts: str) -> list[str]:
    """Every distinct `@username` written in these texts (lower case, first appearance first)."""
    found: list[str] = []
    for text in texts:
        if "@" in text:
            _md.parse(text, {"found": found})
    return list(dict.fromkeys(found))


def plain_excerpt(html_or_text: str, length: int = 200) -> str:
    text = nh3.clean(html_or_text, tags=set())
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    return text[: length - 1].rsplit(" ", 1)[0] + "…"
