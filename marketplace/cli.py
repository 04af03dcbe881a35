"""Command-line tools: ``flask --app wsgi create-admin EMAIL``, ``seed-demo``."""

from __future__ import annotations

import os

import click
from flask import Flask

from marketplace import transaction
from marketplace.errors import DomainError


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="Platform administrator", show_default=True)
def create_admin_command(email: str, name: str) -> None:
    """Create an administrator account.

    The password comes from MARKETPLACE_ADMIN_PASSWORD when set, else from a prompt.
    """
    from marketplace.accounts import services

    password = os.environ.get("MARKETPLACE_ADMIN_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        user = services.create_admin(email, password, name)
        transaction.commit()
    except DomainError as exc:
        transaction.rollback()
        details = "; ".join(
            f"{field}: {' '.join(msgs)}" for field, msgs in (exc.errors or {}).items()
        )
        raise click.ClickException(f"{exc.message} {details}".strip()) from exc
    click.echo(f"Admin {user.email} created (id {user.id}).")


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Allow it in production (it publishes a password).")
def seed_demo_command(force: bool) -> None:
    """Load the demo data (idempotent: running it again changes nothing)."""
    from flask import current_app

    from marketplace.demo import seed_demo

    if current_app.config["ENV_NAME"] == "production" and not force:
        raise click.ClickException(
            "Refusing to load demo accounts with a published password in production "
            "(use --force if you really mean it)."
        )

    summary = seed_demo()
    transaction.commit()  # and the jobs it queued (reindexing, figures) run after it
    click.echo(summary)


def register_cli(app: Flask) -> None:
    from marketplace.catalog.cli import catalog_cli
    from marketplace.jobs.cli import jobs_cli

    app.cli.add_command(catalog_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(seed_demo_command)
    from marketplace.storage.cli import storage_cli

    app.cli.add_command(storage_cli)
