"""Catalog search under load: the API under gunicorn next to its own SQL run directly.

    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/searchbench  # or sqlite:////tmp/x.db
    .venv/bin/python bench/search_bench.py                       # 100,000 products
    .venv/bin/python bench/search_bench.py --products 10000
    .venv/bin/python bench/search_bench.py --scales 10000,100000,1000000
    # each scale in a database of its own, kept for the next run:
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/sb_{scale} \\
        .venv/bin/python bench/search_bench.py --scales 10000,100000,1000000

1. Load: ``--products`` generated slipper products (default 100,000; 1,000,000 works) from
   the demo catalog's vocabulary (categories, styles, materials, colours, towns, markets),
   written with PostgreSQL ``COPY`` / SQLite ``executemany`` (no ORM), then indexed by the
   search indexer's bulk path (``rebuild_all``) and ANALYZEd. The database named by
   ``DATABASE_URL`` is migrated first (a missing PostgreSQL database is created). Bench
   rows are recognisable (SKUs ``BN-...``); a database holding anything else is refused
   unless ``--reuse``. Bench products already there are kept: a second run (or the next
   of ``--scales``) only adds the missing ones.
2. Query mix: ``--queries`` distinct requests of each kind, drawn from a generated
   vocabulary (style words, materials, colours, motifs, features, towns, supplier names,
   item numbers, Chinese words, typos):
   - ``text``: words only (relevance order);
   - ``text+filters``: words and one to three filters;
   - ``filters``: filters only, newest / price / MOQ order;
   - ``facets``: broad requests (a common word, a category, a material, nothing at all)
     whose totals and facet counts cover a large share of the catalog;
   - ``deep page``: a page 6 to 50 results pages deep, reached through ``next_cursor``.
3. For each kind: the API under gunicorn (started here on a free port, same
   ``DATABASE_URL``) at concurrency 1 (p50 / p95 / p99 over every request) and at
   concurrency 8 (requests/s for ``--seconds``); the floor: the SQL statements that the
   API ran for the same request (captured in this process with a ``before_cursor_execute``
   hook while calling the API in-process), replayed with the DB driver at the same
   concurrencies; and the ratios API p50 / SQL p50 and API rps / SQL rps.

The application caches no search results; PostgreSQL's buffer cache hit ratio over the
measured run is printed. Timings are printed, never asserted. Machine: the figures in
the report came from a 2-core VM, where the client, gunicorn and the database share the
two cores.
"""

from __future__ import annotations

import argparse
import functools
import http.client
import json
import logging
import math
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

import sqlalchemy as sa

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
# Production settings, and the same key in this process and in gunicorn (the cursors of
# the deep pages are captured here and replayed there). Set before config is imported.
os.environ.setdefault("SECRET_KEY", secrets.token_hex(32))
os.environ.setdefault("MARKETPLACE_ENV", "production")

from config import normalise_database_url  # noqa: E402
from marketplace.demo.loader import demo_data  # noqa: E402

# The demo's vocabulary (marketplace/demo/data/*.toml).
SURNAMES = demo_data().companies.surnames
CATALOG = demo_data().catalog
EXTRA_INCOTERMS, HOTEL_SIZES, LINES, PORTS = (
    CATALOG.extra_incoterms,
    CATALOG.hotel_sizes,
    CATALOG.lines,
    CATALOG.ports,
)
SIZES = CATALOG.sizes
VARIANTS = {category: line.variants for category, line in LINES.items()}

SKU_PREFIX = "BN-"
BENCH_ADDRESS = "bench data: "  # suppliers.address of the bench's suppliers
CHUNK = 1000  # products generated from one seed; loads are resumable at chunk edges
PRODUCTS_PER_SUPPLIER = 200  # one new supplier for every 200 products
KINDS = ("text", "text+filters", "filters", "facets", "deep page")
T0 = datetime(2023, 1, 1, tzinfo=UTC)

# Vocabulary ------------------------------------------------------------------------


def wordlist(text: str) -> tuple[str, ...]:
    return tuple(text.split())


