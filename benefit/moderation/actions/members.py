"""Moderators suspend and unsuspend members; admins (and the command line) change roles."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from benefit import permissions
from benefit.models import ROLES, User, utcnow
from benefit.moderation import audit
from benefit.moderation.actions.common import one_transaction, require_moderator, required_reason
from benefit.refusals import Conflict, NotAllowed, ServiceError

GRANTABLE_ROLES = ("member", "moderator")


def _check_can_act_on(moderator: User, member: User) -> None:
    require_moderator(moderator)
    if member.id == moderator.id:
        raise NotAllowed("You cannot do that to your own account.")
    if member.is_admin or (member.is_moderator and not moderator.is_admin):
        raise NotAllowed("Only an admin can suspend a moderator, and nobody can suspend an admin here.")


@one_transaction
def suspend_member(moderator: User, member: User, until: datetime, reason: str) -> User:
    _check_can_act_on(moderator, member)
    reason = required_reason(reason, "Say why: the member will see it.")
    if until <= utcnow():
        raise ServiceError("Choose an end date in the future.", field="until")
    member.suspended_until = until
    member.suspension_reason = reason[:500]
    audit.record(moderator, "suspend", target_kind="user", target_id=member.id, reason=reason, until=until)
    return member


@one_transaction
def unsuspend_member(moderator: User, member: User, reason: str = "") -> User:
    require_moderator(moderator)
    if not member.is_suspended():
        raise Conflict("This member is not suspended.")
    if member.is_moderator and not moderator.is_admin:
        raise NotAllowed("Only an admin can change a moderator's suspension.")
    member.suspended_until = None
    member.suspension_reason = None
    audit.record(moderator, "unsuspend", target_kind="user", target_id=member.id, reason=reason.strip())
    return member


def _change_role(actor: User | None, member: User, role: str, **details: Any) -> User:
    if member.role == role:
        raise Conflict(f"{member.display_name} is already {role_phrase(role)}.")
    previous = member.role
    member.role = role
    audit.record(
        actor, "set_role", target_kind="user", target_id=member.id, previous=previous, role=role, **details
    )
    return member


def role_phrase(role: str) -> str:
    """“a moderator”, “an admin”: for messages."""
    return f"an {role}" if role == "admin" else f"a {role}"


@one_transaction
def set_role(admin: User, member: User, role: str) -> User:
    """Admins grant and remove the moderator role (making admins stays on the command line)."""
    if not permissions.can_administer(admin):
        raise NotAllowed("Only admins can change roles.")
    if role not in GRANTABLE_ROLES:
        raise ServiceError("Choose member or moderator.", field="role")
    if member.id == admin.id or member.is_admin:
        raise NotAllowed("Change an admin's role with `flask benefit set-role`.")
    return _change_role(admin, member, role)


@one_transaction
def set_role_from_cli(member: User, role: str) -> User:
    """`flask benefit set-role`: any role, admin included. The audit row has no actor (like the
    system's own actions) and says it came from the command line."""
    if role not in ROLES:
        raise ServiceError(f"Choose one of: {', '.join(ROLES)}.", field="role")
    if member.is_deleted:
        raise NotAllowed(f"{member.username} deleted their account.")
    return _change_role(None, member, role, via="cli")
