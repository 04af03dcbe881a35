"""Matrix rows for this area's routes (being built)."""

from __future__ import annotations

from tests.authz.framework import Route

MATRIX: dict[tuple[str, str], Route] = {}
EXTRA_ROWS: list[tuple[str, str, str, Route]] = []
