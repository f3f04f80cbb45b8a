"""The identity double and the Graph double as fixtures, shared by the Graph tests and the tab-in-Teams
test: one app registration with the delegated consent and the application roles Nurture asks for.
Conftest files import them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.doubles.graph import GraphDouble
from tests.doubles.identity import IdentityDouble
from tests.graph.support import registered_identity


@pytest.fixture(scope="module")
def identity(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IdentityDouble]:
    double = registered_identity(tmp_path_factory.mktemp("graph-identity"))
    yield double
    double.stop()


@pytest.fixture
async def graph(identity: IdentityDouble) -> AsyncIterator[GraphDouble]:
    async with GraphDouble.for_identity(identity) as double:
        yield double
