"""The Bot Connector double, driven by botframework-connector's real ConnectorClient (msrest underneath)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import aiohttp
import msal
import pytest
import requests
from botbuilder.schema import Activity, ChannelAccount, ConversationParameters, ErrorResponseException
from botframework.connector import ConnectorClient as BlockingConnectorClient
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import AppCredentials, MicrosoftAppCredentials
from msrest.exceptions import ClientRequestError

from tests.doubles.connector import (
    BLOCKED_ERROR,
    RESET,
    TEAMS_THREAD_LIMITS,
    ConnectorDouble,
    Violation,
)
from tests.doubles.identity import IdentityDouble

# Teams ids really look like this: ':' '@' ';' and, in some channel ids, an encoded '/'.
CHANNEL_THREAD = "19:f0a2c3d4e5/ab@thread.tacv2;messageid=1712345678901"
PERSONAL_CHAT = "a:1Xy_Zq9-personal"
BOT_APP_ID = "bot-app-id"
BOT_SECRET = "s3cret"
BOT_FRAMEWORK = "https://api.botframework.com"


class ManualClock:
    """The double's notion of time, advanced by the test, so minute- and hour-long windows run instantly."""

    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class MsalCredentials(AppCredentials):
    """Outgoing tokens from msal against the identity double, with instance discovery off, the way the
    bot's own credentials factory does it. Subclasses supply ``get_access_token``, per AppCredentials."""

    def __init__(self, identity: IdentityDouble, secret: str = BOT_SECRET) -> None:
        super().__init__(app_id=BOT_APP_ID, oauth_scope=BOT_FRAMEWORK)
        session = requests.Session()
        session.trust_env = False
        session.verify = str(identity.ca_file)
        self._msal = msal.ConfidentialClientApplication(
            BOT_APP_ID,
            client_credential=secret,
            authority=identity.authority(),
            http_client=session,
            instance_discovery=False,
            validate_authority=False,
        )

    def get_access_token(self, force_refresh: bool = False) -> str:
        result = self._msal.acquire_token_for_client(scopes=[f"{self.oauth_scope}/.default"])
        if "access_token" not in result:
            raise PermissionError(result.get("error"))
        token: str = result["access_token"]
        return token


@pytest.fixture(scope="module")
def identity(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IdentityDouble]:
    double = IdentityDouble(tmp_path_factory.mktemp("identity-connector")).start()
    double.add_client(BOT_APP_ID, BOT_SECRET)
    yield double
    double.stop()


def anonymous(double: ConnectorDouble) -> ConnectorClient:
    return ConnectorClient(MicrosoftAppCredentials.empty(), base_url=double.url)


def message(text: str) -> Activity:
    return Activity(type="message", text=text, from_property=ChannelAccount(id=f"28:{BOT_APP_ID}"))


async def send_many(client: ConnectorClient, conversation_id: str, count: int) -> None:
    for n in range(count):
        await client.conversations.send_to_conversation(conversation_id, message(f"m{n}"))


def status_of(error: ErrorResponseException) -> int:
    status: int = error.response.status_code
    return status


def code_of(error: ErrorResponseException) -> str:
    assert error.error is not None, "the error body did not parse as an ErrorResponse"
    code: str = error.error.error.code
    return code


# --- routes -------------------------------------------------------------------------------------------


async def test_send_reply_update_delete_with_teams_conversation_ids() -> None:
    async with ConnectorDouble() as double, anonymous(double) as client:
        sent = await client.conversations.send_to_conversation(CHANNEL_THREAD, message("card v1"))
        reply = await client.conversations.reply_to_activity(CHANNEL_THREAD, sent.id, message("a reply"))
        updated = await client.conversations.update_activity(
            CHANNEL_THREAD, sent.id, Activity(type="message", id=sent.id, text="card v2")
        )
        await client.conversations.delete_activity(CHANNEL_THREAD, reply.id)

    assert updated.id == sent.id and reply.id != sent.id
    assert [a["text"] for a in double.activities(CHANNEL_THREAD)] == ["card v1", "a reply"]
    assert [a["id"] for a in double.activities(CHANNEL_THREAD)] == [sent.id, reply.id]
    assert [u["text"] for u in double.updates(CHANNEL_THREAD)] == ["card v2"]
    assert double.current(CHANNEL_THREAD, sent.id) == {"type": "message", "id": sent.id, "text": "card v2"}
    assert double.current(CHANNEL_THREAD, reply.id) is None
    assert double.deleted(CHANNEL_THREAD) == [reply.id]
    assert [d.reply_to_id for d in double.deliveries if d.kind == "reply"] == [sent.id]
    assert double.conversations == [CHANNEL_THREAD]
    assert double.accepted == 4 and not any(e.has_auth for e in double.exchanges)


