"""JSON logs carry request ids and never tokens or bodies; /metrics speaks Prometheus."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from app.db import SessionMaker
from app.observability import configure_logging
from tests.bot.conftest import Teams
from tests.factories import make_lead


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    configure_logging("INFO")
    stream = io.StringIO()
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)
    logging.getLogger().handlers.clear()


async def test_logs_are_json_with_request_ids_and_no_secrets(
    teams: Teams, sessions: SessionMaker, log_lines: io.StringIO
) -> None:
    rep = teams.org.reps[0]
    secret_text = "my-password-is-hunter2"
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    await make_lead(sessions, teams.org, owner=rep)
    # A refused token and a card payload that fails, each of which makes the server log something.
    activity = teams.activity(rep, "message", text=secret_text)
    response = await teams.client.post(
        "/api/messages", json=activity, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status == 401
    request_id = response.headers["X-Request-Id"]
    status, _ = await teams.execute(rep, "followup.done", {"tenant_id": "other", "summary": secret_text})
    assert status == 200
    response = await teams.client.get("/healthz", headers={"X-Request-Id": "trace-42"})
    assert response.headers["X-Request-Id"] == "trace-42"
    response = await teams.client.get("/healthz", headers={"X-Request-Id": "<script>" + "x" * 100})
    assert response.headers["X-Request-Id"].isalnum(), "an id that is not plain is replaced, not echoed"

    records = [json.loads(line) for line in log_lines.getvalue().splitlines() if line.strip()]
    assert records, "the requests above wrote log records"
    assert all({"time", "level", "logger", "message", "request_id"} <= set(r) for r in records)
    assert any(r["request_id"] == request_id for r in records), "the 401 is logged under its request id"
    text = log_lines.getvalue()
    assert token not in text and "hunter2" not in text


async def test_metrics_count_turns_and_report_the_outbox(teams: Teams, sessions: SessionMaker) -> None:
    rep = teams.org.reps[0]
    await make_lead(sessions, teams.org, owner=rep)
    await teams.say(rep, "help")
    await teams.say(rep, "my follow-ups")
    response = await teams.client.get("/metrics")
    assert response.status == 200 and response.content_type.startswith("text/plain")
    body = await response.text()
    assert 'nurture_bot_turns_total{type="message"} 2.0' in body
    assert "nurture_bot_turn_seconds_bucket" in body
    pending = next(line for line in body.splitlines() if line.startswith("nurture_outbox_pending "))
    assert float(pending.split()[1]) >= 1, "the new lead's ownership notice waits in the outbox"
