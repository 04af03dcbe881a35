"""``flask --app wsgi catalog ...`` commands."""

from __future__ import annotations

from flask.cli import AppGroup

catalog_cli = AppGroup("catalog", help="Catalog maintenance: bulk import.")