async def test_updating_an_activity_it_never_sent_is_404() -> None:
    async with ConnectorDouble() as double, anonymous(double) as client:
        with pytest.raises(ErrorResponseException) as raised:
            await client.conversations.update_activity(PERSONAL_CHAT, "123", message("x"))

    assert status_of(raised.value) == 404
    assert code_of(raised.value) == "ActivityNotFoundInConversation"
    assert double.updates(PERSONAL_CHAT) == []


async def test_create_conversation_is_stable_per_user_and_records_its_activity() -> None:
    def parameters(user: str, activity: Activity | None = None) -> ConversationParameters:
        return ConversationParameters(
            bot=ChannelAccount(id=f"28:{BOT_APP_ID}"),
            members=[ChannelAccount(id=user)],
            tenant_id="tenant-1",
            activity=activity,
        )

    async with ConnectorDouble() as double, anonymous(double) as client:
        first = await client.conversations.create_conversation(parameters("29:ann", message("welcome")))
        again = await client.conversations.create_conversation(parameters("29:ann"))
        other = await client.conversations.create_conversation(parameters("29:bob"))
        members = await client.conversations.get_conversation_members(first.id)

    assert first.id == again.id != other.id
    assert first.id.startswith("a:")
    assert double.activities(first.id) == [dict(double.activities(first.id)[0], text="welcome")]
    assert first.activity_id == double.activities(first.id)[0]["id"] and again.activity_id is None
    assert [m.id for m in members] == ["29:ann"]


async def test_members_listing_lookup_and_paging() -> None:
    people = [{"id": f"29:u{n}", "name": f"User {n}", "aadObjectId": f"oid-{n}"} for n in range(3)]
    async with ConnectorDouble(members={CHANNEL_THREAD: people}) as double, anonymous(double) as client:
        listed = await client.conversations.get_conversation_members(CHANNEL_THREAD)
        one = await client.conversations.get_conversation_member(CHANNEL_THREAD, "29:u1")
        page = await client.conversations.get_conversation_paged_members(CHANNEL_THREAD, page_size=2)
        rest = await client.conversations.get_conversation_paged_members(
            CHANNEL_THREAD, page_size=2, continuation_token=page.continuation_token
        )
        with pytest.raises(ErrorResponseException) as missing:
            await client.conversations.get_conversation_member(CHANNEL_THREAD, "29:stranger")
        with pytest.raises(ErrorResponseException) as unknown:
            await client.conversations.get_conversation_members("19:unknown@thread.v2")

    assert [m.id for m in listed] == ["29:u0", "29:u1", "29:u2"]
    assert (one.name, one.aad_object_id) == ("User 1", "oid-1")
    assert [m.id for m in page.members] == ["29:u0", "29:u1"] and page.continuation_token
    assert [m.id for m in rest.members] == ["29:u2"] and rest.continuation_token is None
    assert code_of(missing.value) == "MemberNotFoundInConversation"
    assert status_of(unknown.value) == 404


# --- Teams rate limits ----------------------------------------------------------------------------------


async def test_the_eighth_message_in_one_second_gets_429_with_retry_after() -> None:
    clock = ManualClock()
    async with ConnectorDouble(clock=clock) as double, anonymous(double) as client:
        await send_many(client, PERSONAL_CHAT, 7)
        with pytest.raises(ErrorResponseException) as throttled:
            await client.conversations.send_to_conversation(PERSONAL_CHAT, message("eighth"))
        # The limit is per conversation thread: another one is unaffected.
        await client.conversations.send_to_conversation(CHANNEL_THREAD, message("elsewhere"))
        clock.advance(1.0)
        await client.conversations.send_to_conversation(PERSONAL_CHAT, message("eighth, later"))
        # Now 8 sit in the last 2 s: the 2-second window is full even though the 1-second one is not.
        with pytest.raises(ErrorResponseException) as two_second:
            await client.conversations.send_to_conversation(PERSONAL_CHAT, message("ninth"))

    assert status_of(throttled.value) == 429
    assert throttled.value.response.headers["Retry-After"] == "1"
    assert status_of(two_second.value) == 429
    assert [(v.scope, v.conversation_id, v.window_seconds, v.limit) for v in double.violations] == [
        ("conversation", PERSONAL_CHAT, 1.0, 7),
        ("conversation", PERSONAL_CHAT, 2.0, 8),
    ]
    assert len(double.activities(PERSONAL_CHAT)) == 8
    assert (double.accepted, double.throttled, len(double.responses_429)) == (9, 2, 2)


