"""The identity double and the Graph double, shared by the Graph tests: one app registration with the
delegated consent and the application roles Nurture asks for."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.doubles.graph import GraphDouble
from tests.doubles.identity import IdentityDouble
from tests.graph.support import CLIENT_ID, SECRET


@pytest.fixture(scope="module")
def identity(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IdentityDouble]:
    double = IdentityDouble(tmp_path_factory.mktemp("graph-identity")).start()
    double.add_client(CLIENT_ID, SECRET)
    double.consent(CLIENT_ID, ["Mail.Read", "Chat.Read", "User.Read", "MailboxSettings.Read"])
    double.grant_app_roles(CLIENT_ID, ["Mail.Read", "Chat.Read.All", "MailboxSettings.Read"])
    yield double
    double.stop()


@pytest.fixture
async def graph(identity: IdentityDouble) -> AsyncIterator[GraphDouble]:
    async with GraphDouble.for_identity(identity) as double:
        yield double
