"""API keys under a stream of webhook calls: one read per key at a time, and no wrong secret let through."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import SessionMaker, transaction
from app.services.api_keys import create_api_key, revoke_api_key, verify_api_key
from app.services.errors import NotAllowed
from tests.factories import T0, Org, make_org
from tests.statements import statements_run, verb


async def _key(sessions: SessionMaker) -> tuple[str, Org, uuid.UUID]:
    org = await make_org(sessions)
    async with transaction(sessions) as session:
        row, text = await create_api_key(session=session, caller=org.caller(org.admin, T0), name="crm")
    return text, org, row.id


async def test_concurrent_calls_with_a_cold_record_read_the_key_once(
    sessions: SessionMaker, engine: AsyncEngine
) -> None:
    text, _, _ = await _key(sessions)
    with statements_run(engine) as sent:
        verified = await asyncio.gather(
            *(verify_api_key(sessions=sessions, presented=text, now=T0) for _ in range(40))
        )
    reads = Counter(verb(statement) for statement in sent if "api_keys" in statement)
    assert {key.key_id for key, _ in verified} == {text.split("_")[1]}
    # One SELECT, and the first use is stamped once: not a read and a write for each of the 40 calls.
    assert reads["SELECT"] == 1, reads
    assert reads["UPDATE"] == 1, reads


async def test_a_wrong_secret_arriving_with_right_ones_is_refused_and_they_are_not(
    sessions: SessionMaker,
) -> None:
    text, _, _ = await _key(sessions)
    forged = text[:-4] + ("AAAA" if not text.endswith("AAAA") else "BBBB")
    calls = [verify_api_key(sessions=sessions, presented=text, now=T0) for _ in range(10)]
    calls.insert(3, verify_api_key(sessions=sessions, presented=forged, now=T0))
    calls.append(verify_api_key(sessions=sessions, presented=forged, now=T0))
    outcomes = await asyncio.gather(*calls, return_exceptions=True)
    refused = [i for i, outcome in enumerate(outcomes) if isinstance(outcome, NotAllowed)]
    assert refused == [3, len(calls) - 1]
    assert all(isinstance(outcome, tuple) for i, outcome in enumerate(outcomes) if i not in refused)
    # And once the record is warm, the forged text is still checked against it.
    with pytest.raises(NotAllowed):
        await verify_api_key(sessions=sessions, presented=forged, now=T0 + timedelta(seconds=1))


async def test_a_key_revoked_while_its_record_is_read_is_not_kept(sessions: SessionMaker) -> None:
    text, org, key_id = await _key(sessions)
    # A cold read is under way when the key is revoked; the record it brings back must not be kept.
    reading = asyncio.ensure_future(verify_api_key(sessions=sessions, presented=text, now=T0))
    await asyncio.sleep(0)
    async with transaction(sessions) as session:
        await revoke_api_key(session=session, caller=org.caller(org.admin, T0), key=key_id)
    await asyncio.gather(reading, return_exceptions=True)
    with pytest.raises(NotAllowed):
        await verify_api_key(sessions=sessions, presented=text, now=T0 + timedelta(seconds=1))
