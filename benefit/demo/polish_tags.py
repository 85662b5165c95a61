"""Polish names, descriptions and synonyms for the tag vocabulary (issue 17), from the taxonomy CSVs.

platforms.csv and trends.csv carry `name_pl` ("" where the name is the same in both languages)
and `note_pl`; synonyms-pl.csv lists what Polish librarians type for a tag. Kept beside the data
until the loader moves into benefit/forum/tags.py; call after `load_taxonomy()`.
"""

from __future__ import annotations

import csv
from pathlib import Path

import sqlalchemy as sa
from slugify import slugify

from benefit.extensions import db
from benefit.models import Tag, TagSynonym

TAXONOMY_DIR = Path(__file__).resolve().parent / "taxonomy"
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
    for slug, (name_pl, _) in polish_names(folder).items():
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
