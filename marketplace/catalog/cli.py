"""``flask --app wsgi catalog ...`` commands."""

from __future__ import annotations

import os

import click
from flask.cli import AppGroup

from marketplace import transaction
from marketplace.errors import DomainError
from marketplace.extensions import db

catalog_cli = AppGroup("catalog", help="Catalog maintenance: bulk import.")


@catalog_cli.command("import")
@click.argument("supplier_id", type=click.IntRange(min=1, max=2**31 - 1))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
def import_command(supplier_id: int, file: str) -> None:
    """Import a CSV or XLSX catalog FILE into supplier SUPPLIER_ID, all or nothing.

    The same rules as POST /api/v1/catalog/import: rows are upserted by SKU, and if any
    row is bad nothing is written and every bad row is listed (exit status 1).
    """
    from marketplace.audit import services as audit
    from marketplace.catalog import importer
    from marketplace.suppliers.models import Supplier

    supplier = db.session.get(Supplier, supplier_id)
    if supplier is None:
        raise click.ClickException(f"There is no supplier {supplier_id}.")
    with open(file, "rb") as handle:
        data = handle.read()
    try:
        table = importer.read_table(data, os.path.basename(file))
        with click.progressbar(length=len(table.rows), label="Checking rows") as bar:
            plan, vocabulary = importer.plan_import(supplier, table, progress=bar.update)
        if plan.errors:
            _print_row_errors(plan.errors)
            raise SystemExit(1)
        if not table.rows:
            raise click.ClickException("The file has a header but no product rows.")
        click.echo("Writing...")
        result = importer.write_plan(supplier, plan, vocabulary)
        audit.record_catalog_import(supplier, result.as_dict(), os.path.basename(file))
        transaction.commit()
    except DomainError as exc:
        transaction.rollback()
        if exc.errors and set(exc.errors) != {"file"}:
            _print_row_errors(exc.errors)
            raise SystemExit(1) from exc
        raise click.ClickException(exc.message) from exc
    click.echo(
        f"{supplier.name}: {result.created} created, {result.updated} updated "
        f"({result.unchanged} of them unchanged)."
    )


def _print_row_errors(errors: dict) -> None:
    click.echo(f"{len(errors)} row(s) have problems; nothing was imported.", err=True)
    for row, fields in errors.items():
        for field, messages in fields.items():
            click.echo(f"row {row}, {field}: {_flatten(messages)}", err=True)


def _flatten(messages) -> str:
    if isinstance(messages, dict):
        return "; ".join(f"{key}: {_flatten(value)}" for key, value in messages.items())
    if isinstance(messages, list):
        return " ".join(_flatten(m) for m in messages)
    return str(messages)
