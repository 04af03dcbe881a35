import pytest

from tests.factories import product_payload


@pytest.fixture
def payload():
    return product_payload
