"""The controlled tag vocabulary: resolving names and synonyms, loading the taxonomy."""

from __future__ import annotations

import csv
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from slugify import slugify

from benefit.extensions import db
from benefit.forum.generations import Generation
from benefit.models import Tag, TagSynonym
from benefit.refusals import UnknownTag

TAXONOMY_DIR = Path(__file__).resolve().parent.parent / "demo" / "taxonomy"

# Names people use for a platform or trend that are not its slug.
SYNONYMS: dict[str, str] = {
    "fb": "facebook",
    "meta": "facebook",
    "ig": "instagram",
    "insta": "instagram",
    "twitter": "x-twitter",
    "x": "x-twitter",
    "yt": "youtube",
    "tt": "tiktok",
    "tik-tok": "tiktok",
    "linked-in": "linkedin",
    "book-tok": "booktok",
    "a11y": "accessibility",
}


TREND_NAMES: dict[str, str] = {
    "booktok": "BookTok",
    "bookstagram": "Bookstagram",
    "booktube": "BookTube",
    "memes-humor": "Memes and humour",
    "analytics-roi": "Analytics and ROI",
    "ai-tools": "AI tools",
    "privacy-consent": "Privacy and consent",
    "policy-moderation": "Policy and moderation",
    "staff-picks-readers-advisory": "Staff picks and readers' advisory",
    "collections-heritage": "Collections and heritage",
    "campaigns-national-days": "Campaigns and national days",
    "advocacy-funding": "Advocacy and funding",
    "security-accounts": "Account security",
}


def split_tag_input(raw: str) -> list[str]:
    return [part.strip() for part in raw.replace(";", ",").split(",") if part.strip()]


def _unknown(name: str, kind: str) -> str:
    if kind == "platform":
        return str(_("“%(name)s” is not a known platform tag.", name=name))
    return str(_("“%(name)s” is not a known trend tag.", name=name))


def _wrong_kind(name: str, kind: str) -> str:
    """`name` is a tag of `kind`, asked for as the other kind."""
    if kind == "platform":
        return str(_("“%(name)s” is a platform tag, not a trend.", name=name))
    return str(_("“%(name)s” is a trend tag, not a platform.", name=name))


def resolve_tags(names: Iterable[str], kind: str) -> list[Tag]:
    """Map names, slugs and synonyms to canonical tags of `kind`; refuse anything unknown."""
    wanted = [(name, slugify(name)) for name in names]
    if not wanted:
        return []
    slugs = {slug for _, slug in wanted}
    by_slug = {t.slug: t for t in db.session.scalars(sa.select(Tag).where(Tag.slug.in_(slugs)))}
    synonyms = {
        s.slug: s.tag for s in db.session.scalars(sa.select(TagSynonym).where(TagSynonym.slug.in_(slugs)))
    }
    tags: list[Tag] = []
    for name, slug in wanted:
        tag = by_slug.get(slug) or synonyms.get(slug)
        if tag is None:
            raise UnknownTag(_unknown(name, kind))
        if tag.kind != kind:
            raise UnknownTag(_wrong_kind(name, tag.kind))
        if tag not in tags:
            tags.append(tag)
    return tags


def find_tag(slug: str) -> tuple[Tag | None, bool]:
    """The tag for a slug, and whether the slug was a synonym (so the URL should redirect)."""
    tag = db.session.scalar(sa.select(Tag).where(Tag.slug == slug))
    if tag is not None:
        return tag, False
    synonym = db.session.scalar(sa.select(TagSynonym).where(TagSynonym.slug == slug))
    return (synonym.tag, True) if synonym else (None, False)


