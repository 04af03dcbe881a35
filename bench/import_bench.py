"""Bulk catalog import speed, next to a raw ``executemany`` floor, in the same run.

    .venv/bin/python bench/import_bench.py                      # temp SQLite file
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/import_bench.py

With a PostgreSQL URL a throw-away database ``<name>_importbench_<pid>`` is created on
that server and dropped afterwards; the named database itself is not touched.

What is measured (best of ``--repeat`` runs, each into a fresh supplier):
- import: ``importer.import_catalog`` on the CSV bytes (decode, parse, validate every
  row with the API's schema and service rules, upsert) plus the commit;
- floor: the same products, price tiers and material links written with the DB-API
  cursor's ``executemany`` from ready-made parameter tuples (plus the id look-up the
  tiers need) and a commit: no parsing, no validation, no ORM;
- re-import: the same file again into the first supplier (every SKU matched, nothing
  changes), and with new prices (every product updated).
Targets: import >= 1,000 rows/s, and >= 30 % of the floor on SQLite and >= 50 % on
PostgreSQL (issue 13), in wall-clock time. The CPU time of this process is printed too:
on a busy machine (quote ``uptime`` with the figures) the wall-clock ratio of a 0.7 s
task to a 0.2 s one swings with the load; the CPU times show where the import stands
without it.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from config import TestingConfig, normalise_database_url

AUDIENCES = [("Women's", 36, 41), ("Men's", 40, 46), ("Kids'", 24, 35), ("Unisex", 36, 45)]
CATEGORY_WORDS = {
    "eva-slippers": (["EVA"], "EVA slippers"),
    "pvc-slippers": (["PVC"], "PVC slippers"),
    "flip-flops": (["rubber", "EVA", "PE"], "flip-flops"),
    "slides": (["EVA", "PU", "PVC"], "slides"),
    "hotel-slippers": (["non-woven", "terry cloth", "coral fleece", "cotton"], "hotel slippers"),
    "plush-slippers": (["plush", "faux fur", "memory foam", "velvet"], "house slippers"),
    "bathroom-slippers": (["EVA", "PVC", "TPR"], "bathroom slippers"),
    "beach-sandals": (["EVA", "rubber", "PU"], "beach sandals"),
    "kids-slippers": (["EVA", "plush", "TPR"], "cartoon slippers"),
    "clogs": (["EVA", "TPR"], "garden clogs"),
}
FEATURES = [
    "anti-slip",
    "quick-drying",
    "open toe",
    "soft sole",
    "thick platform",
    "massage bottom",
    "waterproof",
    "lightweight",
    "cloud cushion",
    "breathable",
]
COLORS = [
    "black",
    "white",
    "grey",
    "navy",
    "pink",
    "beige",
    "khaki",
    "red",
    "blue",
    "green",
    "purple",
    "yellow",
    "brown",
    "mint",
    "coffee",
]
PORTS = ["Xiamen", "Quanzhou", "Fuzhou", "Shenzhen", "Ningbo"]
HS_CODES = ["6402.20", "6402.99", "6404.19", "6404.20", "6405.90"]
CUSTOMIZATION = ["logo", "color", "packaging", "mold", "material", "label"]
INCOTERMS = ["FOB", "EXW", "CIF", "CFR", "DDP"]
DESCRIPTIONS = [
    "One-piece injection moulded, easy to clean.",
    "Soft and durable sole with drainage holes.",
    "Custom logo embossing available on the strap.",
    "内坑工厂直销, 防滑耐磨, 支持定制logo.",
    "Packed in polybags, 60 pairs per export carton.",
]


def generate_rows(count: int, seed: int = 590) -> list[dict[str, str]]:
    """Realistic catalog rows (cell texts in the import format)."""
    rng = random.Random(seed)
    categories = list(CATEGORY_WORDS)
    rows = []
    for n in range(1, count + 1):
        category = rng.choice(categories)
        materials, noun = CATEGORY_WORDS[category]
        audience, low, high = rng.choice(AUDIENCES)
        if category == "kids-slippers":
            audience, low, high = AUDIENCES[2]
        chosen = rng.sample(materials, k=rng.randint(1, min(2, len(materials))))
        moq = rng.choice([300, 500, 1000, 2000, 3000, 5000])
        price = Decimal(rng.randint(60, 900)) / 100
        tiers, quantity = [], moq
        for _ in range(rng.randint(1, 4)):
            tiers.append(f"{quantity}:{price:.2f}")
            quantity *= rng.choice([2, 3, 5])
            price = max(Decimal("0.30"), price - Decimal(rng.randint(3, 15)) / 100)
        sample = rng.random() < 0.8
        sizes = (
            f"{low}-{high}"
            if rng.random() < 0.85
            else ";".join(str(s) for s in range(low, high + 1, 2))
        )
        rows.append(
            {
                "sku": f"NK-{category[:3].upper()}-{n:05d}",
                "name": f"{audience} {chosen[0]} {noun}, {rng.choice(FEATURES)} #{n}",
                "description": " ".join(rng.sample(DESCRIPTIONS, k=2)),
                "category": category,
                "materials": ";".join(chosen),
                "sizes": sizes,
                "colors": ";".join(rng.sample(COLORS, k=rng.randint(1, 5))),
                "moq": str(moq),
                "currency": rng.choice(["USD", "USD", "USD", "EUR", "CNY"]),
                "price_tiers": ";".join(tiers),
                "lead_time_days": str(rng.choice([15, 20, 25, 30, 45, 60])),
                "sample_available": "true" if sample else "false",
                "sample_price": f"{rng.randint(0, 10)}.00" if sample else "",
                "sample_lead_time_days": str(rng.choice([3, 5, 7, 10])) if sample else "",
                "customization": ";".join(rng.sample(CUSTOMIZATION, k=rng.randint(0, 3))),
                "pairs_per_carton": str(rng.choice([24, 36, 48, 60, 100])),
                "carton_dimensions_cm": rng.choice(["60x40x35", "58x38x40", "70x45x40"]),
                "carton_weight_kg": rng.choice(["8.5", "9.5", "10.2", "12"]),
                "port_of_loading": rng.choice(PORTS),
                "incoterms": ";".join(rng.sample(INCOTERMS, k=rng.randint(1, 3))),
                "hs_code": rng.choice(HS_CODES),
                "monthly_capacity_pairs": str(rng.choice([100_000, 200_000, 300_000, 500_000])),
            }
        )
        if rows[-1]["sample_price"] == "0.00":
            rows[-1]["sample_price"] = ""
    return rows


def to_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


# The floor ----------------------------------------------------------------------

PRODUCT_COLUMNS = [
    "supplier_id",
    "sku",
    "name",
    "description",
    "category_id",
    "sizes",
    "size_min_eu",
    "size_max_eu",
    "colors",
    "moq",
    "currency",
    "lead_time_days",
    "sample_available",
    "sample_price",
    "sample_lead_time_days",
    "customization",
    "pairs_per_carton",
    "carton_length_cm",
    "carton_width_cm",
    "carton_height_cm",
    "carton_weight_kg",
    "port_of_loading",
    "incoterms",
    "hs_code",
    "monthly_capacity_pairs",
    "status",
    "created_at",
    "updated_at",
]


def floor_parameters(rows, supplier_id, categories, materials, sqlite: bool):
    """Ready-made parameter tuples: the floor measures the writes only."""
    now = datetime.now(UTC)
    stamp = now.replace(tzinfo=None).isoformat(sep=" ") if sqlite else now
    products, tiers, links = [], {}, {}

    def opt(text, kind=int):
        return kind(text) if text else None

    for row in rows:
        sizes_text = row["sizes"]
        if "-" in sizes_text:
            low, high = (int(x) for x in sizes_text.split("-"))
            sizes = {"system": "EU", "from": low, "to": high}
        else:
            values = [int(x) for x in sizes_text.split(";")]
            sizes, low, high = values, min(values), max(values)
        dims = [Decimal(x) for x in row["carton_dimensions_cm"].split("x")]
        products.append(
            (
                supplier_id,
                row["sku"],
                row["name"],
                row["description"],
                categories[row["category"]],
                json.dumps(sizes),
                low,
                high,
                json.dumps(row["colors"].split(";")),
                int(row["moq"]),
                row["currency"],
                opt(row["lead_time_days"]),
                row["sample_available"] == "true",
                opt(row["sample_price"], Decimal),
                opt(row["sample_lead_time_days"]),
                json.dumps([c for c in row["customization"].split(";") if c]),
                opt(row["pairs_per_carton"]),
                *dims,
                Decimal(row["carton_weight_kg"]),
                row["port_of_loading"],
                json.dumps(row["incoterms"].split(";")),
                row["hs_code"],
                opt(row["monthly_capacity_pairs"]),
                "draft",
                stamp,
                stamp,
            )
        )
        tiers[row["sku"]] = [
            (int(q), Decimal(p)) for q, p in (t.split(":") for t in row["price_tiers"].split(";"))
        ]
        links[row["sku"]] = [materials[m.lower()] for m in row["materials"].split(";")]
    if sqlite:  # the sqlite3 module binds no Decimal; SQLAlchemy sends floats too
        products = [tuple(_float(v) for v in row) for row in products]
        tiers = {sku: [(q, float(p)) for q, p in rows] for sku, rows in tiers.items()}
    return products, tiers, links


def _float(value):
    return float(value) if isinstance(value, Decimal) else value


def run_floor(engine, products, tiers, links, supplier_id) -> tuple[float, float]:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        mark = "?" if engine.dialect.name == "sqlite" else "%s"
        insert_product = (
            f"INSERT INTO products ({', '.join(PRODUCT_COLUMNS)}) "
            f"VALUES ({', '.join([mark] * len(PRODUCT_COLUMNS))})"
        )
        started, cpu_started = time.perf_counter(), time.process_time()
        if engine.dialect.name == "sqlite":
            cursor.execute("BEGIN IMMEDIATE")
        cursor.executemany(insert_product, products)
        cursor.execute(f"SELECT sku, id FROM products WHERE supplier_id = {mark}", (supplier_id,))
        ids = dict(cursor.fetchall())
        cursor.executemany(
            "INSERT INTO price_tiers (product_id, min_qty, unit_price) "
            f"VALUES ({mark}, {mark}, {mark})",
            [(ids[sku], q, p) for sku, rows in tiers.items() for q, p in rows],
        )
        cursor.executemany(
            f"INSERT INTO product_materials (product_id, material_id) VALUES ({mark}, {mark})",
            [(ids[sku], m) for sku, ms in links.items() for m in ms],
        )
        raw.commit()
        return time.perf_counter() - started, time.process_time() - cpu_started
    finally:
        raw.close()


# Harness ------------------------------------------------------------------------


def temporary_postgres(url: str):
    base = sa.engine.make_url(url)
    name = f"{base.database or 'bench'}_importbench_{os.getpid()}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:10,.0f} rows/s  ({seconds * 1000:8.1f} ms)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    url = normalise_database_url(os.environ.get("DATABASE_URL", "").strip())
    drop = None
    tmp = tempfile.TemporaryDirectory()
    if not url:
        url = f"sqlite:///{tmp.name}/bench.db"
    elif url.startswith("postgresql"):
        url, drop = temporary_postgres(url)
    try:
        return bench(url, args.rows, args.repeat)
    finally:
        if drop:
            drop()
        tmp.cleanup()


def bench(url: str, count: int, repeat: int) -> int:
    import logging

    from flask_migrate import upgrade

    from marketplace import create_app

    class BenchConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        IMPORT_MAX_ROWS = max(count, 5000)
        LOG_LEVEL = "WARNING"

    app = create_app(BenchConfig)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    rows = generate_rows(count)
    data = to_csv(rows)
    with app.app_context():
        from marketplace.catalog import importer, services
        from marketplace.catalog.models import PriceTier, Product
        from marketplace.extensions import db
        from marketplace.suppliers.models import Supplier

        upgrade()
        engine = db.engine
        vocabulary = services.Vocabulary()
        categories = {slug: c.id for slug, c in vocabulary.categories.items()}
        materials = {name: m.id for name, m in vocabulary.materials.items()}

        db.session.rollback()

        def new_supplier(label: str) -> Supplier:
            supplier = Supplier(name=f"Bench {label} Footwear Co., Ltd.", country="CN")
            db.session.add(supplier)
            db.session.commit()
            return supplier

        import_times, floor_times, import_cpu, floor_cpu = [], [], [], []
        first = None
        for n in range(repeat):
            supplier = new_supplier(f"import {n}")
            first = first or supplier
            started, cpu_started = time.perf_counter(), time.process_time()
            result = importer.import_catalog(supplier, data, "bench.csv")
            db.session.commit()
            import_times.append(time.perf_counter() - started)
            import_cpu.append(time.process_time() - cpu_started)
            assert result.created == count, result

            floor_id = new_supplier(f"floor {n}").id
            db.session.rollback()  # no transaction (no SQLite write lock) held by the session
            products, tiers, links = floor_parameters(
                rows, floor_id, categories, materials, engine.dialect.name == "sqlite"
            )
            wall, cpu = run_floor(engine, products, tiers, links, floor_id)
            floor_times.append(wall)
            floor_cpu.append(cpu)

        started = time.perf_counter()
        result = importer.import_catalog(db.session.get(Supplier, first.id), data, "bench.csv")
        db.session.commit()
        reimport = time.perf_counter() - started
        assert result.unchanged == count, result

        repriced = to_csv([_cheaper(row) for row in rows])
        db.session.expire_all()
        started = time.perf_counter()
        result = importer.import_catalog(db.session.get(Supplier, first.id), repriced, "bench.csv")
        db.session.commit()
        update = time.perf_counter() - started
        assert result.updated == count and result.unchanged == 0, result

        stored = db.session.scalar(sa.select(sa.func.count()).select_from(Product))
        tier_rows = db.session.scalar(sa.select(sa.func.count()).select_from(PriceTier))

    best_import, best_floor = min(import_times), min(floor_times)
    version = (
        f"SQLite {__import__('sqlite3').sqlite_version}"
        if url.startswith("sqlite")
        else ("PostgreSQL")
    )
    print(f"database      {version} ({sa.engine.make_url(url).render_as_string()})")
    print(f"rows          {count:,} products, {len(data) / 1024:,.0f} KiB CSV, best of {repeat}")
    print(f"import        {rate(count, best_import)}   (service: parse, validate, insert, commit)")
    print(f"floor         {rate(count, best_floor)}   (raw executemany of the same rows)")
    print(f"ratio         {best_import and best_floor / best_import:10.0%}   import / floor")
    cpu_import, cpu_floor = min(import_cpu), min(floor_cpu)
    print(
        f"cpu           {cpu_import * 1000:8.1f} ms import, {cpu_floor * 1000:.1f} ms floor "
        f"(this process's CPU time, best of {repeat}: less sensitive to a loaded machine; "
        f"the database server's time is not in it)"
    )
    print(f"re-import     {rate(count, reimport)}   (same file again: all SKUs matched, no change)")
    print(f"update        {rate(count, update)}   (new prices: every product updated)")
    print(f"stored        {stored:,} products, {tier_rows:,} price tiers")
    share = 0.30 if url.startswith("sqlite") else 0.50
    target = count / best_import >= 1000 and best_floor / best_import >= share
    print(
        f"target        {'met' if target else 'NOT met'} "
        f"(>= 1,000 rows/s and >= {share:.0%} of the floor)"
    )
    return 0


def _cheaper(row: dict[str, str]) -> dict[str, str]:
    tiers = []
    for tier in row["price_tiers"].split(";"):
        quantity, price = tier.split(":")
        tiers.append(f"{quantity}:{max(Decimal('0.10'), Decimal(price) - Decimal('0.05')):.2f}")
    return {**row, "price_tiers": ";".join(tiers)}


if __name__ == "__main__":
    raise SystemExit(main())
