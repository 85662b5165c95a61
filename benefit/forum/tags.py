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
from slugify import slugify

from benefit.extensions import db
from benefit.forum.generations import Generation
from benefit.models import TAG_KINDS, Tag, TagSynonym
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
            raise UnknownTag(f"“{name}” is not a known {TAG_KINDS[kind].lower()} tag.")
        if tag.kind != kind:
            raise UnknownTag(
                f"“{name}” is a {TAG_KINDS[tag.kind].lower()} tag, not a {TAG_KINDS[kind].lower()}."
            )
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