TOWNS = (
    ("Neikeng", "Jinjiang", "Fujian"),
    ("Chendai", "Jinjiang", "Fujian"),
    ("Anhai", "Jinjiang", "Fujian"),
    ("Cizao", "Jinjiang", "Fujian"),
    ("Yonghe", "Jinjiang", "Fujian"),
    ("Licheng", "Quanzhou", "Fujian"),
    ("Fengze", "Quanzhou", "Fujian"),
    ("Shishi", "Quanzhou", "Fujian"),
    ("Nan'an", "Quanzhou", "Fujian"),
    ("Hanjiang", "Putian", "Fujian"),
    ("Lucheng", "Wenzhou", "Zhejiang"),
    ("Rui'an", "Wenzhou", "Zhejiang"),
    ("Jieyang", "Jieyang", "Guangdong"),
    ("Houjie", "Dongguan", "Guangdong"),
    ("Yangzhou", "Yangzhou", "Jiangsu"),
)
BRAND_SYLLABLES = wordlist(
    "Hong Xin Yuan Lian Fa Bao Long Da Sheng Tai Feng Hua Jin Li Mei Kang Ming Rui Xing "
    "Yi Cheng Heng Tian Shun An Jia Fu Chang Hao Wei Kai Yu Sen Lan Qiao Bo Zhan Rong Tong"
)
COMPANY_KINDS = (
    "Shoes Co., Ltd.",
    "Slippers Co., Ltd.",
    "Footwear Co., Ltd.",
    "Plastic Shoes Factory",
    "Shoe Materials Co., Ltd.",
    "Trading Co., Ltd.",
    "Sandals Manufacturing Co., Ltd.",
    "Household Products Co., Ltd.",
)
MARKETS = wordlist(
    "US US US GB DE FR NL IT ES PL PH PH VN IN IN ID TH MY ZA ZA NG KE AE AE SA "
    "BR MX CL AU JP KR RU TR EG"
)
CERTIFICATIONS = ("BSCI", "ISO 9001", "ISO 14001", "Sedex/SMETA", "WRAP", "GRS", "SGS")
FEATURES = (
    "anti-slip",
    "quick-drying",
    "odour-resistant",
    "non-marking sole",
    "arch support",
    "washable",
    "silent sole",
    "shock-absorbing",
    "breathable",
    "waterproof",
    "thick platform",
    "soft footbed",
    "ergonomic footbed",
    "memory foam insole",
    "recycled material",
    "vegan",
    "eco-friendly",
    "glow in the dark",
    "scented",
    "embossed logo",
    "hollow-out",
    "fur-lined",
    "pom-pom",
    "bow knot",
    "rhinestone",
    "pearl strap",
    "woven strap",
    "adjustable buckle",
    "elastic band",
    "heel strap",
    "toe post",
    "lightweight",
    "extra wide",
    "non-toxic",
    "phthalate-free",
)
MOTIFS = wordlist(
    "unicorn shark dinosaur panda bear bunny cat dog frog duck penguin koala fox owl "
    "avocado strawberry watermelon pineapple banana cherry lemon peach cactus daisy "
    "sunflower tulip rose leopard zebra camouflage tie-dye rainbow star heart moon cloud "
    "smile football basketball rocket anchor palm flamingo dolphin turtle whale butterfly "
    "ladybug bee tiger lion elephant giraffe monkey mermaid astronaut robot dragon"
)
EXTRA_COLORS = wordlist(
    "black white grey navy pink beige khaki red blue green purple yellow brown mint "
    "coffee lilac apricot burgundy olive teal coral ivory cream silver gold orange"
)
CHINESE_PHRASES = (
    "内坑工厂直销",
    "防滑耐磨",
    "支持定制logo",
    "夏季新款",
    "厂家批发",
    "柔软舒适",
    "居家浴室",
    "外贸出口",
    "一件代发",
    "加厚底",
)
CHINESE_QUERIES = (
    "拖鞋",
    "人字拖",
    "一字拖",
    "浴室拖鞋",
    "酒店拖鞋",
    "毛绒拖鞋",
    "橡胶",
    "夏季",
    "防滑",
)
CUSTOMIZATION = ("logo", "color", "packaging", "mold")
STATES = (
    ("published", 88),
    ("draft", 4),
    ("pending_review", 3),
    ("rejected", 2),
    ("archived", 2),
    ("suspended", 1),
)


def _money(value: float, places: int = 2) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def style_words() -> list[str]:
    """Distinct words of the style names and details (the catalog's own vocabulary)."""
    found = set()
    for line in LINES.values():
        for style in line.styles:
            for word in f"{style.name} {style.detail}".replace(",", " ").split():
                word = word.strip(".;:()'\"").lower()
                if len(word) >= 3 and word.isalpha():
                    found.add(word)
    return sorted(found)


# Generation --------------------------------------------------------------------------


@dataclass
class Chunk:
    """Rows of products ``first``..``first + count - 1`` (numbers from 1, not ids)."""

    products: list[dict] = field(default_factory=list)
    tiers: list[tuple[int, int, Decimal]] = field(default_factory=list)  # (number, qty, price)
    materials: list[tuple[int, str]] = field(default_factory=list)  # (number, material)


def supplier_count(products: int) -> int:
    return max(1, math.ceil(products / PRODUCTS_PER_SUPPLIER))


@functools.lru_cache(maxsize=20_000)
def supplier_profile(number: int, seed: int) -> dict:
    rng = random.Random(f"{seed}:supplier:{number}")
    town, city, province = rng.choice(TOWNS)
    brand = "".join(rng.sample(BRAND_SYLLABLES, 2)).capitalize()
    brand = brand[0] + brand[1:].lower()
    categories = rng.sample(list(LINES), rng.randint(1, 4))
    lines = ", ".join(LINES[c].label.lower() for c in categories)
    verification = rng.choices(("verified", "unverified", "pending", "refused"), (35, 50, 10, 5))[0]
    today = date.today()
    certifications = []
    for name in rng.sample(CERTIFICATIONS, rng.choices((0, 1, 2, 3), (30, 35, 25, 10))[0]):
        expired = rng.random() < 0.2
        days = -rng.randint(20, 400) if expired else rng.randint(45, 1000)
        certifications.append((name, today + timedelta(days=days)))
    return {
        "number": number,
        "name": f"{city} {brand} {rng.choice(COMPANY_KINDS)}",
        "description": (
            f"{rng.choice(SURNAMES)} family factory in {town}, {city}: {lines}. "
            f"{rng.randint(2, 30)} production lines, OEM and ODM, exports to "
            f"{rng.randint(5, 60)} countries."
        ),
        "city": city if town == city else f"{town}, {city}",
        "province": province,
        "address": f"{BENCH_ADDRESS}No. {rng.randint(1, 300)} {town} Industrial Zone",
        "year_established": rng.randint(1985, 2022),
        "employees": rng.choice((30, 60, 120, 200, 350, 500, 800, 1500)),
        "monthly_capacity_pairs": rng.choice((50, 100, 200, 300, 500, 800, 1200, 2000)) * 1000,
        "main_markets": sorted(set(rng.sample(MARKETS, rng.randint(1, 5)))),
        "status": "suspended" if rng.random() < 0.02 else "active",
        "verification_status": verification,
        "response_rate": _money(rng.betavariate(4, 1.5), 3),
        "median_response_hours": _money(rng.uniform(0.5, 48), 2),
        "created_at": T0 + timedelta(days=rng.randint(0, 700), seconds=number),
        "certifications": certifications,
        "categories": categories,
    }


