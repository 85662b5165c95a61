"""The data model; import models from here."""

from benefit.models.forum import (
    KIND_PLURALS,
    KINDS,
    MISTAKE_CATEGORIES,
    TAG_KINDS,
    Reply,
    Revision,
    Tag,
    TagSynonym,
    Topic,
    Vote,
    mistake_practice,
    topic_tag,
)
from benefit.models.moderation import FLAG_REASONS, AuditLog, Flag
from benefit.models.search import SearchChange
from benefit.models.social import (
    EMAIL_FREQUENCIES,
    NOTIFICATION_KINDS,
    Bookmark,
    Notification,
    NotificationSetting,
    TagFollow,
    TopicFollow,
)
from benefit.models.subscriptions import FREQUENCIES, DigestDelivery, Subscription
from benefit.models.types import utcnow
from benefit.models.user import LIBRARY_TYPES, ROLE_LABELS, ROLES, User, new_session_token, user_platform

__all__ = [
    "EMAIL_FREQUENCIES",
    "FLAG_REASONS",
    "FREQUENCIES",
    "KINDS",
    "KIND_PLURALS",
    "LIBRARY_TYPES",
    "MISTAKE_CATEGORIES",
    "NOTIFICATION_KINDS",
    "ROLE_LABELS",
    "ROLES",
    "TAG_KINDS",
    "AuditLog",
    "Bookmark",
    "DigestDelivery",
    "Flag",
    "Notification",
    "NotificationSetting",
    "Reply",
    "Revision",
    "SearchChange",
    "Subscription",
    "Tag",
    "TagFollow",
    "TagSynonym",
    "Topic",
    "TopicFollow",
    "User",
    "Vote",
    "mistake_practice",
    "topic_tag",
    "user_platform",
    "new_session_token",
    "utcnow",
]