async def test_thirty_second_and_hour_windows() -> None:
    clock = ManualClock()
    async with ConnectorDouble(clock=clock) as double, aiohttp.ClientSession() as http:

        async def post(conversation_id: str) -> aiohttp.ClientResponse:
            url = f"{double.url}v3/conversations/{conversation_id}/activities"
            async with http.post(url, json={"type": "message", "text": "x"}) as response:
                await response.read()
                return response

        # Two a second respects the 1 s and 2 s windows; 60 of them fill the 30 s window.
        for _ in range(60):
            assert (await post("thread-30s")).status == 201
            clock.advance(0.49)
        over_30s = await post("thread-30s")
        # Every 0.5 s keeps each 30 s window at 60; 1800 of them (15 minutes) fill the hour.
        for _ in range(1800):
            assert (await post("thread-1h")).status == 201
            clock.advance(0.5)
        over_1h = await post("thread-1h")

    assert over_30s.status == 429 and over_30s.headers["Retry-After"] == "1"
    assert over_1h.status == 429 and over_1h.headers["Retry-After"] == str(3600 - 900)
    assert [(v.conversation_id, v.window_seconds) for v in double.violations] == [
        ("thread-30s", 30.0),
        ("thread-1h", 3600.0),
    ]
    assert TEAMS_THREAD_LIMITS == ((1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800))


async def test_the_per_bot_limit_spans_conversations() -> None:
    async with ConnectorDouble(clock=ManualClock()) as double, anonymous(double) as client:
        for n in range(50):
            await client.conversations.send_to_conversation(f"a:user-{n}", message("digest"))
        with pytest.raises(ErrorResponseException) as throttled:
            await client.conversations.send_to_conversation("a:user-50", message("digest"))

    assert status_of(throttled.value) == 429
    assert double.violations == [
        Violation("bot", None, 1.0, 50, 10_000.0, "POST", "/v3/conversations/a:user-50/activities")
    ]


async def test_unenforced_limits_still_record_violations() -> None:
    async with (
        ConnectorDouble(clock=ManualClock(), enforce_limits=False) as double,
        anonymous(double) as client,
    ):
        await send_many(client, PERSONAL_CHAT, 9)

    assert len(double.activities(PERSONAL_CHAT)) == 9
    assert double.throttled == 0
    # All at one instant: the 8th finds the 1 s window full, the 9th finds both the 1 s and 2 s ones full.
    assert [(v.window_seconds, v.limit) for v in double.violations] == [(1.0, 7), (1.0, 7), (2.0, 8)]


# --- failures -------------------------------------------------------------------------------------------


async def test_blocked_conversation_gets_403_conversation_blocked_by_user() -> None:
    async with ConnectorDouble(blocked={PERSONAL_CHAT}) as double, anonymous(double) as client:
        with pytest.raises(ErrorResponseException) as refused:
            await client.conversations.send_to_conversation(PERSONAL_CHAT, message("nudge"))
        await client.conversations.send_to_conversation(CHANNEL_THREAD, message("fine"))

    assert status_of(refused.value) == 403
    assert refused.value.response.json() == BLOCKED_ERROR
    assert code_of(refused.value) == "ConversationBlockedByUser"
    assert double.activities(PERSONAL_CHAT) == [] and len(double.activities(CHANNEL_THREAD)) == 1


async def test_injected_server_errors_and_retry_after() -> None:
    async with ConnectorDouble() as double, anonymous(double) as client:
        double.fail_next(1, 500)
        with pytest.raises(ErrorResponseException) as failed:
            await client.conversations.send_to_conversation(PERSONAL_CHAT, message("first try"))
        double.fail_next(1, 429, retry_after=7)
        with pytest.raises(ErrorResponseException) as throttled:
            await client.conversations.send_to_conversation(PERSONAL_CHAT, message("second try"))
        sent = await client.conversations.send_to_conversation(PERSONAL_CHAT, message("third try"))

    # msrest does not retry a POST on 500 (urllib3 2 leaves POST out of its retryable methods).
    assert status_of(failed.value) == 500
    assert status_of(throttled.value) == 429 and throttled.value.response.headers["Retry-After"] == "7"
    assert [(e.status, e.outcome) for e in double.exchanges] == [
        (500, "injected"),
        (429, "injected"),
        (201, "ok"),
    ]
    assert double.activities(PERSONAL_CHAT) == [dict(double.activities(PERSONAL_CHAT)[0], id=sent.id)]
    assert (double.failed_injected, double.throttled, double.violations) == (2, 0, [])