def generate_chunk(index: int, seed: int) -> Chunk:
    """Products ``index * CHUNK + 1`` .. ``(index + 1) * CHUNK``: always the same rows."""
    rng = random.Random(f"{seed}:chunk:{index}")
    chunk = Chunk()
    categories = list(LINES)
    weights = [4, 3, 4, 4, 2, 2, 2, 2, 1, 1][: len(categories)]
    for number in range(index * CHUNK + 1, (index + 1) * CHUNK + 1):
        # Older suppliers have more products: a product goes to any supplier so far.
        supplier = supplier_profile(rng.randint(1, supplier_count(number)), seed)
        if rng.random() < 0.85:
            category = rng.choice(supplier["categories"])
        else:
            category = rng.choices(categories, weights)[0]
        line = LINES[category]
        style, who = rng.choice(line.styles), rng.choice(line.who)
        name = style.name[0].upper() + style.name[1:] if category == "hotel-slippers" else ""
        name = name or f"{who} {style.name}"
        extras = []
        if rng.random() < 0.4:
            extras.append(rng.choice(VARIANTS[category]))
        if rng.random() < 0.35:
            extras.append(f"{rng.choice(MOTIFS)} design")
        if rng.random() < 0.5:
            extras.append(rng.choice(FEATURES))
        if extras:
            name = f"{name}, {', '.join(extras)}"
        low, high = rng.choice(HOTEL_SIZES if category == "hotel-slippers" else SIZES[who])
        sizes: dict | list = {"system": "EU", "from": low, "to": high}
        if rng.random() < 0.1:
            sizes = list(range(low, high + 1))
        palette = style.colors or (line.palette + tuple(rng.sample(EXTRA_COLORS, 3)))
        colors = rng.sample(palette, rng.randint(1, min(5, len(palette))))
        moq = max(
            line.moq[2], round(rng.uniform(line.moq[0], line.moq[1]) / line.moq[2]) * line.moq[2]
        )
        currency = rng.choices(("USD", "CNY", "EUR"), (80, 12, 8))[0]
        rate = {"USD": 1.0, "CNY": 7.2, "EUR": 0.92}[currency]
        price = _money(rng.uniform(*style.price) * rate)
        quantity = moq
        for _ in range(rng.choice((1, 2, 3, 3, 4, 4, 5))):
            chunk.tiers.append((number, quantity, price))
            quantity *= rng.choice((2, 3, 5))
            price = max(Decimal("0.01"), min(price - Decimal("0.01"), _money(float(price) * 0.95)))
        for material in style.materials:
            chunk.materials.append((number, material))
        town = rng.choice(TOWNS)[0]
        features = rng.sample(FEATURES, 2)
        customization = sorted(rng.sample(CUSTOMIZATION, rng.randint(0, 3)))
        size_text = (
            f"EU {low} to {high}" if isinstance(sizes, dict) else "EU " + ", ".join(map(str, sizes))
        )
        description = (
            f"{style.detail} {features[0].capitalize()} and {features[1]}. Sizes {size_text}. "
            f"Colours: {', '.join(colors)}. Customisation: {', '.join(customization) or 'none'}. "
            f"Item no. {SKU_PREFIX}{line.code}{number}. Made in {town}, Fujian."
        )
        if rng.random() < 0.3:
            description += " " + "\uff0c".join(rng.sample(CHINESE_PHRASES, 2)) + "\u3002"
        state = rng.choices([s for s, _ in STATES], [w for _, w in STATES])[0]
        created = T0 + timedelta(seconds=number * 60)
        sample = rng.random() < 0.8
        chunk.products.append(
            {
                "number": number,
                "supplier": supplier["number"],
                "sku": f"{SKU_PREFIX}{line.code}-{number}",
                "name": name[:200],
                "description": description,
                "category": category,
                "sizes": sizes,
                "size_min_eu": low,
                "size_max_eu": high,
                "colors": colors,
                "moq": moq,
                "currency": currency,
                "lead_time_days": rng.randint(*line.lead_days),
                "sample_available": sample,
                "sample_price": _money(rng.uniform(2, 15)) if sample else None,
                "sample_lead_time_days": rng.randint(3, 10) if sample else None,
                "customization": customization,
                "pairs_per_carton": rng.choice((24, 36, 48, 60, 100, 200, 300)),
                "carton_length_cm": Decimal(rng.choice((60, 62, 65, 70))),
                "carton_width_cm": Decimal(rng.choice((38, 40, 42, 45))),
                "carton_height_cm": Decimal(rng.choice((30, 35, 40, 45))),
                "carton_weight_kg": _money(rng.uniform(5, 15)),
                "port_of_loading": rng.choice(PORTS),
                "incoterms": ["FOB", *(t for t in EXTRA_INCOTERMS if rng.random() < 0.25)],
                "hs_code": style.hs,
                "monthly_capacity_pairs": rng.choice((50, 100, 200, 300)) * 1000,
                "status": state,
                "rejection_reason": "Photos show another brand." if state == "rejected" else None,
                "submitted_at": None if state == "draft" else created,
                "published_at": created
                if state in ("published", "archived", "suspended")
                else None,
                "created_at": created,
                "updated_at": created,
            }
        )
    return chunk


