import pytest

from tests.factories import product_payload
from tests.reliability.conftest import make_app  # noqa: F401 - a fixture (concurrency tests)


@pytest.fixture
def payload():
    return product_payload
