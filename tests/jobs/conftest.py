"""Fixtures of the jobs tests: dedicated apps with their own database (real commits)."""

from tests.reliability.conftest import make_app  # noqa: F401 - a fixture