# Loading ----------------------------------------------------------------------------

PRODUCT_COLUMNS = (
    "id",
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
    "rejection_reason",
    "submitted_at",
    "published_at",
    "created_at",
    "updated_at",
)
JSON_COLUMNS = {"sizes", "colors", "customization", "incoterms", "main_markets"}
SUPPLIER_COLUMNS = (
    "id",
    "name",
    "description",
    "city",
    "province",
    "country",
    "address",
    "year_established",
    "employees",
    "monthly_capacity_pairs",
    "main_markets",
    "status",
    "verification_status",
    "verified_at",
    "response_rate",
    "median_response_hours",
    "created_at",
    "updated_at",
)


class Writer:
    """Bulk rows into tables: PostgreSQL COPY, SQLite executemany (values as SQLAlchemy
    stores them there: naive UTC text for times, floats for decimals, JSON text)."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"

    def value(self, column: str, value):
        if column in JSON_COLUMNS:
            return json.dumps(value)
        if self.sqlite:
            if isinstance(value, datetime):
                return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, Decimal):
                return float(value)
        return value

    def write(self, raw, table: str, columns: tuple[str, ...], rows) -> int:
        cursor = raw.cursor()
        count = 0
        if self.sqlite:
            marks = ", ".join("?" * len(columns))
            batch = []
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            for row in rows:
                batch.append(tuple(self.value(c, v) for c, v in zip(columns, row, strict=True)))
                if len(batch) >= 10_000:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
            return count
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([self.value(c, v) for c, v in zip(columns, row, strict=True)])
                count += 1
        return count


@dataclass
class LoadReport:
    products_added: int = 0
    seconds_rows: float = 0.0
    seconds_index: float = 0.0
    seconds_analyze: float = 0.0
    indexed: int = 0
    total_products: int = 0
    suppliers: int = 0


def bench_state(conn) -> tuple[int, int]:
    """(bench products, products or suppliers or users that are not the bench's)."""
    bench = conn.scalar(sa.text(f"SELECT count(*) FROM products WHERE sku LIKE '{SKU_PREFIX}%'"))
    others = conn.scalar(
        sa.text(
            f"SELECT (SELECT count(*) FROM products WHERE sku NOT LIKE '{SKU_PREFIX}%') "
            f"+ (SELECT count(*) FROM suppliers WHERE address IS NULL "
            f"   OR address NOT LIKE '{BENCH_ADDRESS}%') "
            "+ (SELECT count(*) FROM users)"
        )
    )
    return int(bench), int(others)


def load(app, target: int, seed: int, log) -> LoadReport:
    """Add bench products up to ``target``, then rebuild the search index."""
    from marketplace.extensions import db
    from marketplace.search import indexer

    report = LoadReport()
    engine = db.engine
    writer = Writer(engine)
    with engine.connect() as conn:
        existing, _ = bench_state(conn)
        categories = dict(conn.execute(sa.text("SELECT slug, id FROM categories")).all())
        materials = dict(conn.execute(sa.text("SELECT name, id FROM materials")).all())
        supplier_ids = list(
            conn.scalars(
                sa.text(
                    f"SELECT id FROM suppliers WHERE address LIKE '{BENCH_ADDRESS}%' ORDER BY id"
                )
            )
        )

        def next_id(table):
            return int(conn.scalar(sa.text(f"SELECT coalesce(max(id), 0) FROM {table}"))) + 1

        ids = {
            t: next_id(t)
            for t in ("products", "price_tiers", "suppliers", "supplier_certifications")
        }
    if existing > target:
        raise SystemExit(
            f"The database holds {existing:,} bench products, more than {target:,}: "
            "use a fresh database (or a larger --products)."
        )
    report.total_products = target
    if existing < target:
        started = time.perf_counter()
        raw = engine.raw_connection()
        try:
            if writer.sqlite:
                raw.cursor().execute("BEGIN IMMEDIATE")
            wanted = supplier_count(target)
            new_suppliers = [
                supplier_profile(n, seed) for n in range(len(supplier_ids) + 1, wanted + 1)
            ]
            for s in new_suppliers:
                supplier_ids.append(ids["suppliers"])
                s["id"] = ids["suppliers"]
                ids["suppliers"] += 1
            now = datetime.now(UTC)
            writer.write(
                raw,
                "suppliers",
                SUPPLIER_COLUMNS,
                (
                    (
                        s["id"],
                        s["name"],
                        s["description"],
                        s["city"],
                        s["province"],
                        "CN",
                        s["address"],
                        s["year_established"],
                        s["employees"],
                        s["monthly_capacity_pairs"],
                        s["main_markets"],
                        s["status"],
                        s["verification_status"],
                        now if s["verification_status"] == "verified" else None,
                        s["response_rate"],
                        s["median_response_hours"],
                        s["created_at"],
                        s["created_at"],
                    )
                    for s in new_suppliers
                ),
            )
            certs = []
            for s in new_suppliers:
                for name, valid_until in s["certifications"]:
                    certs.append((ids["supplier_certifications"], s["id"], name, valid_until))
                    ids["supplier_certifications"] += 1
            writer.write(
                raw, "supplier_certifications", ("id", "supplier_id", "name", "valid_until"), certs
            )
            for index in range(existing // CHUNK, math.ceil(target / CHUNK)):
                chunk = generate_chunk(index, seed)
                keep = {p["number"]: p for p in chunk.products if existing < p["number"] <= target}
                id_of = {}
                for number in keep:
                    id_of[number] = ids["products"]
                    ids["products"] += 1
                rows = []
                for p in keep.values():
                    p = {
                        **p,
                        "id": id_of[p["number"]],
                        "supplier_id": supplier_ids[p["supplier"] - 1],
                        "category_id": categories[p["category"]],
                    }
                    rows.append(tuple(p[c] for c in PRODUCT_COLUMNS))
                report.products_added += writer.write(raw, "products", PRODUCT_COLUMNS, rows)
                tiers = []
                for number, quantity, price in chunk.tiers:
                    if number in id_of:
                        tiers.append((ids["price_tiers"], id_of[number], quantity, price))
                        ids["price_tiers"] += 1
                writer.write(
                    raw, "price_tiers", ("id", "product_id", "min_qty", "unit_price"), tiers
                )
                writer.write(
                    raw,
                    "product_materials",
                    ("product_id", "material_id"),
                    [(id_of[n], materials[m]) for n, m in chunk.materials if n in id_of],
                )
                if (index + 1) % 50 == 0:
                    log(f"  {min(target, (index + 1) * CHUNK):,} products written")
            if not writer.sqlite:
                cursor = raw.cursor()
                for table in ("products", "price_tiers", "suppliers", "supplier_certifications"):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
            raw.commit()
        finally:
            raw.close()
        report.seconds_rows = time.perf_counter() - started
        log(f"  {report.products_added:,} products written in {report.seconds_rows:.1f} s")
    with app.app_context():
        with engine.connect() as conn:
            indexed = conn.scalar(sa.text("SELECT count(*) FROM search_fts_docs"))
            carded = conn.scalar(sa.text("SELECT count(*) FROM search_fts_cards"))
            visible = conn.scalar(
                sa.text(
                    "SELECT count(*) FROM products p JOIN suppliers s ON s.id = p.supplier_id "
                    "WHERE p.status = 'published' AND s.status = 'active'"
                )
            )
        if report.products_added or indexed != visible or carded != indexed:
            started = time.perf_counter()
            with engine.begin() as conn:
                report.indexed = indexer.rebuild_all(connection=conn)
            report.seconds_index = time.perf_counter() - started
            log(f"  {report.indexed:,} products indexed in {report.seconds_index:.1f} s")
        else:
            report.indexed = indexed
        # Statistics for the planner, and (PostgreSQL) the visibility map that index-only
        # scans need: what autovacuum does some time after a bulk load.
        started = time.perf_counter()
        if writer.sqlite:
            with engine.connect() as conn:
                conn.execute(sa.text("ANALYZE"))
                conn.commit()
        else:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE"))
        report.seconds_analyze = time.perf_counter() - started
    report.suppliers = supplier_count(target)
    return report


# The query mix ----------------------------------------------------------------------

CATALOG_MATERIALS = (
    *wordlist("EVA PVC PU rubber TPR PE plush cotton velvet cork latex TPU microfiber linen jute"),
    *("terry cloth", "coral fleece", "faux fur", "non-woven", "memory foam"),
)
COMMON_WORDS = wordlist(
    "slippers slipper eva pvc slides slide flip flops sandals clogs hotel plush rubber "
    "kids women men soft sole anti slip beach bathroom home indoor"
)
CERT_FILTERS = ("BSCI", "ISO 9001", "ISO 14001", "Sedex/SMETA", "WRAP", "GRS")


class Vocabulary:
    """Words a buyer types, weighted towards what the catalog says most."""

    def __init__(self, scale: int, seed: int):
        self.styles = [s for line in LINES.values() for s in line.styles]
        self.words = style_words()
        self.suppliers = [supplier_profile(n, seed) for n in range(1, supplier_count(scale) + 1)]
        self.scale = scale

    def typo(self, rng: random.Random, word: str) -> str:
        if len(word) < 5:
            return word
        i = rng.randrange(1, len(word) - 1)
        return rng.choice((word[:i] + word[i + 1 :], word[:i] + word[i] + word[i:]))

    def text(self, rng: random.Random) -> str:
        roll = rng.random()
        style = rng.choice(self.styles)
        name_words = [w.strip(",'") for w in style.name.split() if len(w.strip(",'")) > 2]
        if roll < 0.30:
            words = [rng.choice(COMMON_WORDS if rng.random() < 0.4 else self.words)]
        elif roll < 0.62:
            words = [rng.choice(name_words), rng.choice(name_words)]
        elif roll < 0.72:
            words = [
                rng.choice(name_words),
                rng.choice((*MOTIFS, *EXTRA_COLORS, *FEATURES, *CATALOG_MATERIALS)),
            ]
        elif roll < 0.80:
            words = rng.sample(name_words, min(3, len(name_words)))
        elif roll < 0.84:
            supplier = rng.choice(self.suppliers)["name"].split()
            words = supplier[1:2] if rng.random() < 0.7 else supplier[:2]
        elif roll < 0.88:
            number = rng.randint(1, self.scale)
            words = [f"{rng.choice(list(LINES.values())).code}{number}"]
        elif roll < 0.93:
            words = [rng.choice(CHINESE_QUERIES)]
        else:
            words = [self.typo(rng, rng.choice(name_words))]
            if rng.random() < 0.5:
                words.append(rng.choice(COMMON_WORDS))
        return " ".join(dict.fromkeys(words))

    def filters(self, rng: random.Random, count: int) -> dict:
        options = {
            "material": lambda: rng.choice(CATALOG_MATERIALS[:8]),
            "color": lambda: rng.choice(EXTRA_COLORS[:14]),
            "size": lambda: str(rng.randint(25, 45)),
            "max_moq": lambda: rng.choice((500, 1000, 2000, 3000, 5000)),
            "quantity": lambda: rng.choice((1000, 2000, 5000, 10000)),
            "max_lead_time_days": lambda: rng.choice((15, 20, 25, 30, 40)),
            "verified": lambda: rng.choice(("true", "true", "false")),
            "certification": lambda: rng.choice(CERT_FILTERS),
            "category": lambda: rng.choice(list(LINES)),
            "customization": lambda: rng.choice(CUSTOMIZATION),
            "supplier_id": None,
        }
        chosen = {}
        for key in rng.sample([k for k in options if k != "supplier_id"], count):
            chosen[key] = options[key]()
        if "quantity" in chosen and rng.random() < 0.6:
            chosen["max_price"] = rng.choice(("0.80", "1.20", "1.50", "2.00", "3.00"))
        return chosen

    def request(self, kind: str, rng: random.Random) -> dict:
        if kind == "text":
            return {"q": self.text(rng)}
        if kind == "text+filters":
            return {"q": self.text(rng), **self.filters(rng, rng.choice((1, 1, 2, 3)))}
        if kind == "filters":
            params = self.filters(rng, rng.choice((1, 2, 2, 3)))
            sort = rng.choice(("newest", "newest", "price_asc", "moq_asc"))
            return {**params, "sort": sort}
        if kind == "facets":
            params = {}
            if rng.random() < 0.6:
                params["q"] = rng.choice(COMMON_WORDS)
            broad = rng.choice(("", "category", "material", "color", "verified", "size"))
            if broad:
                params.update(self.filters_of(rng, broad))
            if not params or rng.random() < 0.3:
                params["sort"] = rng.choice(("newest", "price_asc", "moq_asc"))
            return params
        # deep page: a broad request, skipped into by `skip` results
        base = {"q": rng.choice(COMMON_WORDS)} if rng.random() < 0.5 else {}
        if not base or rng.random() < 0.3:
            base.update(self.filters_of(rng, rng.choice(("material", "color", "category"))))
        if "q" not in base:
            base["sort"] = rng.choice(("newest", "price_asc", "moq_asc"))
        return {**base, "_skip": 100 * rng.randint(1, 10)}

    def filters_of(self, rng: random.Random, key: str) -> dict:
        while True:
            found = self.filters(rng, 10)
            if key in found:
                return {key: found[key]}


def query_mix(kind: str, count: int, vocabulary: Vocabulary, seed: int) -> list[dict]:
    rng = random.Random(f"{seed}:{kind}")
    seen, requests = set(), []
    for _ in range(count * 50):
        params = vocabulary.request(kind, rng)
        key = tuple(sorted(params.items()))
        if key not in seen:
            seen.add(key)
            requests.append(params)
            if len(requests) == count:
                break
    return requests


# Capture: the SQL each API request runs -------------------------------------------------


@dataclass
class Request:
    kind: str
    url: str
    statements: list[tuple[str, object]]
    total: int = 0
    estimated: bool = False


class Recorder:
    """Collects the statements the app sends to the driver while ``on``."""

    def __init__(self, engine: sa.Engine):
        self.on = False
        self.statements: list[tuple[str, object]] = []
        sa.event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, parameters, _context, executemany):
        if self.on and not executemany:
            head = statement.lstrip()[:7].upper()
            if head.startswith(("SELECT", "WITH", "EXPLAIN")):
                self.statements.append((statement, parameters))


URL = "/api/v1/products"


def capture(app, requests_by_kind: dict[str, list[dict]]) -> dict[str, list[Request]]:
    from marketplace.extensions import db

    with app.app_context():
        recorder = Recorder(db.engine)
    client = app.test_client()
    out: dict[str, list[Request]] = {}
    for kind, specs in requests_by_kind.items():
        out[kind] = []
        for params in specs:
            params = dict(params)
            skip = params.pop("_skip", 0)
            if skip:
                cursor = None
                for _ in range(skip // 100):
                    page = {**params, "limit": 100, **({"cursor": cursor} if cursor else {})}
                    cursor = client.get(f"{URL}?{urlencode(page)}").json["next_cursor"]
                    if cursor is None:
                        break
                if cursor is None:
                    continue  # fewer results than the depth asked for
                params["cursor"] = cursor
            url = f"{URL}?{urlencode(params)}"
            recorder.statements, recorder.on = [], True
            response = client.get(url)
            recorder.on = False
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}: {response.json}")
            body = response.json
            out[kind].append(
                Request(kind, url, recorder.statements, body["total"], body["total_is_estimate"])
            )
    return out


# Runners ------------------------------------------------------------------------------


class ApiRunner:
    def __init__(self, port: int):
        self.port = port

    def session(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

        def run(request: Request) -> None:
            conn.request("GET", request.url)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{request.url}: {response.status}")

        return run, conn.close


class SqlRunner:
    """The captured statements through the bare DB driver, in one transaction a request."""

    def __init__(self, url: str):
        self.url = url
        self.sqlite = url.startswith("sqlite")

    def session(self):
        if self.sqlite:
            import sqlite3

            path = sa.engine.make_url(self.url).database
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout = 5000")
            conn.execute("PRAGMA foreign_keys = ON")
            cursor = conn.cursor()

            def run(request: Request) -> None:
                cursor.execute("BEGIN")
                for statement, parameters in request.statements:
                    cursor.execute(statement, parameters)
                    cursor.fetchall()
                cursor.execute("ROLLBACK")

            return run, conn.close
        import psycopg

        target = sa.engine.make_url(self.url).set(drivername="postgresql")
        conn = psycopg.connect(target.render_as_string(hide_password=False))
        cursor = conn.cursor()

        def run(request: Request) -> None:
            for statement, parameters in request.statements:
                cursor.execute(statement, parameters)
                cursor.fetchall()
            conn.rollback()

        return run, conn.close


@dataclass
class Figures:
    latencies: list[float]  # ms, concurrency 1
    requests: int  # done at concurrency 8
    seconds: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def sequential(runner, requests: list[Request]) -> list[float]:
    run, close = runner.session()
    try:
        run(requests[0])  # connect
        latencies = []
        for request in requests:
            started = time.perf_counter()
            run(request)
            latencies.append((time.perf_counter() - started) * 1000)
        return latencies
    finally:
        close()


def concurrent(runner, requests: list[Request], threads: int, seconds: float) -> tuple[int, float]:
    counts = [0] * threads
    errors: list[BaseException] = []
    start_line = threading.Barrier(threads + 1)
    deadline = [0.0]

    def worker(n: int) -> None:
        run, close = runner.session()
        try:
            run(requests[0])
            start_line.wait()
            i = n * len(requests) // threads
            while time.perf_counter() < deadline[0]:
                run(requests[i % len(requests)])
                counts[n] += 1
                i += 1
        except BaseException as error:  # noqa: BLE001 - reported after the run
            errors.append(error)
        finally:
            close()

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    deadline[0] = time.perf_counter() + seconds + 3600
    start_line.wait()
    started = time.perf_counter()
    deadline[0] = started + seconds
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"concurrency run failed: {errors[0]!r}")
    return sum(counts), elapsed


# gunicorn -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, url: str, workers: int):
        self.port = free_port()
        # Kept open for the server's lifetime (closed in stop()).
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix="search-bench-gunicorn-", suffix=".log"
        )
        env = {**os.environ, "DATABASE_URL": url}
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=self.log,
        )
        self.workers = workers
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.log.name}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/readyz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit("gunicorn did not become ready in 60 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# Measuring ----------------------------------------------------------------------------------


@dataclass
class Measured:
    api: dict[str, Figures]
    sql: dict[str, Figures]
    captured: dict[str, list[Request]]
    buffer_hit_ratio: float | None
    workers: int


def buffer_counters(url: str) -> tuple[int, int] | None:
    if not url.startswith("postgresql"):
        return None
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            hit, read = conn.execute(
                sa.text(
                    "SELECT blks_hit, blks_read FROM pg_stat_database "
                    "WHERE datname = current_database()"
                )
            ).one()
        return int(hit), int(read)
    finally:
        engine.dispose()


def measure(app, url: str, args) -> Measured:
    from marketplace.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        scale, _ = bench_state(conn)
    vocabulary = Vocabulary(scale, args.seed)
    specs = {kind: query_mix(kind, args.queries, vocabulary, args.seed) for kind in KINDS}
    log(f"Capturing the SQL of {sum(map(len, specs.values())):,} distinct requests ...")
    started = time.perf_counter()
    captured = capture(app, specs)
    log(f"  done in {time.perf_counter() - started:.0f} s")
    server = Gunicorn(url, args.workers)
    api_runner, sql_runner = ApiRunner(server.port), SqlRunner(url)
    api, sql = {}, {}
    before = buffer_counters(url)
    try:
        for kind in KINDS:
            requests = captured[kind]
            log(f"Measuring {kind} ({len(requests)} requests) ...")
            # Warm-up, not measured: every gunicorn worker compiles its statements once.
            concurrent(api_runner, requests, 8, min(2.0, args.seconds))
            concurrent(sql_runner, requests, 8, min(1.0, args.seconds))
            api_latencies = sequential(api_runner, requests)
            sql_latencies = sequential(sql_runner, requests)
            api_count, api_seconds = concurrent(api_runner, requests, 8, args.seconds)
            sql_count, sql_seconds = concurrent(sql_runner, requests, 8, args.seconds)
            api[kind] = Figures(api_latencies, api_count, api_seconds)
            sql[kind] = Figures(sql_latencies, sql_count, sql_seconds)
    finally:
        server.stop()
    time.sleep(1.5)  # PostgreSQL publishes its counters about once a second
    after = buffer_counters(url)
    ratio = None
    if before and after:
        hit, read = after[0] - before[0], after[1] - before[1]
        ratio = hit / (hit + read) if hit + read else None
    return Measured(api, sql, captured, ratio, args.workers)


# Report -------------------------------------------------------------------------------------


def combined(figures: dict[str, Figures]) -> Figures:
    return Figures(
        [ms for f in figures.values() for ms in f.latencies],
        sum(f.requests for f in figures.values()),
        sum(f.seconds for f in figures.values()),
    )


def database_label(url: str) -> str:
    if url.startswith("sqlite"):
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return "PostgreSQL " + conn.scalar(sa.text("SHOW server_version")).split()[0]
    finally:
        engine.dispose()


def print_table(url: str, scale: int, report: LoadReport, measured: Measured) -> None:
    print()
    print(
        f"{database_label(url)}: {scale:,} products ({report.indexed:,} searchable), "
        f"{report.suppliers:,} suppliers; gunicorn {measured.workers} sync workers; "
        f"{os.cpu_count()} CPUs"
    )
    if report.products_added:
        print(
            f"load: {report.products_added:,} products written in {report.seconds_rows:.1f} s, "
            f"index built in {report.seconds_index:.1f} s, "
            f"(VACUUM) ANALYZE {report.seconds_analyze:.1f} s"
        )
    header = (
        f"{'kind':<13} {'n':>4} {'est':>4} | {'API p50':>8} {'p95':>7} {'p99':>7} | "
        f"{'SQL p50':>8} {'p95':>7} {'p99':>7} | {'p50 x':>6} | "
        f"{'API rps':>8} {'SQL rps':>8} {'rps x':>6}"
    )
    print(header)
    print("-" * len(header))
    rows = [
        (kind, measured.api[kind], measured.sql[kind], measured.captured[kind]) for kind in KINDS
    ]
    rows.append(
        (
            "mix",
            combined(measured.api),
            combined(measured.sql),
            [r for kind in KINDS for r in measured.captured[kind]],
        )
    )
    for kind, api, sql, requests in rows:
        estimated = sum(r.estimated for r in requests)
        print(
            f"{kind:<13} {len(api.latencies):>4} {estimated:>4} | "
            f"{api.pct(0.5):8.1f} {api.pct(0.95):7.1f} {api.pct(0.99):7.1f} | "
            f"{sql.pct(0.5):8.1f} {sql.pct(0.95):7.1f} {sql.pct(0.99):7.1f} | "
            f"{api.pct(0.5) / sql.pct(0.5):6.2f} | "
            f"{api.rps:8.1f} {sql.rps:8.1f} {api.rps / sql.rps:6.2f}"
        )
    print(
        "times in ms at concurrency 1; rps at concurrency 8; est = requests whose total "
        "was an estimate (> 10,000 matches)"
    )
    cache = "none in the application (no result cache)"
    if measured.buffer_hit_ratio is not None:
        cache += f"; PostgreSQL buffer cache hit ratio {measured.buffer_hit_ratio:.1%}"
    print(f"cache: {cache}")


def print_scales(url: str, results) -> None:
    for scale, report, measured in results:
        scale_url = normalise_database_url(url.replace("{scale}", str(scale)))
        print_table(scale_url, scale, report, measured)
    if len(results) < 2:
        return
    print()
    print("How p95 grows (concurrency 1, the whole mix):")
    first = results[0]
    base_api = combined(first[2].api).pct(0.95)
    base_sql = combined(first[2].sql).pct(0.95)
    print(f"{'products':>10} | {'API p95':>8} {'x':>6} | {'SQL p95':>8} {'x':>6}")
    for scale, _report, measured in results:
        api, sql = combined(measured.api).pct(0.95), combined(measured.sql).pct(0.95)
        print(f"{scale:>10,} | {api:8.1f} {api / base_api:6.2f} | {sql:8.1f} {sql / base_sql:6.2f}")
    print(f"(products grew {results[-1][0] / first[0]:,.0f}x)")


# Set-up -------------------------------------------------------------------------------


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        raise SystemExit(
            "Set DATABASE_URL to the database to fill, e.g. "
            "DATABASE_URL=sqlite:////tmp/searchbench.db or "
            "DATABASE_URL=postgresql://postgres@127.0.0.1:5432/searchbench"
        )
    return url  # normalised per scale (after "{scale}" is filled in)


def ensure_postgres_database(url: str) -> None:
    target = sa.engine.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            )
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


