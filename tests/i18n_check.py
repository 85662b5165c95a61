"""Find English left on a page served in Polish.

A page in Polish may quote English (an English post's title or body, a member's name); such
content carries its own `lang` attribute (WCAG 3.1.2, Language of Parts), or `translate="no"`
for names and other text that is nobody's language. Everything else the reader sees, including
`title`, `alt`, `placeholder`, `aria-label` and button values, must be Polish: this checker
reports the English words it finds there, with the text around them so a failure says where.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Words that are common in English interface text and are not Polish words (so "to", "on", "no",
# "by", "post", "tag", "moderator" and "was" (Polish "Was", you all) are missing on purpose).
ENGLISH = frozenset(
    """
    the and your you with for this that these those are is were been be of in or at from has
    have had not will would can could should here there what which who whom all more most less
    log sign search members member practices practice mistakes mistake discussions discussion
    tags settings notifications notification reply replies save cancel email password page next
    previous latest new edit delete flag vote seen share confirm send mail digest subscribe
    unsubscribe back home about privacy join account profile follow following followers bookmark
    bookmarks moderation queue approve reject hide hidden show results result sort
    sorted oldest newest topic topics title body required optional error errors please try again
    found forbidden too many requests large server something went wrong
    """.split()
)
SEEN_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label", "aria-description")
VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
# Words of any alphabet ("hasło" is not "has" + "o", "flagę" not "flag"), hyphenated ones whole
# (Polish writes "e-mail", which is not the English "mail").
WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


class _Walker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        # One entry per open element: (tag, effective language or None when not to be checked).
        self.stack: list[tuple[str, str | None]] = [("#root", None)]
        self.found: list[str] = []
        # <title> cannot carry a lang of its part: it is checked at the end, without the texts
        # the page quotes in another language (an English post's title in "Przenieś „…” · BENEFIT").
        self.title = ""
        self.quoted: list[str] = []

    def _language(self) -> str | None:
        return self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        language = self._language()
        if "lang" in values:
            language = (values["lang"] or "").split("-")[0].lower() or None
        if values.get("translate") == "no" or tag in ("script", "style", "code", "pre"):
            language = "zxx"  # not linguistic content (BCP 47)
        if language == "pl":
            for name in SEEN_ATTRIBUTES:
                self._check(values.get(name))
            if tag == "input" and values.get("type") in ("submit", "button", "reset"):
                self._check(values.get("value"))
        if tag not in VOID:
            self.stack.append((tag, language))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        language = self._language()
        if self.stack[-1][0] == "title":
            self.title += data
        elif language == "pl":
            self._check(data)
        elif language not in (None, "zxx") and data.strip():
            self.quoted.append(data.strip())

    def check_title(self) -> None:
        title = self.title
        for text in sorted(self.quoted, key=len, reverse=True):
            title = title.replace(text, " ")
        if self.stack and self.title:
            self._check(title)

    def _check(self, text: str | None) -> None:
        if not text:
            return
        for match in WORD.finditer(text):
            if (
                match.group().lower() == "mail"
                and text[max(0, match.start() - 2) : match.start()].lower() == "e-"
            ):
                continue  # "adres e-mail" is Polish (the glossary's word)
            if match.group().lower() in ENGLISH:
                start = max(0, match.start() - 40)
                self.found.append(" ".join(text[start : match.end() + 40].split()))
                return


def english_left(html: str) -> list[str]:
    """The snippets of a Polish page (`<html lang="pl">`) that still read as English."""
    walker = _Walker()
    walker.feed(html)
    walker.close()
    walker.check_title()
    return walker.found


def assert_polish(html: str, where: str = "") -> None:
    assert '<html lang="pl"' in html, f"{where}: the page is not served in Polish"
    left = english_left(html)
    assert not left, f"{where}: English left on a Polish page: {left[:8]}"
