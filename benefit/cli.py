"""`flask benefit …`: administration from the command line.

Its messages are in the site's default language (`BENEFIT_DEFAULT_LOCALE`): a command has no
request, so Flask-Babel's locale selector answers `benefit.i18n.default_locale()`.
"""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

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
        raise click.UsageError(_("The password needs at least 10 characters."))
    if "@" not in email:
        raise click.UsageError(_("That email address is not valid."))
    user = accounts.create_admin(username, email, password, display_name)
    click.echo(_("Admin %(name)s is ready.", name=user.username))


@benefit_cli.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
@with_appcontext
def set_role(username: str, role: str) -> None:
    """Give a member a role: member, moderator or admin (recorded in the audit log)."""
    user = db.session.scalar(sa.select(User).where(User.username == username.lower()))
    if user is None:
        raise click.UsageError(_("No member called %(name)s.", name=username))
    try:
        moderation.set_role_from_cli(user, role)
    except Conflict as exc:
        click.echo(_("%(refusal)s Nothing changed.", refusal=exc.message))
        return
    except ServiceError as exc:
        raise click.UsageError(exc.message) from exc
    click.echo(_("%(name)s is now %(role)s.", name=user.username, role=moderation.role_phrase(role)))


@benefit_cli.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Load the taxonomy and the demo content (safe to run again)."""
    from benefit.demo.seed import DEMO_PASSWORD
    from benefit.demo.seed import seed_demo as run

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException(
            _("seed-demo creates members with a published password: not in production.")
        )
    report = run()
    click.echo(
        _(
            "Tags created: %(tags)d; topics: %(topics)d; replies: %(replies)d; votes: %(votes)d.",
            tags=report.tags_created,
            topics=report.topics_created,
            replies=report.replies_created,
            votes=report.votes_created,
        )
    )
    if report.members_created:
        click.echo(_("Demo members (password for all: %(password)s):", password=DEMO_PASSWORD))
        for name in report.members_created:
            click.echo(f"  {name}")
    else:
        click.echo(_("Demo members already exist (their password: %(password)s).", password=DEMO_PASSWORD))


@benefit_cli.command("load-taxonomy")
@with_appcontext
def load_taxonomy() -> None:
    """Create the platform and trend tags and their synonyms, with their Polish names."""
    from benefit.forum.tags import add_polish_synonyms, apply_polish_names
    from benefit.forum.tags import load_taxonomy as run

    created = run()
    apply_polish_names()
    add_polish_synonyms()
    db.session.commit()
    click.echo(_("Tags created: %(count)d.", count=created))
