"""Moderation's views, one module per seam; importing this package registers their routes."""

from __future__ import annotations

from benefit.moderation.views import audit, common, flags, members, mistakes, posts, public, tags

__all__ = ["audit", "common", "flags", "members", "mistakes", "posts", "public", "tags"]
