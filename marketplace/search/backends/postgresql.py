"""Search on PostgreSQL: weighted tsvectors with GIN indexes, filter tokens in a ``text[]``
(GIN), COPY for large index writes, TABLESAMPLE estimates and trigram suggestions.

The planner is the thing to manage here: a search runs its counts with bitmap scans only
and room for exact bitmaps, and walks a sort's index for a bounded number of rows before
it lets the GIN indexes find the rest (see ``walk``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.sql.util import ClauseAdapter

from marketplace.catalog.models import Category, Material
from marketplace.extensions import db
from marketplace.search import counting, paging, text
from marketplace.search.backends.base import DOC_COLUMNS, PRICE_COLUMNS, TEXT_COLUMNS, SearchBackend
from marketplace.search.models import LEVEL_DOCUMENTS, LEVELS, docs, supplier_docs, words
from marketplace.suppliers.models import Supplier

if TYPE_CHECKING:
    from marketplace.search.paging import Order
    from marketplace.search.query import SearchQuery

# The tsvectors of each part computed once, then combined into the three documents.
PG_VECTORS = """
    SELECT {columns},
        va AS doc_name,
        va || vb AS doc_core,
        setweight(va, 'A') || setweight(vb, 'B') || setweight(vc, 'C') || setweight(vd, 'D')
            AS document,
        tags
    FROM {source},
    LATERAL (SELECT to_tsvector('english', text_a) AS va, to_tsvector('english', text_b) AS vb,
                    to_tsvector('english', text_c) AS vc, to_tsvector('english', text_d) AS vd) v
"""
PG_INSERT = sa.text(
    f"INSERT INTO search_fts_docs ({', '.join(DOC_COLUMNS)}, {', '.join(TEXT_COLUMNS)})"
    + PG_VECTORS.format(
        columns=", ".join(DOC_COLUMNS),
        source="(SELECT "
        + ", ".join(
            f"CAST(:{c} AS {docs.c[c].type.compile(postgresql.dialect())}) AS {c}"
            for c in DOC_COLUMNS
        )
        + ", CAST(:text_a AS text) AS text_a, CAST(:text_b AS text) AS text_b,"
        " CAST(:text_c AS text) AS text_c, CAST(:text_d AS text) AS text_d,"
        " CAST(:tags AS text[]) AS tags) AS given",
    )
)
# Large batches go through COPY into a temporary table, then one INSERT ... SELECT.
PG_STAGE = f"""
    CREATE TEMPORARY TABLE IF NOT EXISTS search_fts_stage (
        {", ".join(f"{c} {docs.c[c].type.compile(postgresql.dialect())}" for c in DOC_COLUMNS)},
        text_a text, text_b text, text_c text, text_d text, tags text[]
    ) ON COMMIT DROP
"""
PG_FROM_STAGE = (
    f"INSERT INTO search_fts_docs ({', '.join(DOC_COLUMNS)}, {', '.join(TEXT_COLUMNS)})"
    + PG_VECTORS.format(columns=", ".join(DOC_COLUMNS), source="search_fts_stage")
)
COPY_MIN_ROWS = 200

PG_SUPPLIER_WORDS = sa.text(
    """
    INSERT INTO search_fts_suppliers (supplier_id, document)
    VALUES (:id, setweight(to_tsvector('english', :name), 'A')
        || setweight(to_tsvector('english', :place), 'B')
        || setweight(to_tsvector('english', :description), 'C'))
    """
)

# While counting: bitmap scans only (see counting.py).
PLANNER_SETTINGS = {"enable_seqscan": "off", "enable_indexscan": "off"}


def _tsquery(expression: str):
    return sa.func.to_tsquery(
        sa.literal_column("'english'::regconfig"), sa.literal(expression, sa.Text)
    )


def _copy(conn: Connection, table: str, columns, rows) -> None:
    """PostgreSQL COPY on the connection's own transaction."""
    driver = conn.connection.driver_connection
    assert driver is not None  # a live connection: it has its psycopg connection
    cursor = driver.cursor()
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _settings(**settings: str) -> None:
    """Set these for the rest of the transaction (one statement)."""
    calls = ", ".join(f"set_config('{name}', %({name})s, true)" for name in settings)
    db.session.connection().exec_driver_sql(f"SELECT {calls}", settings)


