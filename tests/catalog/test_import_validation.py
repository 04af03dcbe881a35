"""The import's fast row validation applies exactly the API's rules: every hook of
ProductInputSchema, the same field results and messages as a plain Schema.load, and rows
written in bulk that read back like a product created through the API."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from marshmallow import ValidationError, post_load, validates, validates_schema
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA
from werkzeug.datastructures import FileStorage

from marketplace.catalog import importer
from marketplace.catalog.exporter import EXAMPLE_ROW
from marketplace.catalog.importer.rows import FIELD_BY_FIELD_SCHEMAS, FieldByField, RowValidator
from marketplace.catalog.models import Product
from marketplace.catalog.schemas import ProductInputSchema
from marketplace.extensions import db
from tests.catalog.conftest import product_payload
from tests.catalog.test_import_export import ROWS_TO_VALIDATE, csv_bytes, row, upload
from tests.factories import SupplierOwnerFactory

LOAD_TAGS = (PRE_LOAD, VALIDATES, VALIDATES_SCHEMA, POST_LOAD)
SCHEMA_LOAD_HOOKS = [
    (tag, name)
    for tag in LOAD_TAGS
    for name, _many, _options in ProductInputSchema._hooks.get(tag, [])
]


@pytest.fixture
def client(login_as):
    return login_as(SupplierOwnerFactory())


def _messages(errors) -> list[str]:
    """Every message in an error structure, however nested."""
    if isinstance(errors, dict):
        return [m for value in errors.values() for m in _messages(value)]
    if isinstance(errors, list):
        return [m for value in errors for m in _messages(value)]
    return [errors]


def test_the_schema_has_the_hooks_these_tests_cover():
    assert SCHEMA_LOAD_HOOKS, "no load hook found: the introspection below would test nothing"
    assert {name for _tag, name in SCHEMA_LOAD_HOOKS} >= {
        "check_currency",
        "check_tiers_against_moq",
    }


@pytest.mark.parametrize(("tag", "name"), SCHEMA_LOAD_HOOKS)
def test_every_load_hook_of_the_schema_runs_on_import(client, monkeypatch, tag, name):
    """Each hook ProductInputSchema declares (found by introspection, so a hook added
    later is covered too) is made to fail: the import must report its failure."""
    message = f"hook {name} ran"

    def failing(self, *args, **kwargs):
        raise ValidationError(message)

    monkeypatch.setattr(ProductInputSchema, name, failing)
    response = upload(client, csv_bytes([row(sku="HOOK-1")]))
    assert response.status_code == 422, response.json
    assert message in _messages(response.json["errors"]["2"])


class HookedSchema(ProductInputSchema):
    """Hooks of every kind, each leaving a visible trace."""

    @validates("name")
    def no_test_names(self, value, data_key):
        if "test" in value.lower():
            raise ValidationError("No test products.")

    @validates_schema(pass_collection=True)
    def whole_batch(self, data, **kwargs):
        if data.get("colors") == ["red"]:
            raise ValidationError("Red alone is not sold.", "colors")

    @validates_schema
    def skipped_on_field_errors(self, data, **kwargs):
        if data.get("moq") == 1234:
            raise ValidationError("MOQ 1234 is unlucky.")

    @post_load
    def stamp(self, data, **kwargs):
        return {**data, "stamped": True}


HOOKED_ROWS = [
    *ROWS_TO_VALIDATE,
    row(name="A test slipper"),
    row(name="A test slipper", moq="lots"),
    row(colors="red"),
    row(colors="red", hs_code="1"),
    row(moq="1234", price_tiers="1234:1.00"),
    row(moq="1234", price_tiers="1234:1.00", currency="xx"),
    row(sku="lower-1", moq="777", price_tiers="777:1.00"),
]


@pytest.mark.parametrize("schema_class", [ProductInputSchema, HookedSchema])
def test_rows_load_as_a_plain_schema_load_whatever_hooks_the_schema_has(app, schema_class):
    validator = RowValidator(schema_class)
    for _ in range(2):  # the second time from the remembered outcomes
        for cells in HOOKED_ROWS:
            assert validator.load(cells) == validator.plain_load(cells), cells
    # The import validates a chunk of rows column by column: the same outcomes, row for row.
    rows = HOOKED_ROWS * 2
    assert RowValidator(schema_class).load_all(rows) == [validator.plain_load(c) for c in rows]
    if schema_class is HookedSchema:
        assert validator.load(row())[0]["stamped"] is True
        assert validator.load(row(colors="red"))[1] == {"colors": ["Red alone is not sold."]}


def test_rows_without_a_bad_cell_take_the_fast_path(app, monkeypatch):
    """Otherwise the comparisons above would compare the plain load with itself."""
    validator = RowValidator(HookedSchema)
    plain_loads = []
    monkeypatch.setattr(validator, "plain_load", lambda cells: plain_loads.append(cells))
    clean = [row(), row(currency="xyz"), row(name="A test slipper"), row(colors="red")]
    outcomes = validator.load_all(clean)
    assert plain_loads == []
    assert [sorted(errors) for _values, errors in outcomes] == [
        [],
        ["currency"],
        ["name"],
        ["colors"],
    ]
    validator.load_all([row(moq="lots")])
    assert len(plain_loads) == 1


def test_the_schemas_have_no_hook_the_fast_path_cannot_run():
    """The fast path runs the hooks on loaded values: a ``@pre_load`` hook or one that
    asks for the raw input would see them instead of the cells; and the tier schema is
    loaded field by field, which skips hooks. (marshmallow lists hooks only in a private
    attribute, which this test may read and the importer does not.)"""
    for tag, hooks in ProductInputSchema._hooks.items():
        assert tag != PRE_LOAD or not hooks
        for _name, _many, options in hooks:
            assert not options.get("pass_original"), (tag, _name)
    for schema_class in FIELD_BY_FIELD_SCHEMAS:
        assert not any(schema_class._hooks.values()), schema_class


TIER_CELLS = [
    "1000:1.20;5000:1.05;20000:0.95",
    "1000:1.20;5000:1.05",  # parts shared with the cell above
    "1000:1.2;5000:1.050",  # equal numbers, other texts: other results (1.2 vs 1.20)
    "1000 : 1.20 ; 5000 : 1.05",
    "1000:1.20|5000:1.05|",
    "0:1.20",
    "1000:0",
    "1000:1.23456",
    "1000:abc",
    "1000.0:1.20",
    "1e3:1.20",
    "abc:1.20",
    "-5:1.20",
    "1000:1.20;1000:1.20",
    "1000=1.20",
    ";".join(f"{1000 * n}:1.00" for n in range(1, 10)),  # 9 tiers
    '[{"min_qty": 1000, "unit_price": "1.20"}, {"min_qty": 5000, "unit_price": 1.05}]',
    '[{"min_qty": 1000, "unit_price": "1.20", "extra": 1}]',
    '[{"min_qty": 1000}]',
    '[{"min_qty": true, "unit_price": "1.20"}]',
    '[{"min_qty": "1000", "unit_price": "1.20"}]',
    '[{"min_qty": 1000, "unit_price": null}]',
    '[{"min_qty": 1000, "unit_price": "1.20"}, "1000:1.20", 5, null, []]',
    "[]",
    '[{"min_qty": 1000, "unit_price": "1.20"}]',  # equal to an earlier item, another object
]


def test_price_tier_cells_give_the_plain_schema_results(app):
    """Tiers are loaded field by field (no Schema.load per tier) and remembered; values,
    error messages and their nesting must equal a plain load of the same parsed cell."""
    validator = RowValidator()
    fast_field, parse = next(plan[3:5] for plan in validator.plan if plan[0] == "price_tiers")
    plain_field = ProductInputSchema().fields["price_tiers"]
    assert isinstance(fast_field.inner, FieldByField)  # the field-by-field load is compared

    def outcome(field, cell):
        try:
            value = parse(cell)
        except ValidationError as exc:
            return "parse", exc.messages
        try:
            return "ok", field.deserialize(value, "price_tiers", None)
        except ValidationError as exc:
            return "error", exc.messages, exc.valid_data

    for _ in range(2):
        for cell in TIER_CELLS:
            assert outcome(fast_field, cell) == outcome(plain_field, cell), cell
    ok = outcome(fast_field, "1000:1.2;5000:1.050")[1]
    assert [str(t["unit_price"]) for t in ok] == ["1.2", "1.050"]


def test_a_product_written_in_bulk_reads_back_like_one_created_through_the_api(client):
    """Through the ORM: every column, the tiers and materials (JSON, decimals, UTC
    timestamps written by the executemany path) equal an API-created product's."""
    started = datetime.now(UTC)
    created = client.post(
        "/api/v1/products",
        json=product_payload(sku="API-1", sample_lead_time_days=7, materials=["PVC", "EVA"]),
    )
    assert created.status_code == 201, created.json
    cells = row(sku="CSV-1", materials="EVA;PVC", description='内坑 "quoted" ünïcode')
    response = upload(client, csv_bytes([cells]))
    assert response.status_code == 201, response.json
    db.session.expire_all()
    api = db.session.get(Product, created.json["id"])
    bulk = db.session.scalar(
        sa.select(Product).where(Product.supplier_id == api.supplier_id, Product.sku == "CSV-1")
    )
    assert bulk.description == cells["description"]  # the one other intended difference
    ignore = {"id", "sku", "description", "created_at", "updated_at"}
    for column in Product.__table__.columns:
        if column.key not in ignore:
            assert getattr(bulk, column.key) == getattr(api, column.key), column.key
    assert bulk.sizes == {"system": "EU", "from": 36, "to": 41}
    assert bulk.size_min_eu == Decimal(36) and bulk.carton_weight_kg == Decimal("9.5")
    assert [(t.min_qty, t.unit_price) for t in bulk.price_tiers] == [
        (t.min_qty, t.unit_price) for t in api.price_tiers
    ]
    assert [m.name for m in bulk.materials] == [m.name for m in api.materials] == ["EVA", "PVC"]
    for stamp in (bulk.created_at, bulk.updated_at):
        assert stamp.utcoffset() == timedelta(0)
        assert started - timedelta(seconds=5) <= stamp <= datetime.now(UTC) + timedelta(seconds=5)


def test_optional_columns_left_out_read_back_as_not_set(client):
    required = ["sku", "name", "category", "moq", "currency", "price_tiers"]
    data = csv_bytes(
        [{c: EXAMPLE_ROW[c] for c in required} | {"sku": f"MIN-{n}"} for n in range(3)],
        columns=required,
    )
    assert upload(client, data).status_code == 201
    db.session.expire_all()
    products = db.session.scalars(sa.select(Product).where(Product.sku.like("MIN-%"))).all()
    assert len(products) == 3
    for product in products:
        assert (product.sizes, product.colors, product.incoterms) == (None, [], [])
        assert (product.sample_available, product.sample_price, product.description) == (
            False,
            None,
            "",
        )
        assert product.carton_length_cm is None and product.materials == []


def test_the_dashboard_upload_helper_imports_a_werkzeug_file(app):
    owner = SupplierOwnerFactory()
    upload_file = FileStorage(stream=io.BytesIO(csv_bytes([row(sku="WEB-1")])), filename="c.csv")
    assert importer.import_upload(owner.supplier, upload_file) == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
    }
    assert (
        db.session.scalar(sa.select(Product.sku).where(Product.supplier_id == owner.supplier_id))
        == "WEB-1"
    )
