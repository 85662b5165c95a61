"""The search change log: written in the same transaction as the change it records."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from benefit.extensions import db
from benefit.models.types import UTCDateTime, utcnow


class SearchChange(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "search_change"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    entity_kind: Mapped[str] = mapped_column(sa.String(10))  # "topic" | "reply"
    entity_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
