"""Moderators suspend and unsuspend members; admins (and the command line) change roles."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from benefit import permissions
from benefit.models import ROLES, User, utcnow
from benefit.moderation import audit
from benefit.moderation.actions.common import one_transaction, require_moderator, required_reason
from benefit.refusals import Conflict, NotAllowed, ServiceError

GRANTABLE_ROLES = ("member", "moderator")


def _check_can_act_on(moderator: User, member: User) -> None:
    require_moderator(moderator)
    if member.id == moderator.id:
        raise NotAllowed(_("You cannot do that to your own account."))
    if member.is_admin or (member.is_moderator and not moderator.is_admin):
        raise NotAllowed(_("Only an admin can suspend a moderator, and nobody can suspend an admin here."))


@one_transaction
def suspend_member(moderator: User, member: User, until: datetime, reason: str) -> User:
    _check_can_act_on(moderator, member)
    reason = required_reason(reason, _("Say why: the member will see it."))
    if until <= utcnow():
        raise ServiceError(_("Choose an end date in the future."), field="until")
    member.suspended_until = until
    member.suspension_reason = reason[:500]
    audit.record(moderator, "suspend", target_kind="user", target_id=member.id, reason=reason, until=until)
    return member


@one_transaction
def unsuspend_member(moderator: User, member: User, reason: str = "") -> User:
    require_moderator(moderator)
    if not member.is_suspended():
        raise Conflict(_("This member is not suspended."))
    if member.is_moderator and not moderator.is_admin:
        raise NotAllowed(_("Only an admin can change a moderator's suspension."))
    member.suspended_until = None
    member.suspension_reason = None
    audit.record(moderator, "unsuspend", target_kind="user", target_id=member.id, reason=reason.strip())
    return member


def _change_role(actor: User | None, member: User, role: str, **details: Any) -> User:
    if member.role == role:
        raise Conflict(_("%(name)s is already %(role)s.", name=member.display_name, role=role_phrase(role)))
    previous = member.role
    member.role = role
    audit.record(
        actor, "set_role", target_kind="user", target_id=member.id, previous=previous, role=role, **details
    )
    return member


def role_phrase(role: str) -> str:
    """“a moderator”, “an admin”: for messages (“… is now a moderator”)."""
    if role == "admin":
        return str(_("an admin"))
    if role == "moderator":
        return str(_("a moderator"))
    if role == "member":
        return str(_("a member"))
    return role


@one_transaction
def set_role(admin: User, member: User, role: str) -> User:
    """Admins grant and remove the moderator role (making admins stays on the command line)."""
    if not permissions.can_administer(admin):
        raise NotAllowed(_("Only admins can change roles."))
    if role not in GRANTABLE_ROLES:
        raise ServiceError(_("Choose member or moderator."), field="role")
    if member.id == admin.id or member.is_admin:
        raise NotAllowed(_("Change an admin's role with `flask benefit set-role`."))
    return _change_role(admin, member, role)


@one_transaction
def set_role_from_cli(member: User, role: str) -> User:
    """`flask benefit set-role`: any role, admin included. The audit row has no actor (like the
    system's own actions) and says it came from the command line."""
    if role not in ROLES:
        raise ServiceError(_("Choose one of: %(roles)s.", roles=", ".join(ROLES)), field="role")
    if member.is_deleted:
        raise NotAllowed(_("%(name)s deleted their account.", name=member.username))
    return _change_role(None, member, role, via="cli")
