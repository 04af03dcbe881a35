"""``flask --app wsgi catalog import SUPPLIER_ID FILE``: the same all-or-nothing rule."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.catalog.exporter import COLUMNS, EXAMPLE_ROW
from marketplace.catalog.models import Product
from marketplace.extensions import db
from tests.catalog.support import catalog_rows, count
from tests.factories import SupplierFactory


def write_csv(path, rows) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS))
    writer.writeheader()
    writer.writerows({**EXAMPLE_ROW, **r} for r in rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return str(path)


def test_cli_imports_and_reports_counts(app, tmp_path):
    supplier = SupplierFactory()
    path = write_csv(tmp_path / "catalog.csv", [{"sku": f"CLI-{n}"} for n in range(3)])
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(supplier.id), path])
    assert result.exit_code == 0, result.output
    assert "3 created, 0 updated" in result.output
    assert count(Product, Product.supplier_id == supplier.id) == 3
    (entry,) = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "catalog.import")
    )
    assert (entry.supplier_id, entry.actor_id) == (supplier.id, None)  # the command line
    assert entry.details["created"] == 3 and entry.details["filename"] == "catalog.csv"

    again = app.test_cli_runner().invoke(args=["catalog", "import", str(supplier.id), path])
    assert again.exit_code == 0, again.output
    assert "0 created, 3 updated (3 of them unchanged)" in again.output


def test_cli_lists_bad_rows_writes_nothing_and_fails(app, tmp_path):
    supplier = SupplierFactory()
    path = write_csv(
        tmp_path / "bad.csv",
        [{"sku": "OK-1"}, {"sku": "BAD-1", "moq": "0"}, {"sku": "BAD-2", "category": "socks"}],
    )
    before = catalog_rows()
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(supplier.id), path])
    assert result.exit_code == 1
    assert "row 3, moq: Must be greater than or equal to 1" in result.output
    assert "row 4, category: Unknown category 'socks'." in result.output
    assert "nothing was imported" in result.output
    assert catalog_rows() == before
    assert count(AuditEntry) == 0


def test_cli_refuses_unknown_supplier_and_bad_files(app, tmp_path):
    path = write_csv(tmp_path / "catalog.csv", [{}])
    result = app.test_cli_runner().invoke(args=["catalog", "import", "999999", path])
    assert result.exit_code == 1
    assert "There is no supplier 999999" in result.output

    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    supplier = SupplierFactory()
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(supplier.id), str(binary)])
    assert result.exit_code == 1
    assert "Upload a CSV (UTF-8) or XLSX file." in result.output
