"""Small domain errors raised by services and turned into messages by views."""

from __future__ import annotations


class ServiceError(Exception):
    """A use case refused; the message is safe to show to the user."""

    status_code = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(ServiceError):
    status_code = 403


class NotFound(ServiceError):
    status_code = 404


class TopicLocked(NotAllowed):
    pass


class Suspended(NotAllowed):
    pass


class UnknownTag(ServiceError):
    pass


class Conflict(ServiceError):
    status_code = 409
