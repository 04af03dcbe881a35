"""``flask storage ...``: moving uploaded files between backends."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from marketplace.storage.local import LocalStorage, content_type_of

storage_cli = AppGroup("storage", help="Uploaded files: copy the local store to S3.")


@storage_cli.command("copy")
@click.option(
    "--to",
    "target_url",
    default=None,
    metavar="s3://BUCKET/PREFIX",
    help="Where to copy to (default: STORAGE_URL).",
)
@click.option(
    "--from",
    "source_dir",
    default=None,
    type=click.Path(exists=True, file_okay=False),
    help="The local store to copy (default: UPLOAD_DIR).",
)
def copy_command(target_url: str | None, source_dir: str | None) -> None:
    """Copy every file of the local store (UPLOAD_DIR) to the S3 store.

    Objects already there with the same size are skipped, so it can be run again
    after an interruption, and once more right before switching STORAGE_URL over.
    The endpoint comes from S3_ENDPOINT_URL, credentials from the AWS_* variables.
    """
    from marketplace.storage.s3 import S3Storage

    config = current_app.config
    target_url = target_url or config.get("STORAGE_URL") or ""
    if not target_url.startswith("s3://"):
        raise click.UsageError("Name the S3 store: --to s3://bucket/prefix, or set STORAGE_URL.")
    try:
        target = S3Storage.from_url(target_url, endpoint_url=config.get("S3_ENDPOINT_URL"))
    except (RuntimeError, ValueError) as exc:
        raise click.UsageError(str(exc)) from exc
    source = LocalStorage(source_dir or config["UPLOAD_DIR"])
    click.echo(f"Copying {source.describe()} -> {target.describe()}")

    try:
        present = dict(target.entries())
    except Exception as exc:  # no bucket, no credentials, no network: one clear line
        raise click.ClickException(f"Cannot list {target.describe()}: {exc}") from exc
    copied = replaced = skipped = failed = 0
    for key, size in source.entries():
        if present.get(key) == size:
            skipped += 1
            continue
        try:
            target.put(key, source.read(key), content_type_of(key), replace=key in present)
        except Exception as exc:  # noqa: BLE001 - one file's failure must not stop the rest
            failed += 1
            click.echo(f"failed: {key}: {exc}", err=True)
            continue
        if key in present:
            replaced += 1
        else:
            copied += 1
    click.echo(f"{copied} copied, {replaced} replaced, {skipped} already there, {failed} failed")
    if failed:
        raise SystemExit(1)
