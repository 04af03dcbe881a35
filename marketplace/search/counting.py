"""A search's ``total`` and facets: exact up to ``SEARCH_EXACT_TOTAL`` matches, estimated
beyond (``total_is_estimate``).

PostgreSQL first counts the matches in a fixed random ``SAMPLE_PERCENT`` of the index's
pages (``TABLESAMPLE SYSTEM ... REPEATABLE``: the same pages every time, so the estimate
does not change from one page of results to the next). When that says more than
``ESTIMATE_MARGIN`` times the exact limit match, the total is the estimate and the facets
are the sample's, scaled: a broad search reads a few thousand sampled rows, not ten
thousand matches. Otherwise the matches are read once, up to the limit and one, in one
statement that also sorts them and returns the page asked for: the counts and the page
cost one pass over the matches, not two. That statement runs with the PostgreSQL
backend's ``PLANNER_SETTINGS``:
bitmap scans only. A LIMIT the planner expects to reach would otherwise have it start a
scan that stops early (a sequential scan, or a walk of an index on one filter), which
for a misjudged filter reads most of the table; a bitmap scan reads only matches, and
stops at the limit. (The measured difference is in the README's Search section.)

SQLite reads the first ``SEARCH_EXACT_TOTAL + 1`` matches in the driving index's order,
which its estimate needs; FTS5 counts the rest. Its page is read on its own (FTS5 hands
out matches in rank order and stops after the page).

The material facet: PostgreSQL reads it off the matches' filter tokens (``mat...`` in
``tags``), SQLite joins the matches to ``product_materials``.

What differs between the two (the sample, the order of the counted matches, the
material facet, the estimate past the limit) is the search backend's
(``marketplace.search.backends``); the statement and its reading are here, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import current_app

from marketplace.catalog.models import Category
from marketplace.extensions import db
from marketplace.search import text
from marketplace.search.models import docs

if TYPE_CHECKING:
    from marketplace.search.query import SearchQuery

DEFAULT_EXACT_TOTAL = 10_000
SAMPLE_PERCENT = 0.5
SAMPLE_SEED = 590
ESTIMATE_MARGIN = 2

# The kinds of the rows of a counting statement (the backends' facet parts add some).
CATEGORY, VERIFIED, MATERIAL, LAST, CATEGORY_SLUG, MATERIAL_NAME, PAGE = range(7)


def exact_limit() -> int:
    return int(current_app.config.get("SEARCH_EXACT_TOTAL", DEFAULT_EXACT_TOTAL))


def facet_dict(by_category, by_material, by_verified) -> dict[str, dict[str, int]]:
    return {
        "category": dict(sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0]))),
        "material": dict(sorted(by_material.items(), key=lambda kv: (-kv[1], kv[0]))),
        "verified": {"true": by_verified.get(True, 0), "false": by_verified.get(False, 0)},
    }


@dataclass
class PageRequest:
    """The page to find along with the counts: its sort ``keys`` (expressions on the
    matching rows, descending or not; the last one unique), the keyset ``after`` which it
    starts (a cursor's values) and how many rows."""

    keys: list[tuple[Any, bool]]
    after: list[Any] | None
    need: int


@dataclass
class Counts:
    facets: dict[str, dict[str, int]]
    total: int
    estimated: bool
    # The page (product id, then its key values), when the counting read every match.
    page: list[tuple] | None = None


def count(query: SearchQuery, page: PageRequest | None = None) -> Counts:
    """The facets and the total of ``query``, and (when every match was read and a
    ``page`` is asked for) that page."""
    cap = exact_limit()
    backend = query.backend
    estimate = None
    sample = backend.sampled(query, _facet_columns(query), SAMPLE_PERCENT, SAMPLE_SEED)
    if sample is not None:
        counts, found, _, _ = _run(query, sample.cte("matches"))
        estimate = round(found * 100 / SAMPLE_PERCENT)
        if estimate > ESTIMATE_MARGIN * cap:
            return Counts(_scaled(counts, found, estimate), estimate, True)
    limit = cap + 1
    counts, counted, last, rows = _count_matches(query, limit, page)
    if counted < limit:
        return Counts(facet_dict(*counts), counted, False, rows)
    if estimate is None:
        estimate = backend.estimate_total(query, last, counted)
    estimate = max(estimate, counted)
    return Counts(_scaled(counts, counted, estimate), estimate, True)


def _facet_columns(query: SearchQuery) -> list[Any]:
    return [
        docs.c.product_id,
        docs.c.category_id,
        docs.c.is_verified,
        *query.backend.facet_columns(),
    ]


def _count_matches(
    query: SearchQuery, limit: int, page: PageRequest | None
) -> tuple[tuple[dict, dict, dict], int, Any, list[tuple] | None]:
    """The facet counts of the first ``limit`` matches (in the order the backend counts
    them), how many there were, the last one's ``position`` (where the backend reads
    one) and the ``page`` among them."""
    keys = []
    if page is not None:
        keys = [expr.label(f"key{i}") for i, (expr, _) in enumerate(page.keys)]
    counted = query.backend.counted_matches(query, [*_facet_columns(query), *keys])
    matches = counted.limit(limit).cte("matches").prefix_with("MATERIALIZED")
    return _run(query, matches, page)


def _after(matches, page: PageRequest, after: list):
    """The rows of ``matches`` past ``page.after`` in the order of ``page.keys`` (the
    keys may go in different directions: relevance is level up, rank key down)."""
    condition = None
    for i in reversed(range(len(page.keys))):
        column, descending = matches.c[f"key{i}"], page.keys[i][1]
        value = sa.literal(after[i])
        beyond = column < value if descending else column > value
        if condition is not None:
            beyond = sa.or_(beyond, sa.and_(column == value, condition))
        condition = beyond
    return condition


def _page_select(matches, page: PageRequest):
    keys = [matches.c[f"key{i}"] for i in range(len(page.keys))]
    rows = sa.select(matches.c.product_id, *keys)
    if page.after is not None:
        rows = rows.where(_after(matches, page, page.after))
    order = [k.desc() if d else k.asc() for k, (_, d) in zip(keys, page.keys, strict=True)]
    found = rows.order_by(*order).limit(page.need).subquery("page")
    # One shape for every row of the statement: kind, label, number, two keys.
    padded = [sa.cast(c, sa.Numeric) for c in list(found.c)[1:]]
    padded += [sa.cast(sa.null(), sa.Numeric)] * (2 - len(padded))
    return sa.select(sa.literal(PAGE), sa.cast(sa.null(), sa.String), found.c.product_id, *padded)


def _run(
    query: SearchQuery, matches, page: PageRequest | None = None
) -> tuple[tuple[dict, dict, dict], int, Any, list[tuple] | None]:
    """Per category, material and verification, the rows of ``matches`` (a CTE); their
    number; the highest ``position`` (where the backend reads it); the ``page`` among
    them. One statement."""
    verified = sa.case((matches.c.is_verified, "true"), else_="false")
    no_key = [sa.cast(sa.null(), sa.Numeric)] * 2
    # Grouped by category id; the slugs come with the counts (no join per match).
    parts = [
        sa.select(
            sa.literal(CATEGORY),
            sa.cast(matches.c.category_id, sa.String),
            sa.func.count(),
            *no_key,
        ).group_by(matches.c.category_id),
        sa.select(sa.literal(CATEGORY_SLUG), Category.slug, Category.id, *no_key),
        sa.select(sa.literal(VERIFIED), verified, sa.func.count(), *no_key).group_by(verified),
        *query.backend.facet_parts(matches, no_key),
    ]
    if page is not None:
        parts.append(_page_select(matches, page))
    by_category, by_verified, by_material, slugs, names = {}, {}, {}, {}, {}
    last = None
    rows: list[tuple] | None = [] if page is not None else None
    for kind, label, number, *keys in db.session.execute(sa.union_all(*parts)):
        if kind == CATEGORY:
            by_category[int(label)] = number
        elif kind == CATEGORY_SLUG:
            slugs[number] = label
        elif kind == VERIFIED:
            by_verified[label == "true"] = number
        elif kind == MATERIAL:
            by_material[label] = number
        elif kind == MATERIAL_NAME:
            names[text.tag("mat", label)] = label
        elif kind == LAST:
            last = number
        else:
            assert rows is not None and page is not None  # page rows come with a page
            rows.append((number, *_key_values(keys, page)))
    by_material.pop(None, None)  # matches without materials (the outer join)
    by_category = {slugs[i]: n for i, n in by_category.items() if i in slugs}
    by_material = query.backend.material_counts(by_material, names)
    if rows is not None and page is not None:
        rows.sort(key=lambda row: _sort_key(row[1:], page))
    return (by_category, by_material, by_verified), sum(by_category.values()), last, rows


def _key_values(keys: list, page: PageRequest) -> list:
    """The page's key values as their columns give them (the statement hands out every
    key as a numeric)."""
    values = []
    for value, (expr, _) in zip(keys, page.keys, strict=False):
        if isinstance(value, Decimal) and isinstance(expr.type, sa.Integer):
            value = int(value)
        values.append(value)
    return values


def _sort_key(values: Sequence, page: PageRequest) -> tuple:
    """Python's order of a page row (UNION ALL keeps no order): each key, negated when
    the sort is descending."""
    return tuple(-v if d else v for v, (_, d) in zip(values, page.keys, strict=False))


def _scaled(counts, sampled: int, estimate: int) -> dict[str, dict[str, int]]:
    """The facets of a sample of ``sampled`` matches, scaled to ``estimate`` matches."""
    scale = estimate / sampled

    def scaled(values):
        return {k: max(1, round(v * scale)) for k, v in values.items()}

    return facet_dict(*map(scaled, counts))