async def test_connection_reset() -> None:
    async with ConnectorDouble() as double, anonymous(double) as client:
        double.fail_next(1, RESET)
        # The client sees ECONNRESET or, when the RST races its read, an empty reply; both abort the request.
        with pytest.raises(ClientRequestError, match="Connection aborted"):
            await client.conversations.send_to_conversation(PERSONAL_CHAT, message("lost"))
        await client.conversations.send_to_conversation(PERSONAL_CHAT, message("delivered"))

    assert [e.outcome for e in double.exchanges] == ["reset", "ok"]
    assert [a["text"] for a in double.activities(PERSONAL_CHAT)] == ["delivered"]


async def test_random_faults_are_reproducible_by_seed() -> None:
    async def statuses(seed: int) -> tuple[list[int], ConnectorDouble]:
        async with ConnectorDouble(fault_rate=0.5, seed=seed, enforce_limits=False) as double:
            seen = []
            for n in range(40):
                try:
                    async with aiohttp.ClientSession() as http:
                        url = f"{double.url}v3/conversations/c{n}/activities"
                        async with http.post(url, json={"type": "message"}) as response:
                            seen.append(response.status)
                except aiohttp.ClientConnectionError:
                    seen.append(0)
        return seen, double

    first, double = await statuses(seed=7)
    again, _ = await statuses(seed=7)
    other, _ = await statuses(seed=8)

    assert first == again != other
    assert {201, 429, 500, 502, 503, 0} == set(first)
    assert double.accepted == first.count(201) and double.failed_injected == 40 - first.count(201)


# --- tokens, threads, latency ---------------------------------------------------------------------------


async def test_required_token_accepts_msal_tokens_from_the_identity_double(identity: IdentityDouble) -> None:
    check = identity.access_token_check(audience=BOT_FRAMEWORK)
    async with ConnectorDouble(require_token=check) as double:
        async with ConnectorClient(MsalCredentials(identity), base_url=double.url) as client:
            await client.conversations.send_to_conversation(PERSONAL_CHAT, message("signed"))
        async with anonymous(double) as client:
            with pytest.raises(ErrorResponseException) as unsigned:
                await client.conversations.send_to_conversation(PERSONAL_CHAT, message("unsigned"))
        graph_token = identity.access_token(client_id=BOT_APP_ID, resource="https://graph.microsoft.com")
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {graph_token}"}) as http:
            async with http.post(f"{double.url}v3/conversations/x/activities", json={}) as wrong_audience:
                pass

    assert status_of(unsigned.value) == 401 and wrong_audience.status == 401
    (delivered,) = double.deliveries
    assert delivered.has_auth and delivered.authorization and delivered.authorization.startswith("Bearer ")
    assert [e.outcome for e in double.exchanges] == ["ok", "unauthorized", "unauthorized"]


async def test_required_token_as_audience_and_issuer(identity: IdentityDouble) -> None:
    issuer = identity.issuer_v1("botframework.com")
    good = identity.access_token(client_id=BOT_APP_ID, resource=BOT_FRAMEWORK)
    elsewhere = identity.access_token(client_id=BOT_APP_ID, resource=BOT_FRAMEWORK, tenant="other")
    for_graph = identity.access_token(client_id=BOT_APP_ID, resource="https://graph.microsoft.com")
    expired = identity.access_token(client_id=BOT_APP_ID, resource=BOT_FRAMEWORK, lifetime=-60)
    statuses = []
    async with ConnectorDouble(require_token=(BOT_FRAMEWORK, issuer)) as double:
        for token in (good, elsewhere, for_graph, expired):
            async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
                async with http.post(f"{double.url}v3/conversations/x/activities", json={}) as response:
                    statuses.append(response.status)

    assert statuses == [201, 401, 401, 401]


def test_in_a_thread_for_blocking_clients() -> None:
    double = ConnectorDouble(latency=0.2).start_in_thread()
    try:
        client = BlockingConnectorClient(MicrosoftAppCredentials.empty(), base_url=double.url)
        started = time.monotonic()
        sent = client.conversations.send_to_conversation(PERSONAL_CHAT, message("from a blocking client"))
        elapsed = time.monotonic() - started
    finally:
        double.stop()

    assert elapsed >= 0.2
    assert double.activities(PERSONAL_CHAT)[0]["id"] == sent.id


def test_stop_is_only_for_threaded_doubles() -> None:
    with pytest.raises(RuntimeError):
        ConnectorDouble().stop()
