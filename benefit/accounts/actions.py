"""Accounts: registration, confirmation, login, password reset, admin set-up."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import generate_password_hash

from benefit.extensions import db
from benefit.forum.tags import resolve_tags
from benefit.models import LIBRARY_TYPES, User, new_session_token, utcnow
from benefit.refusals import Conflict, ServiceError


@dataclass(frozen=True)
class Registration:
    username: str
    email: str
    password: str
    display_name: str
    institution: str
    library_type: str
    country: str
    job_role: str


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def register(data: Registration) -> User:
    username = data.username.strip().lower()
    email = normalize_email(data.email)
    if data.library_type not in LIBRARY_TYPES:
        raise ServiceError("Choose a library type from the list.", field="library_type")
    taken = db.session.scalar(sa.select(User.id).where(User.username == username))
    if taken is not None:
        raise Conflict("That username is taken. Choose another.", field="username")
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        # Not revealed to the visitor: the view answers as for a new account and the
        # owner of the address gets a mail saying someone tried to register with it.
        raise EmailAlreadyRegistered(email)
    user = User(
        username=username,
        email=email,
        display_name=data.display_name.strip(),
        institution=data.institution.strip(),
        library_type=data.library_type,
        country=data.country.strip().upper(),
        job_role=data.job_role.strip(),
    )
    user.set_password(data.password)
    if not current_app.config["REQUIRE_EMAIL_CONFIRMATION"]:
        user.email_confirmed_at = utcnow()
    db.session.add(user)
    db.session.commit()
    return user


class EmailAlreadyRegistered(ServiceError):
    def __init__(self, email: str) -> None:
        super().__init__("already registered")
        self.email = email


def authenticate(login: str, password: str) -> User | None:
    login = login.strip().lower()
    by_name_or_email = sa.or_(User.username == login, User.email == login)
    user: User | None = db.session.scalar(sa.select(User).where(by_name_or_email))
    if user is None or user.is_deleted:
        # Spend the same time on a missing account as on a wrong password.
        generate_password_hash(password)
        return None
    if not user.check_password(password):
        return None
    user.last_seen_at = utcnow()
    db.session.commit()
    return user


def email_token(user: User, purpose: str) -> str:
    # The password hash is part of a reset token, so a used token dies with the old password.
    payload = {"id": user.id, "email": user.email}
    if purpose == "reset":
        payload["pw"] = user.password_hash[-12:]
    return _serializer(purpose).dumps(payload)


def user_from_token(token: str, purpose: str, max_age: int) -> User | None:
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(payload, dict):
        return None
    user = db.session.get(User, payload.get("id"))
    if user is None or user.is_deleted or user.email != payload.get("email"):
        return None
    if purpose == "reset" and user.password_hash[-12:] != payload.get("pw"):
        return None
    return user


def confirm_email(token: str) -> User | None:
    user = user_from_token(token, "confirm", current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    if user is None:
        return None
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        db.session.commit()
    return user


def find_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def reset_password(token: str, new_password: str) -> User | None:
    user = user_from_token(token, "reset", current_app.config["PASSWORD_RESET_MAX_AGE"])
    if user is None:
        return None
    user.set_password(new_password)
    user.session_token = new_session_token()
    # Following a mailed link proves the address too.
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise ServiceError("Your current password is not right.", field="current_password")
    user.set_password(new)
    user.session_token = new_session_token()
    db.session.commit()


def log_out_other_sessions(user: User) -> None:
    user.session_token = new_session_token()
    db.session.commit()


def update_profile(
    user: User,
    *,
    display_name: str,
    institution: str,
    library_type: str,
    country: str,
    job_role: str,
    bio: str,
    platforms: list[str],
) -> User:
    if library_type not in LIBRARY_TYPES:
        raise ServiceError("Choose a library type from the list.", field="library_type")
    user.platforms = resolve_tags(platforms, "platform")
    user.display_name = display_name.strip()
    user.institution = institution.strip()
    user.library_type = library_type
    user.country = country.strip().upper()
    user.job_role = job_role.strip()
    user.bio = bio.strip()
    db.session.commit()
    return user


def create_admin(username: str, email: str, password: str, display_name: str = "") -> User:
    username = username.strip().lower()
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        user = User(
            username=username,
            email=normalize_email(email),
            display_name=display_name or username,
        )
        db.session.add(user)
    user.set_password(password)
    user.role = "admin"
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    db.session.commit()
    return user