def _doc_row(d: dict) -> dict:
    return {
        **{k: d[k] for k in DOC_COLUMNS},
        "text_a": d["name"],
        "text_b": f"{d['category']} {d['materials']}",
        "text_c": d["description"],
        "text_d": d["supplier"],
        "tags": d["tags"],
    }


class PostgreSQLBackend(SearchBackend):
    dialect = "postgresql"

    # Index writes ------------------------------------------------------------------

    def empty_index(self, conn: Connection) -> list[str]:
        """TRUNCATE the index tables and drop their secondary indexes: building an index
        once at the end is much faster than updating it row by row (searches wait for the
        rebuild's commit)."""
        conn.execute(
            sa.text(
                "TRUNCATE search_fts_docs, search_fts_prices, search_fts_cards, "
                "search_fts_words, search_fts_suppliers"
            )
        )
        # Dropped as the migrations made them, and made again from their definitions.
        secondary = conn.execute(
            sa.text(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = current_schema() "
                "AND tablename IN ('search_fts_docs', 'search_fts_prices') "
                "AND indexname NOT LIKE 'pk\\_%'"
            )
        ).all()
        definitions = []
        for name, definition in secondary:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
            definitions.append(definition)
        return definitions

    def finish_rebuild(self, conn: Connection, statements: list[str]) -> None:
        if statements:
            conn.exec_driver_sql("SELECT set_config('maintenance_work_mem', '256MB', true)")
        super().finish_rebuild(conn, statements)

    def insert_products(self, conn, documents, price_rows, card_rows) -> None:
        if len(documents) >= COPY_MIN_ROWS:
            _copy(conn, "search_fts_prices", PRICE_COLUMNS, price_rows)
            _copy(conn, "search_fts_cards", ("product_id", "card"), card_rows)
        else:
            self.insert_prices_and_cards(conn, price_rows, card_rows)
        rows = [_doc_row(d) for d in documents]
        if len(rows) < COPY_MIN_ROWS:
            conn.execute(PG_INSERT, rows)
            return
        conn.exec_driver_sql(PG_STAGE)
        columns = (*DOC_COLUMNS, "text_a", "text_b", "text_c", "text_d", "tags")
        _copy(
            conn,
            "search_fts_stage",
            columns,
            (
                [
                    row[c] if c in ("tags", "rank_key") or row[c] is None else str(row[c])
                    for c in columns
                ]
                for row in rows
            ),
        )
        conn.exec_driver_sql(PG_FROM_STAGE)
        conn.exec_driver_sql("TRUNCATE search_fts_stage")

    def delete_supplier_words(self, conn: Connection, supplier_ids: list[int]) -> None:
        conn.execute(supplier_docs.delete().where(supplier_docs.c.supplier_id.in_(supplier_ids)))

    def insert_supplier_words(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        conn.execute(PG_SUPPLIER_WORDS, rows)

    def _insert_new_words(self) -> sa.Insert:
        return postgresql.insert(words).on_conflict_do_nothing()

    # A search's parts ------------------------------------------------------------------

    def filter_supplier(self, query: SearchQuery, supplier_id: int) -> None:
        query.where.append(docs.c.supplier_id == supplier_id)

    def filter_category(self, query: SearchQuery, slug: str) -> None:
        category = (
            sa.select(Category.id).where(Category.slug == slug.strip().lower()).scalar_subquery()
        )
        query.where.append(docs.c.category_id == category)

    def verified_conditions(self, verified: bool) -> list[Any]:
        # The same rows as the rank key's range, as the filter index knows them (the
        # range bounds a walk of the rank-key index; this, a GIN look-up).
        return [docs.c.is_verified == verified]

    def rank(self, query: SearchQuery):
        return docs.c.rank_key

    def tsquery(self, query: SearchQuery):
        return _tsquery(text.tsquery(query.terms, query.suggestions, query.exact))

    def level(self, query: SearchQuery):
        """The relevance level of a matching row (0: every word in the name; 1: in name,
        category or materials; 2: anywhere)."""
        tsquery = self.tsquery(query)
        return sa.case(
            (docs.c[LEVEL_DOCUMENTS[0]].op("@@")(tsquery), 0),
            (docs.c[LEVEL_DOCUMENTS[1]].op("@@")(tsquery), 1),
            else_=2,
        )

    def match(
        self, query: SearchQuery, select: sa.Select, level: int | None, exact: bool
    ) -> sa.Select:
        if query.terms:
            level = LEVELS[-1] if level is None else level
            tsquery = self.tsquery(query)
            select = select.where(docs.c[LEVEL_DOCUMENTS[level]].op("@@")(tsquery))
            if exact and level:
                above = docs.c[LEVEL_DOCUMENTS[level - 1]]
                select = select.where(sa.not_(above.op("@@")(tsquery)))
        if query.tags:
            select = select.where(docs.c.tags.contains(sa.cast(query.tags, docs.c.tags.type)))
        return select

    # Counting ------------------------------------------------------------------------

    def prepare_counting(self) -> None:
        # Room for exact bitmaps: with the default 4 MB, ANDing a common word's million
        # matches with a filter goes lossy and rechecks every row of every page. No JIT:
        # compiling a search's short statement costs more time than it saves. And while
        # counting, only bitmap scans (see counting.py). One statement.
        _settings(
            work_mem=current_app.config.get("SEARCH_WORK_MEM", "32MB"),
            jit="off",
            **PLANNER_SETTINGS,
        )

    def finish_counting(self) -> None:
        # The counts are read: the page's walk of the sort's index, and whatever else
        # the request runs in this transaction, plan with every scan again.
        _settings(**dict.fromkeys(PLANNER_SETTINGS, "on"))

    def page_with_counts(
        self, query: SearchQuery, sort: str, cursor: list[Any] | None, need: int
    ) -> counting.PageRequest:
        """The counts read every match: the page comes with them. Its keys: relevance is
        the level, then the rank key; any other sort its index's keys."""
        if sort == "relevance":
            keys = [(self.level(query), False), (docs.c.rank_key, True)]
        else:
            keys = paging.order_for(query, sort).keys
        return counting.PageRequest(keys, cursor, need)

    def sampled(
        self, query: SearchQuery, columns: list[Any], percent: float, seed: int
    ) -> sa.Select:
        """TABLESAMPLE SYSTEM ... REPEATABLE: the same pages every time, so the estimate
        does not change from one page of results to the next."""
        sample = sa.tablesample(
            docs, sa.func.system(percent), name="sampled", seed=sa.literal_column(str(seed))
        )
        return ClauseAdapter(sample).traverse(query.source(*columns))

    def facet_columns(self) -> list[Any]:
        return [docs.c.tags]

    def counted_matches(self, query: SearchQuery, columns: list[Any]) -> sa.Select:
        return query.source(*columns)

    def facet_parts(self, matches, no_key: list[Any]) -> list[sa.Select]:
        # The materials are filter tokens of the matches ("mateva"), unnested in the
        # select list (a function scan per match would build a tuplestore each); their
        # names come with the counts.
        tags = sa.select(sa.func.unnest(matches.c.tags).label("tag")).subquery("tags")
        return [
            sa.select(sa.literal(counting.MATERIAL), tags.c.tag, sa.func.count(), *no_key)
            .where(tags.c.tag.startswith("mat"))
            .group_by(tags.c.tag),
            sa.select(sa.literal(counting.MATERIAL_NAME), Material.name, sa.literal(0), *no_key),
        ]

    def material_counts(self, by_material: dict, names: dict) -> dict[str, int]:
        return {names[t]: n for t, n in by_material.items() if t in names}

    def estimate_total(self, query: SearchQuery, last_position: Any, counted: int) -> int:
        """Not reached: the sample (``sampled``) estimates first. At least the count."""
        return counted

    # Pages ---------------------------------------------------------------------------

    def walk(
        self, order: Order, page: sa.Select, need: int, after: list | None, small: bool
    ) -> list[sa.Row]:
        """With few matches in all (``small``), find them all and sort them; else walk
        the sort's index for ``paging.WALK_ROWS`` rows at most, and if the page is not
        full by then (the matches are sparse in this order), find the rest past that
        point through the other indexes and sort them. (An ORDER BY that no index hands
        out: the planner cannot bet on an ordered walk meeting enough matches early, a
        bet a misjudged selectivity turns into a walk of a million rows. Nor do longer
        walks pay: where prices follow the category, a search for plush slippers meets
        none among the 36,000 cheapest products.)"""
        if small:
            return list(
                db.session.execute(page.order_by(*order.order_by(unordered=True)).limit(need)).all()
            )
        walked = sa.select(*(expr for expr, _ in order.keys)).select_from(order.table)
        walked = walked.where(*order.where)
        if after is not None:
            walked = walked.where(order.after(after))
        boundary = db.session.execute(
            walked.order_by(*order.order_by()).offset(paging.WALK_ROWS - 1).limit(1)
        ).first()
        if boundary is None:  # fewer than WALK_ROWS rows left: walking them is the bound
            return list(db.session.execute(page.order_by(*order.order_by()).limit(need)).all())
        window = page.where(order.until(list(boundary)))
        rows = list(db.session.execute(window.order_by(*order.order_by()).limit(need)).all())
        if len(rows) < need:
            rest = page.where(order.after(list(boundary)))
            rows += db.session.execute(
                rest.order_by(*order.order_by(unordered=True)).limit(need - len(rows))
            ).all()
        return rows

    def relevance_page(
        self, query: SearchQuery, limit: int, cursor: list[int] | None, small: bool
    ) -> list[tuple[int, int, int]]:
        """Few matches in all: one look-up of every match (each GIN index read once, not
        once a level), each given its level, sorted."""
        if not small:
            return super().relevance_page(query, limit, cursor, small)
        matches = query.source(
            docs.c.product_id, self.level(query).label("level"), docs.c.rank_key.label("rank_key")
        ).subquery("matches")
        page = sa.select(matches)
        if cursor is not None:
            page = page.where(
                sa.or_(
                    matches.c.level > cursor[0],
                    sa.and_(matches.c.level == cursor[0], matches.c.rank_key < cursor[1]),
                )
            )
        page = page.order_by(matches.c.level, matches.c.rank_key.desc()).limit(limit)
        return [tuple(row) for row in db.session.execute(page)]

    # Suggestions and the supplier directory -------------------------------------------

    def similar_words(self, word: str, limit: int) -> list[str]:
        """The trigram index's closest words."""
        return list(
            db.session.scalars(
                sa.text(
                    "SELECT word FROM search_fts_words WHERE word % :word "
                    "ORDER BY similarity(word, :word) DESC, word LIMIT :n"
                ),
                {"word": word, "n": limit},
            )
        )

    def directory_match(self, select: sa.Select, terms: list) -> sa.Select:
        return select.join(supplier_docs, supplier_docs.c.supplier_id == Supplier.id).where(
            supplier_docs.c.document.op("@@")(_tsquery(text.tsquery(terms)))
        )

    def directory_score(self, terms: list):
        return sa.cast(
            sa.func.ts_rank(supplier_docs.c.document, _tsquery(text.tsquery(terms))), sa.Float
        )