def make_app(url: str):
    os.environ["DATABASE_URL"] = url
    from flask_migrate import upgrade

    from config import config_from_env
    from marketplace import create_app

    # The URL given, not the one config.py read when it was first imported.
    base = config_from_env()
    app = create_app(type("BenchConfig", (base,), {"SQLALCHEMY_DATABASE_URI": url}))
    # This process only loads and captures: its access log would drown the report.
    logging.getLogger("marketplace").setLevel(logging.WARNING)
    app.logger.setLevel(logging.WARNING)
    started = time.perf_counter()
    with app.app_context():
        upgrade()
    log(f"Migrated in {time.perf_counter() - started:.1f} s")
    return app


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def open_database(url: str, reuse: bool):
    """The app on ``url``, migrated (a missing PostgreSQL database is created first);
    refuses a database holding data that is not the bench's unless ``reuse``."""
    if url.startswith("postgresql"):
        ensure_postgres_database(url)
    app = make_app(url)
    from marketplace.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        _, others = bench_state(conn)
    if others and not reuse:
        raise SystemExit(
            f"{sa.engine.make_url(url).render_as_string()} holds {others:,} products, "
            "suppliers or users that are not the bench's: pass --reuse to add the bench "
            "products next to them, or name another database."
        )
    return app


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument(
        "--scales", help="comma-separated product counts, e.g. 10000,100000,1000000"
    )
    parser.add_argument("--reuse", action="store_true", help="run on a database with other data")
    parser.add_argument("--queries", type=int, default=300, help="distinct requests per kind")
    parser.add_argument("--seconds", type=float, default=6.0, help="each concurrency-8 run")
    parser.add_argument("--workers", type=int, default=8, help="gunicorn worker processes")
    parser.add_argument("--seed", type=int, default=590)
    parser.add_argument("--load-only", action="store_true")
    args = parser.parse_args()

    url = database_url()
    scales = [int(s) for s in args.scales.split(",")] if args.scales else [args.products]
    results = []
    app = None
    for scale in sorted(scales):
        # "{scale}" in the URL: each scale in a database of its own (kept for the next
        # run); else one database grows from scale to scale.
        scale_url = normalise_database_url(url.replace("{scale}", str(scale)))
        if app is None or "{scale}" in url:
            app = open_database(scale_url, args.reuse)
        from marketplace.extensions import db

        with app.app_context(), db.engine.connect() as conn:
            bench, _ = bench_state(conn)
        log(f"Loading {scale:,} products ({bench:,} there already) ...")
        with app.app_context():
            report = load(app, scale, args.seed, log)
        if args.load_only:
            continue
        results.append((scale, report, measure(app, scale_url, args)))
    if results:
        print_scales(url, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
