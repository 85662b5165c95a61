"""`flask benefit …`: administration from the command line."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from benefit.accounts import actions as accounts
from benefit.extensions import db
from benefit.models import ROLES, User
from benefit.moderation import actions as moderation
from benefit.refusals import Conflict, ServiceError


@click.group("benefit", help="Administer BENEFIT.")
def benefit_cli() -> None:
    pass


@benefit_cli.command("create-admin")
@click.option("--username", required=True)
@click.option("--email", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--display-name", default="")
@with_appcontext
def create_admin(username: str, email: str, password: str, display_name: str) -> None:
    """Create an admin, or make an existing member one and set their password."""
    if len(password) < 10:
        raise click.UsageError("The password needs at least 10 characters.")
    if "@" not in email:
        raise click.UsageError("That email address is not valid.")
    user = accounts.create_admin(username, email, password, display_name)
    click.echo(f"Admin {user.username} is ready.")


@benefit_cli.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
@with_appcontext
def set_role(username: str, role: str) -> None:
    """Give a member a role: member, moderator or admin (recorded in the audit log)."""
    user = db.session.scalar(sa.select(User).where(User.username == username.lower()))
    if user is None:
        raise click.UsageError(f"No member called {username}.")
    try:
        moderation.set_role_from_cli(user, role)
    except Conflict as exc:
        click.echo(f"{exc.message} Nothing changed.")
        return
    except ServiceError as exc:
        raise click.UsageError(exc.message) from exc
    click.echo(f"{user.username} is now {moderation.role_phrase(role)}.")


@benefit_cli.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Load the taxonomy and the demo content (safe to run again)."""
    from benefit.demo.seed import DEMO_PASSWORD
    from benefit.demo.seed import seed_demo as run

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("seed-demo creates members with a published password: not in production.")
    report = run()
    click.echo(
        f"Tags created: {report.tags_created}; topics: {report.topics_created}; "
        f"replies: {report.replies_created}; votes: {report.votes_created}."
    )
    if report.members_created:
        click.echo("Demo members (password for all: " + DEMO_PASSWORD + "):")
        for name in report.members_created:
            click.echo(f"  {name}")
    else:
        click.echo(f"Demo members already exist (their password: {DEMO_PASSWORD}).")


@benefit_cli.command("load-taxonomy")
@with_appcontext
def load_taxonomy() -> None:
    """Create the platform and trend tags and their synonyms."""
    from benefit.forum.tags import load_taxonomy as run

    created = run()
    db.session.commit()
    click.echo(f"Tags created: {created}.")
