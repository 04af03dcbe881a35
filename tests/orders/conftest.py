"""The dedicated-app fixture of the reliability tests, for the concurrency tests here."""

from tests.reliability.conftest import make_app  # noqa: F401 - a fixture, used by name
