"""``flask jobs``: the failed tasks, from the command line (the admins' page shows the same)."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from marketplace import transaction
from marketplace.errors import DomainError
from marketplace.jobs import services

jobs_cli = AppGroup("jobs", help="Background jobs: failed tasks.")


@jobs_cli.command("failed")
@click.option("--all", "include_resolved", is_flag=True, help="Also those already handled.")
def failed_command(include_resolved: bool) -> None:
    """List the tasks that failed their last retry, newest first."""
    rows = services.list_failed(include_resolved=include_resolved)
    if not rows:
        click.echo("No failed tasks.")
        return
    for row in rows:
        state = row.resolution or "open"
        arguments = json.dumps({"args": row.args, "kwargs": row.kwargs}, ensure_ascii=False)
        click.echo(
            f"{row.id}\t{row.failed_at:%Y-%m-%d %H:%M}\t{state}\t{row.task_name}\t"
            f"attempts {row.attempts}\t{arguments}\t{row.error}"
        )


@jobs_cli.command("retry")
@click.argument("failed_ids", type=click.IntRange(1, 2**31 - 1), nargs=-1, required=True)
def retry_command(failed_ids: tuple[int, ...]) -> None:
    """Queue these failed tasks again (by the ids ``flask jobs failed`` shows)."""
    _decide(failed_ids, services.retry_failed, "queued again")


@jobs_cli.command("dismiss")
@click.argument("failed_ids", type=click.IntRange(1, 2**31 - 1), nargs=-1, required=True)
def dismiss_command(failed_ids: tuple[int, ...]) -> None:
    """Mark these failed tasks as handled without running them."""
    _decide(failed_ids, services.dismiss_failed, "dismissed")


def _decide(failed_ids, decision, done: str) -> None:
    for failed_id in failed_ids:
        try:
            decision(services.get_failed(failed_id))
            transaction.commit()
        except DomainError as exc:
            transaction.rollback()
            raise click.ClickException(f"{failed_id}: {exc.message}") from exc
        click.echo(f"{failed_id}: {done}")
