"""The Whoosh implementation of the search port: the only package that imports Whoosh.

schema (fields and analysis), storage (generations on disk, the writer), reader (the refreshed
searcher), parsing (query text → bounded query), postings and evaluate (the bitmap evaluator),
highlight (snippets), spelling ("did you mean"), internals (Whoosh's private attributes, pinned to
whoosh-reloaded 2.7.5), engine (WhooshEngine, tying them together).
"""

from __future__ import annotations

from benefit.search.whoosh.engine import WhooshEngine

__all__ = ["WhooshEngine"]
