"""The demo data files (marketplace/demo/data/*.toml) and their loader: every shipped
record loads, the files' references resolve, and a broken file is reported by file,
record and key.  No database: the seeding itself is tested in tests/test_demo_data.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from marketplace.demo.loader import (
    DATA_DIR,
    FILES,
    DemoData,
    DemoDataError,
    check_references,
    load_demo_files,
)


@pytest.fixture(scope="module")
def shipped() -> DemoData:
    return load_demo_files()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    for name in FILES.values():
        shutil.copy(DATA_DIR / name, tmp_path / name)
    return tmp_path


def edit(directory: Path, name: str, old: str, new: str) -> None:
    path = directory / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_every_shipped_record_loads(shipped: DemoData) -> None:
    companies, catalog = shipped.companies, shipped.catalog
    assert len(companies.suppliers) == 25 and len(companies.buyers) == 8
    assert sum(s.products for s in companies.suppliers) == 400
    assert len(catalog.lines) == 10
    assert all(len(line.styles) >= 5 for line in catalog.lines.values())
    assert len(shipped.sourcing.rfqs) == 15
    assert {r.state for r in shipped.sourcing.rfqs} == {"open", "awarded", "closed", "cancelled"}
    assert {t.state for t in shipped.inquiries.threads} == {"open", "replied", "closed"}
    assert len(shipped.moderation.review_queue) == 5 and len(shipped.moderation.reports) == 3
    # texts come through untouched, non-ASCII and multi-line strings included
    assert "amfori BSCI audit by TÜV Rheinland" in companies.certificates["BSCI"].issuers
    assert companies.suppliers[0].description == (
        "EVA and PVC slippers, slides and flip-flops for supermarket chains and importers. "
        "Twelve injection lines, in-house mould shop and printing."
    )
    assert companies.suppliers[0].owner_email == "owner@hongda-slippers.example"
    # absent optional keys take their defaults
    assert [s.key for s in companies.suppliers if s.suspended] == ["CX"]
    assert sum(r.target is None for r in shipped.sourcing.rfqs) == 2


def test_the_references_between_the_files_resolve(shipped: DemoData) -> None:
    companies, catalog = shipped.companies, shipped.catalog
    keys = {s.key for s in companies.suppliers}
    buyers = {b.email for b in companies.buyers}
    assert len(keys) == len(companies.suppliers) and len(buyers) == len(companies.buyers)
    for supplier in companies.suppliers:
        assert set(supplier.categories) <= set(catalog.lines), supplier.key
        assert set(supplier.certifications) <= set(companies.certificates), supplier.key
        assert supplier.city in companies.licence_areas, supplier.key
    for code, line in catalog.lines.items():
        if code != "hotel-slippers":  # one size range for everyone: catalog.hotel_sizes
            assert set(line.who) <= set(catalog.sizes), code
    for rfq in shipped.sourcing.rfqs:
        assert rfq.buyer in buyers and rfq.category in catalog.lines, rfq.title
    moderation = shipped.moderation
    assert {q.supplier for q in moderation.review_queue} <= keys
    assert {r.supplier for r in moderation.reports} <= keys
    assert {r.reporter for r in moderation.reports} <= buyers
    assert moderation.near_duplicate.supplier in keys
    assert set(moderation.base_product) >= {"materials", "moq", "price_tiers", "currency"}
    assert check_references(shipped) == []


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        (
            "companies.toml",
            "year = 1996\n",
            "",
            "companies.toml: suppliers[0] (key='HD'): missing key 'year'",
        ),
        (
            "companies.toml",
            "year = 1996\n",
            'year = "1996"\n',
            "companies.toml: suppliers[0] (key='HD').year: must be int, not str '1996'",
        ),
        (
            "companies.toml",
            'verification = "pending"',
            'verification = "maybe"',
            "companies.toml: suppliers[1] (key='XY').verification: must be one of 'verified', "
            "'pending', 'refused', 'unverified', not str 'maybe'",
        ),
        (
            "lines.toml",
            'hs = "6402.99"\n',
            'hs = "6402.99"\ncolour = "red"\n',
            "lines.toml: lines.eva-slippers.styles[0] (name='EVA home slippers, open toe, soft "
            "thick sole'): unknown key 'colour'",
        ),
        (
            "lines.toml",
            "price = [0.9, 2.2]",
            "price = [0.9]",
            "lines.toml: lines.eva-slippers.styles[0] (name='EVA home slippers, open toe, soft "
            "thick sole').price: must be an array of 2 items, not 1",
        ),
        (
            "sourcing.toml",
            "quantity = 30000",
            'quantity = "lots"',
            "sourcing.toml: rfqs[0] (title='EVA pool slides with embossed logo').quantity: "
            "must be int",
        ),
        (
            "inquiries.toml",
            'side = "buyer"',
            'side = "seller"',
            "inquiries.toml: follow_ups[0].side: must be one of 'buyer', 'supplier'",
        ),
        (
            "moderation.toml",
            'reporter = "maria.santos@manila-home.example"\n',
            "",
            "moderation.toml: reports[0]: missing key 'reporter'",
        ),
        (
            "companies.toml",
            '"Neikeng, Jinjiang" = "91350582"',
            '"Neikeng, Jinjiang" = 91350582',
            "companies.toml: licence_areas.Neikeng, Jinjiang: must be str, not int 91350582",
        ),
        ("sourcing.toml", "[[rfqs]]", "[[rfqs]", "sourcing.toml: not valid TOML"),
    ],
)
def test_a_malformed_file_is_reported_by_file_record_and_key(
    data_copy: Path, name: str, old: str, new: str, expected: str
) -> None:
    assert_reported(data_copy, name, old, new, expected)


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        (
            "companies.toml",
            'categories = ["eva-slippers", "slides", "pvc-slippers", "flip-flops"]',
            'categories = ["eva-slippers", "slides", "pvc-slipper", "flip-flops"]',
            "companies.toml: suppliers (key='HD'): no product line 'pvc-slipper'",
        ),
        (
            "sourcing.toml",
            'buyer = "emily@sunbelt-imports.example"',
            'buyer = "emily@sunbelt.example"',
            "sourcing.toml: rfqs (title='EVA pool slides with embossed logo'): buyer "
            "'emily@sunbelt.example' is not in companies.toml",
        ),
        (
            "moderation.toml",
            'supplier = "LF"',
            'supplier = "ZZ"',
            "moderation.toml: review_queue (sku='LF-MOD-903'): no company with key 'ZZ'",
        ),
        (
            "companies.toml",
            'key = "XY"',
            'key = "HD"',
            "companies.toml: suppliers (key): 'HD' appears twice",
        ),
    ],
)
def test_a_reference_to_nothing_is_reported(
    data_copy: Path, name: str, old: str, new: str, expected: str
) -> None:
    assert_reported(data_copy, name, old, new, expected)


def assert_reported(data_copy: Path, name: str, old: str, new: str, expected: str) -> None:
    """``name`` with ``old`` replaced by ``new`` fails to load, saying ``expected``."""
    edit(data_copy, name, old, new)
    with pytest.raises(DemoDataError) as error:
        load_demo_files(data_copy)
    assert expected in str(error.value)