def load_taxonomy(folder: Path = TAXONOMY_DIR) -> int:
    """Create or update the platform and trend tags and their synonyms. Idempotent."""
    existing = {t.slug: t for t in db.session.scalars(sa.select(Tag))}
    created = 0
    rows: list[tuple[str, str, str, str, str]] = []
    with open(folder / "platforms.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            rows.append(("platform", row["slug"], row["name"], row["note"], row["status"]))
    with open(folder / "trends.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            slug = row["slug"]
            name = TREND_NAMES.get(slug) or slug.replace("-", " ").capitalize()
            rows.append(("trend", slug, name, row["note"], ""))
    for kind, slug, name, note, status in rows:
        tag = existing.get(slug)
        if tag is None:
            tag = Tag(slug=slug, name=name, kind=kind, description=note, status=status)
            db.session.add(tag)
            existing[slug] = tag
            created += 1
    db.session.flush()
    known_synonyms = set(db.session.scalars(sa.select(TagSynonym.slug)))
    for synonym, target in SYNONYMS.items():
        if synonym not in known_synonyms and synonym not in existing and target in existing:
            db.session.add(TagSynonym(slug=synonym, tag=existing[target]))
    return created


# The Polish side of the vocabulary (issue 17): platforms.csv and trends.csv carry `name_pl` (""
# where the name is the same in both languages) and `note_pl`; synonyms-pl.csv lists what Polish
# librarians type for a tag. Call after `load_taxonomy()`.
TAG_FILES = ("platforms.csv", "trends.csv")


def polish_names(folder: Path = TAXONOMY_DIR) -> dict[str, tuple[str, str]]:
    """slug → (Polish name, Polish description) for every platform and trend in the CSVs."""
    found: dict[str, tuple[str, str]] = {}
    for name in TAG_FILES:
        with open(folder / name, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                found[row["slug"]] = (row["name_pl"].strip(), row["note_pl"].strip())
    return found


def polish_synonyms(folder: Path = TAXONOMY_DIR) -> dict[str, str]:
    """Polish synonym slug → canonical tag slug: the listed ones, then each Polish name as typed
    into the tag field (`Współpraca z influencerami` → `wspolpraca-z-influencerami`)."""
    synonyms: dict[str, str] = {}
    with open(folder / "synonyms-pl.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            synonyms[row["slug"]] = row["tag"]
    for slug, (name_pl, _note) in polish_names(folder).items():
        typed = slugify(name_pl, max_length=40, word_boundary=True)
        if typed and typed != slug:
            synonyms.setdefault(typed, slug)
    return synonyms


def apply_polish_names(folder: Path = TAXONOMY_DIR) -> int:
    """Fill the empty Polish name and description of each known tag (a moderator's edit stays).
    Returns how many tags changed. Idempotent; the caller commits."""
    changed = 0
    names = polish_names(folder)
    for tag in db.session.scalars(sa.select(Tag).where(Tag.slug.in_(names))):
        name_pl, note_pl = names[tag.slug]
        before = (tag.name_pl, tag.description_pl)
        if not tag.name_pl and name_pl:
            tag.name_pl = name_pl
        if not tag.description_pl and note_pl:
            tag.description_pl = note_pl
        changed += (tag.name_pl, tag.description_pl) != before
    return changed


def add_polish_synonyms(folder: Path = TAXONOMY_DIR) -> int:
    """Add the Polish synonyms whose tag exists, never one that is already a tag or a synonym.
    Returns how many were added. Idempotent; the caller commits."""
    tags = {t.slug: t for t in db.session.scalars(sa.select(Tag))}
    taken = set(tags) | set(db.session.scalars(sa.select(TagSynonym.slug)))
    added = 0
    for slug, target in polish_synonyms(folder).items():
        if slug not in taken and target in tags:
            db.session.add(TagSynonym(slug=slug, tag=tags[target]))
            taken.add(slug)
            added += 1
    return added


@dataclass(frozen=True)
class Vocabulary:
    """Every tag as plain values (slug → name and kind) and every synonym (slug → tag slug)."""

    tags: dict[str, tuple[str, str]]
    synonyms: dict[str, str]

    def names(self, kind: str) -> list[tuple[str, str]]:
        """(slug, name) of the tags of one kind, by name."""
        return sorted(
            ((slug, name) for slug, (name, k) in self.tags.items() if k == kind), key=lambda sn: sn[1]
        )

    def resolve(self, slug: str) -> tuple[str, str] | None:
        """(slug, kind) of the tag a slug or synonym names, or None."""
        canonical = slug if slug in self.tags else self.synonyms.get(slug)
        return (canonical, self.tags[canonical][1]) if canonical in self.tags else None


_vocabulary_generation = Generation("tags", Tag, TagSynonym)


def vocabulary() -> Vocabulary:
    """The tag vocabulary, kept per process for TAG_COUNTS_CACHE_SECONDS (tags change rarely; a
    commit that changes a tag or synonym in this process drops it at once)."""
    ttl = current_app.config["TAG_COUNTS_CACHE_SECONDS"]
    cached = current_app.extensions.get("benefit.tag_vocabulary")
    now = time.monotonic()
    if ttl > 0 and cached is not None and cached[0] == _vocabulary_generation.value and now - cached[1] < ttl:
        return cast(Vocabulary, cached[2])
    rows = db.session.execute(sa.select(Tag.slug, Tag.name, Tag.kind))
    synonyms = db.session.execute(sa.select(TagSynonym.slug, Tag.slug).join(Tag, Tag.id == TagSynonym.tag_id))
    found = Vocabulary(
        tags={slug: (name, kind) for slug, name, kind in rows},
        synonyms={syn: slug for syn, slug in synonyms},
    )
    current_app.extensions["benefit.tag_vocabulary"] = (_vocabulary_generation.value, now, found)
    return found
