"""The Graph double and the identity double's on-behalf-of grant, driven by the real msal and msgraph-sdk.

The client here is built the way the app should build it: msal over a ``requests.Session`` that trusts the
identity double's CA, and msgraph-sdk over an ``httpx.AsyncClient`` that trusts the same CA, loaded with
Graph's default middleware (retry included) by ``GraphClientFactory``."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import msal
import pytest
import requests
from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.method import Method
from kiota_abstractions.request_information import RequestInformation
from kiota_http.middleware.options import RetryHandlerOption
from msgraph.generated.chats.item.messages.messages_request_builder import (
    MessagesRequestBuilder as ChatMessagesRequestBuilder,
)
from msgraph.generated.models.aad_user_conversation_member import AadUserConversationMember
from msgraph.generated.models.automatic_replies_status import AutomaticRepliesStatus
from msgraph.generated.models.chat_message_type import ChatMessageType
from msgraph.generated.models.day_of_week import DayOfWeek
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.teamwork_user_identity import TeamworkUserIdentity
from msgraph.generated.models.teamwork_user_identity_type import TeamworkUserIdentityType
from msgraph.generated.users.item.chats.chats_request_builder import ChatsRequestBuilder
from msgraph.generated.users.item.messages.messages_request_builder import MessagesRequestBuilder
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph.graph_request_adapter import options as graph_middleware_options
from msgraph.graph_service_client import GraphServiceClient
from msgraph_core import GraphClientFactory

from tests.doubles.graph import EXPANDED_MEMBERS_MAX, GRAPH_RESOURCE, GraphDouble
from tests.doubles.identity import IdentityDouble, SigningKey

CLIENT_ID = "nurture-client-id"
SECRET = "nurture-secret"
TENANT = "contoso-tenant"
REP = "0b5c7a4e-0000-4000-8000-0000000000a1"
REP_MAIL = "rep@contoso.example"
OTHER_REP = "0b5c7a4e-0000-4000-8000-0000000000b2"
LEAD = "dana@fabrikam.example"
DELEGATED_SCOPES = [f"{GRAPH_RESOURCE}/{name}" for name in ("Mail.Read", "Chat.Read", "MailboxSettings.Read")]
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)

Acquire = Callable[[], Awaitable[dict[str, Any]]]


class MsalTokenProvider(AccessTokenProvider):
    """Tokens from msal for msgraph-sdk, kept until shortly before they expire, and only for the named hosts:
    kiota asks the provider for every request, and the validator keeps tokens off other hosts."""

    def __init__(self, acquire: Acquire, hosts: list[str]) -> None:
        self._acquire = acquire
        self._hosts = AllowedHostsValidator(hosts)
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def get_authorization_token(
        self, uri: str, additional_authentication_context: dict[str, Any] | None = None
    ) -> str:
        if not self._hosts.is_url_host_valid(uri):
            return ""
        async with self._lock:
            if self._token is None or time.monotonic() > self._expires:
                result = await self._acquire()
                if "access_token" not in result:
                    raise PermissionError(result.get("error"))
                self._token = str(result["access_token"])
                self._expires = time.monotonic() + int(result.get("expires_in", 0)) - 60
            return self._token

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return self._hosts


@dataclass(frozen=True, slots=True)
class Connection:
    """msgraph-sdk's client and the httpx client under it, which whoever built it must close."""

    sdk: GraphServiceClient
    http: httpx.AsyncClient


def build_graph_client(graph: GraphDouble, provider: AccessTokenProvider) -> Connection:
    """msgraph-sdk against the double: our own httpx client (trusting the double's CA, ignoring proxy
    settings) with Graph's default middleware, and the adapter's base URL pointed at the double.

    ``GraphRequestAdapter(auth, client=http)`` uses a given client as it is, so the middleware (retry,
    redirect, /me replacement, telemetry) must be loaded onto it with ``GraphClientFactory`` first."""
    http = httpx.AsyncClient(verify=graph.client_ssl_context(), trust_env=False, timeout=30)
    http = GraphClientFactory.create_with_default_middleware(client=http, options=graph_middleware_options)
    adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(provider), client=http)
    adapter.base_url = graph.base_url
    return Connection(GraphServiceClient(request_adapter=adapter), http)


def msal_app(identity: IdentityDouble) -> msal.ConfidentialClientApplication:
    session = requests.Session()
    session.trust_env = False
    session.verify = str(identity.ca_file)
    return msal.ConfidentialClientApplication(
        CLIENT_ID,
        client_credential=SECRET,
        authority=identity.authority(TENANT),
        http_client=session,
        instance_discovery=False,
        validate_authority=False,
    )


@pytest.fixture(scope="module")
def identity(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IdentityDouble]:
    double = IdentityDouble(tmp_path_factory.mktemp("identity-graph")).start()
    double.add_client(CLIENT_ID, SECRET)
    double.consent(CLIENT_ID, ["Mail.Read", "Chat.Read", "MailboxSettings.Read", "User.Read"])
    double.grant_app_roles(CLIENT_ID, ["Mail.Read", "Chat.ReadBasic.All", "MailboxSettings.Read"])
    yield double
    double.stop()


@pytest.fixture(scope="module")
def app(identity: IdentityDouble) -> msal.ConfidentialClientApplication:
    return msal_app(identity)


def sso_token(identity: IdentityDouble, object_id: str = REP, **extra: Any) -> str:
    """What Teams SSO hands the tab for the signed-in rep."""
    return identity.token(tenant_id=TENANT, object_id=object_id, audience=CLIENT_ID, **extra)


def obo(app: msal.ConfidentialClientApplication, assertion: str, scopes: list[str]) -> Acquire:
    async def acquire() -> dict[str, Any]:
        # msal is synchronous: keep it off the event loop.
        result: dict[str, Any] = await asyncio.to_thread(app.acquire_token_on_behalf_of, assertion, scopes)
        return result

    return acquire


def populate(graph: GraphDouble) -> None:
    graph.add_user(REP, mail=REP_MAIL, display_name="Riley Rep")
    graph.add_user(OTHER_REP, mail="other@contoso.example", display_name="Other Rep")


@pytest.fixture
async def graph(identity: IdentityDouble) -> AsyncIterator[GraphDouble]:
    async with GraphDouble.for_identity(identity, now=lambda: T0) as double:
        populate(double)
        yield double


@pytest.fixture
def provider(identity: IdentityDouble, app: msal.ConfidentialClientApplication) -> MsalTokenProvider:
    """Delegated mode: the rep's SSO token exchanged on behalf of the rep."""
    return MsalTokenProvider(obo(app, sso_token(identity), DELEGATED_SCOPES), ["127.0.0.1"])


@pytest.fixture
async def connection(graph: GraphDouble, provider: MsalTokenProvider) -> AsyncIterator[Connection]:
    built = build_graph_client(graph, provider)
    yield built
    await built.http.aclose()


@pytest.fixture
def client(connection: Connection) -> GraphServiceClient:
    return connection.sdk


async def delegated_token(identity: IdentityDouble, app: msal.ConfidentialClientApplication) -> str:
    result = await obo(app, sso_token(identity), DELEGATED_SCOPES)()
    return str(result["access_token"])


def search(address: str, top: int, **more: Any) -> RequestConfiguration[Any]:
    parameters = MessagesRequestBuilder.MessagesRequestBuilderGetQueryParameters(
        search=f'"participants:{address}"', top=top, **more
    )
    return RequestConfiguration(query_parameters=parameters)


# --- on-behalf-of -------------------------------------------------------------------------------------


async def test_on_behalf_of_gives_a_delegated_graph_token(
    identity: IdentityDouble, app: msal.ConfidentialClientApplication
) -> None:
    result = await obo(app, sso_token(identity), DELEGATED_SCOPES)()

    assert "access_token" in result, result
    claims = jwt.decode(result["access_token"], options={"verify_signature": False})
    assert claims["aud"] == GRAPH_RESOURCE
    assert set(claims["scp"].split()) == {"Mail.Read", "Chat.Read", "MailboxSettings.Read"}
    assert (claims["oid"], claims["tid"], claims["appid"]) == (REP, TENANT, CLIENT_ID)
    assert "roles" not in claims
    assert identity.access_token_check(audience=GRAPH_RESOURCE)(result["access_token"])
    assert identity.token_grants[-1].grant_type == "urn:ietf:params:oauth:grant-type:jwt-bearer"


async def test_on_behalf_of_default_scope_grants_what_was_consented(
    identity: IdentityDouble, app: msal.ConfidentialClientApplication
) -> None:
    result = await obo(app, sso_token(identity), [f"{GRAPH_RESOURCE}/.default"])()

    claims = jwt.decode(result["access_token"], options={"verify_signature": False})
    assert set(claims["scp"].split()) == {"Mail.Read", "Chat.Read", "MailboxSettings.Read", "User.Read"}


async def test_on_behalf_of_without_consent_answers_consent_required(
    identity: IdentityDouble, app: msal.ConfidentialClientApplication
) -> None:
    identity.withhold_consent(object_id=OTHER_REP)
    assertion = sso_token(identity, OTHER_REP)
    try:
        result = await obo(app, assertion, DELEGATED_SCOPES)()
    finally:
        identity.restore_consent(object_id=OTHER_REP)

    assert result["error"] == "invalid_grant"
    assert result["suberror"] == "consent_required"
    assert result["error_codes"] == [65001]
    assert result["error_description"].startswith("AADSTS65001: ")
    assert identity.token_grants[-1].suberror == "consent_required"
    # Consent restored. msal caches an HTTP 400 answer for 60 s per identical request, so the same
    # assertion gets the same error again without reaching Entra ID; a new SSO token gets through.
    requests_before = identity.token_requests
    again = await obo(app, assertion, DELEGATED_SCOPES)()
    assert again.get("suberror") == "consent_required" and identity.token_requests == requests_before
    fresh = sso_token(identity, OTHER_REP, uti="fresh-sign-in")
    assert "access_token" in await obo(app, fresh, DELEGATED_SCOPES)()


async def test_on_behalf_of_refuses_an_assertion_for_another_app(
    identity: IdentityDouble, app: msal.ConfidentialClientApplication
) -> None:
    foreign = identity.token(tenant_id=TENANT, object_id=REP, audience="some-other-app")
    forged = sso_token(identity, key=SigningKey())

    for assertion in (foreign, forged):
        result = await obo(app, assertion, DELEGATED_SCOPES)()
        assert result["error"] == "invalid_grant"
        assert result["error_codes"] == [50013]


# --- mail: $search, paging, delta ---------------------------------------------------------------------


async def test_search_pages_through_next_links(graph: GraphDouble, client: GraphServiceClient) -> None:
    for n in range(25):
        graph.add_message(
            REP,
            folder="sentitems" if n % 3 == 0 else "inbox",
            subject=f"Quote {n}",
            sender=REP_MAIL if n % 3 == 0 else f"Dana <{LEAD}>",
            to=[LEAD] if n % 3 == 0 else [REP_MAIL],
            cc=[LEAD] if n % 5 == 0 else [],
            body_preview="Pricing for 40 seats",
            received=T0 + timedelta(minutes=n),
        )
    graph.add_message(REP, subject="Unrelated", sender="someone@else.example", to=[REP_MAIL])

    messages = client.users.by_user_id(REP).messages
    page = await messages.get(search(LEAD, 10, select=["subject", "from", "receivedDateTime"]))
    assert page is not None
    subjects, sizes = [], []
    while True:
        assert page is not None and page.value is not None
        sizes.append(len(page.value))
        subjects += [message.subject for message in page.value]
        if not page.odata_next_link:
            break
        assert page.odata_next_link.startswith(graph.base_url)
        page = await messages.with_url(page.odata_next_link).get()

    assert sizes == [10, 10, 5]
    assert subjects == [f"Quote {n}" for n in reversed(range(25))]
    # $select kept across pages: the body is not sent.
    assert page.value[0].body is None and page.value[0].from_ is not None
    first = graph.requests[0]
    assert first.query["$search"] == f'"participants:{LEAD}"' and first.mode == "delegated"
    assert "Mail.Read" in first.scopes and first.user_id == REP and first.mailbox == REP


async def test_search_returns_at_most_1000_results(graph: GraphDouble, client: GraphServiceClient) -> None:
    for n in range(1005):
        graph.add_message(
            REP, subject=f"m{n}", sender=LEAD, to=[REP_MAIL], received=T0 + timedelta(seconds=n)
        )

    page = await client.users.by_user_id(REP).messages.get(search(LEAD, 1000, select=["subject"]))

    assert page is not None and page.value is not None
    assert len(page.value) == 1000 and page.odata_next_link is None
    with pytest.raises(ODataError) as raised:
        await client.users.by_user_id(REP).messages.get(search(LEAD, 1001))
    assert raised.value.response_status_code == 400


async def test_unquoted_search_is_refused(graph: GraphDouble, client: GraphServiceClient) -> None:
    parameters = MessagesRequestBuilder.MessagesRequestBuilderGetQueryParameters(
        search=f"participants:{LEAD}"
    )
    with pytest.raises(ODataError) as raised:
        await client.users.by_user_id(REP).messages.get(RequestConfiguration(query_parameters=parameters))
    assert raised.value.response_status_code == 400


async def test_delta_then_incremental_delta(graph: GraphDouble, client: GraphServiceClient) -> None:
    ids = [
        graph.add_message(
            REP, subject=f"in {n}", sender=LEAD, to=[REP_MAIL], received=T0 + timedelta(minutes=n)
        )["id"]
        for n in range(12)
    ]
    graph.add_message(REP, folder="sentitems", subject="sent", sender=REP_MAIL, to=[LEAD])
    delta = client.users.by_user_id(REP).mail_folders.by_mail_folder_id("inbox").messages.delta
    config: RequestConfiguration[Any] = RequestConfiguration()
    config.headers.add("Prefer", "odata.maxpagesize=5")

    page = await delta.get(config)
    seen: list[str] = []
    sizes: list[int] = []
    while True:
        assert page is not None and page.value is not None
        sizes.append(len(page.value))
        seen += [str(message.id) for message in page.value]
        if page.odata_delta_link:
            break
        assert page.odata_next_link and "%24skiptoken=" in page.odata_next_link
        page = await delta.with_url(page.odata_next_link).get(config)
    assert sizes == [5, 5, 2] and sorted(seen) == sorted(ids)
    delta_link = page.odata_delta_link
    assert delta_link and "%24deltatoken=" in delta_link

    # Nothing changed: an empty round and a fresh delta link.
    quiet = await delta.with_url(delta_link).get()
    assert quiet is not None and quiet.value == [] and quiet.odata_delta_link

    added = graph.add_message(
        REP, subject="new", sender=LEAD, to=[REP_MAIL], received=T0 + timedelta(hours=1)
    )
    graph.update_message(REP, ids[0], subject="in 0 (edited)")
    graph.delete_message(REP, ids[1])
    graph.move_message(REP, ids[2], "sentitems")
    changes = await delta.with_url(quiet.odata_delta_link).get()

    assert changes is not None and changes.value is not None
    removed = {m.id for m in changes.value if m.additional_data.get("@removed") == {"reason": "deleted"}}
    present = {m.id: m.subject for m in changes.value if "@removed" not in m.additional_data}
    assert removed == {ids[1], ids[2]}
    assert present == {ids[0]: "in 0 (edited)", added["id"]: "new"}
    assert changes.odata_delta_link and changes.odata_next_link is None

    # The sent items folder has its own delta, which now holds the moved message.
    sent = await client.users.by_user_id(REP).mail_folders.by_mail_folder_id("sentitems").messages.delta.get()
    assert sent is not None and sent.value is not None
    assert ids[2] in {m.id for m in sent.value}


async def test_expired_delta_token_answers_410_sync_state_not_found(
    graph: GraphDouble, client: GraphServiceClient
) -> None:
    graph.add_message(REP, subject="one", sender=LEAD, to=[REP_MAIL])
    delta = client.users.by_user_id(REP).mail_folders.by_mail_folder_id("inbox").messages.delta
    page = await delta.get()
    assert page is not None and page.odata_delta_link

    assert graph.expire_delta_tokens(REP, "inbox") == 1
    with pytest.raises(ODataError) as raised:
        await delta.with_url(page.odata_delta_link).get()

    assert raised.value.response_status_code == 410
    assert raised.value.error is not None and raised.value.error.code == "SyncStateNotFound"
    # A new round without a token starts over.
    again = await delta.get()
    assert again is not None and again.value is not None and len(again.value) == 1


# --- Teams chats, chat messages, mailbox settings -----------------------------------------------------


async def test_chats_with_members_and_chat_messages(graph: GraphDouble, client: GraphServiceClient) -> None:
    external = GraphDouble.chat_member(
        "fab-user-1", email=None, display_name="Dana (Fabrikam)", tenant_id="fabrikam-tenant", roles=["guest"]
    )
    rep = GraphDouble.chat_member(REP, email=REP_MAIL, display_name="Riley Rep")
    chat_id = graph.add_chat(members=[rep, external])
    graph.add_chat(members=[GraphDouble.chat_member(OTHER_REP, email=None, display_name="x"), external])
    for n in range(120):
        graph.add_chat_message(
            chat_id,
            sender_id="fab-user-1" if n % 2 else REP,
            sender_name="Dana" if n % 2 else "Riley Rep",
            sender_tenant_id="fabrikam-tenant" if n % 2 else None,
            user_identity_type="federatedUser" if n % 2 else "aadUser",
            content=f"<p>message {n}</p>",
            created=T0 + timedelta(minutes=n),
        )
    graph.delete_chat_message(chat_id, str(int((T0 + timedelta(minutes=3)).timestamp() * 1000)), at=T0)

    chats_config = RequestConfiguration(
        query_parameters=ChatsRequestBuilder.ChatsRequestBuilderGetQueryParameters(expand=["members"])
    )
    chats = await client.users.by_user_id(REP).chats.get(chats_config)
    assert chats is not None and chats.value is not None and len(chats.value) == 1
    assert chats.value[0].id == chat_id and chats.value[0].members is not None
    guest = next(m for m in chats.value[0].members if m.display_name == "Dana (Fabrikam)")
    assert isinstance(guest, AadUserConversationMember)
    assert guest.tenant_id == "fabrikam-tenant" and guest.roles == ["guest"] and guest.email is None

    messages = client.chats.by_chat_id(chat_id).messages
    page = await messages.get(
        RequestConfiguration(
            query_parameters=ChatMessagesRequestBuilder.MessagesRequestBuilderGetQueryParameters(top=50)
        )
    )
    received = []
    while page is not None and page.value is not None:
        received += page.value
        page = await messages.with_url(page.odata_next_link).get() if page.odata_next_link else None
    assert len(received) == 120
    stamps = [m.last_modified_date_time for m in received if m.last_modified_date_time is not None]
    assert len(stamps) == 120
    assert stamps == sorted(stamps, reverse=True)
    newest = received[0]
    assert newest.from_ is not None and isinstance(newest.from_.user, TeamworkUserIdentity)
    assert newest.from_.user.user_identity_type == TeamworkUserIdentityType.FederatedUser
    assert newest.from_.user.additional_data["tenantId"] == "fabrikam-tenant"
    deleted = [m for m in received if m.deleted_date_time is not None]
    assert len(deleted) == 1 and deleted[0].body is not None and deleted[0].body.content == ""

    since = T0 + timedelta(minutes=109, seconds=30)
    recent = await messages.get(
        RequestConfiguration(
            query_parameters=ChatMessagesRequestBuilder.MessagesRequestBuilderGetQueryParameters(
                top=50, filter=f"lastModifiedDateTime gt {since.strftime('%Y-%m-%dT%H:%M:%S.000Z')}"
            )
        )
    )
    assert recent is not None and recent.value is not None and len(recent.value) == 10

    with pytest.raises(ODataError) as raised:
        await messages.get(
            RequestConfiguration(
                query_parameters=ChatMessagesRequestBuilder.MessagesRequestBuilderGetQueryParameters(top=51)
            )
        )
    assert raised.value.response_status_code == 400


async def test_mailbox_settings(graph: GraphDouble, client: GraphServiceClient) -> None:
    graph.set_mailbox_settings(
        REP,
        time_zone="W. Europe Standard Time",
        working_hours=GraphDouble.working_hours(
            days=["monday", "tuesday", "thursday"],
            start="09:00:00.0000000",
            time_zone="W. Europe Standard Time",
        ),
        automatic_replies=GraphDouble.automatic_replies(
            "scheduled", start=T0, end=T0 + timedelta(days=7), time_zone="W. Europe Standard Time"
        ),
    )

    settings = await client.me.mailbox_settings.get()

    assert settings is not None and settings.working_hours is not None
    assert settings.time_zone == "W. Europe Standard Time"
    assert settings.working_hours.days_of_week == [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Thursday]
    assert settings.working_hours.time_zone is not None
    assert settings.working_hours.time_zone.name == "W. Europe Standard Time"
    replies = settings.automatic_replies_setting
    assert replies is not None and replies.status == AutomaticRepliesStatus.Scheduled
    assert replies.scheduled_end_date_time is not None
    assert replies.scheduled_end_date_time.date_time == "2025-03-10T09:00:00.0000000"
    assert graph.requests[-1].path == "/me/mailboxSettings" and graph.requests[-1].mailbox == REP


# --- $batch -------------------------------------------------------------------------------------------


async def post_batch(connection: Connection, items: list[dict[str, Any]]) -> dict[str, Any]:
    """POST a JSON batch through kiota's request adapter, so the token provider and Graph's middleware
    (retry included) run as for any SDK call. msgraph-core's own batch types would do the same, but its
    batch modules import the undeclared ``deprecated`` package (see the last batch test)."""
    info = RequestInformation(Method.POST, "{+baseurl}/$batch")
    info.headers.try_add("Accept", "application/json")
    info.set_stream_content(json.dumps({"requests": items}).encode(), "application/json")
    adapter = connection.sdk.request_adapter
    body: bytes | None = await adapter.send_primitive_async(info, "bytes", {"XXX": ODataError})
    assert body is not None
    answer: dict[str, Any] = json.loads(body)
    return answer


def batch_item(graph: GraphDouble, client: GraphServiceClient, key: str, address: str) -> dict[str, Any]:
    """A batch step for a participants search, its URL built by msgraph-sdk and made relative."""
    info = client.users.by_user_id(REP).messages.to_get_request_information(search(address, 25))
    return {"id": key, "method": "GET", "url": info.url.removeprefix(graph.base_url)}


async def test_batch_of_20_runs_at_most_4_at_a_time_per_mailbox(
    graph: GraphDouble, connection: Connection, client: GraphServiceClient
) -> None:
    leads = [f"lead{n}@fabrikam.example" for n in range(20)]
    for lead in leads:
        graph.add_message(REP, subject=lead, sender=lead, to=[REP_MAIL])
    graph.latency = 0.05

    answer = await post_batch(
        connection, [batch_item(graph, client, str(n), lead) for n, lead in enumerate(leads)]
    )

    responses = {r["id"]: r for r in answer["responses"]}
    assert {key: r["status"] for key, r in responses.items()} == {str(n): 200 for n in range(20)}
    assert [responses[str(n)]["body"]["value"][0]["subject"] for n in range(20)] == leads
    sub = [r for r in graph.requests if r.in_batch]
    assert len(sub) == 20 and {r.query["$search"] for r in sub} == {
        f'"participants:{lead}"' for lead in leads
    }
    # Outlook runs a batch's requests to one mailbox 4 at a time: the batch never trips the limit itself.
    assert graph.max_concurrency[REP] == 4
    assert graph.counters["batches"] == 1


async def test_batch_of_21_is_refused(
    graph: GraphDouble, connection: Connection, client: GraphServiceClient
) -> None:
    items = [batch_item(graph, client, str(n), LEAD) for n in range(21)]

    with pytest.raises(ODataError) as raised:
        await post_batch(connection, items)

    assert raised.value.response_status_code == 400
    assert raised.value.error is not None and raised.value.error.code == "BadRequest"
    assert graph.counters["sub_requests"] == 0


async def test_batch_sub_response_429_is_not_retried_by_kiota(
    graph: GraphDouble, connection: Connection, client: GraphServiceClient
) -> None:
    graph.add_message(REP, subject="x", sender=LEAD, to=[REP_MAIL])
    graph.fail_next(1, 429, retry_after=7, match="/messages")

    answer = await post_batch(connection, [batch_item(graph, client, str(n), LEAD) for n in range(3)])

    statuses = {r["id"]: r["status"] for r in answer["responses"]}
    assert sorted(statuses.values()) == [200, 200, 429]
    throttled = next(r for r in answer["responses"] if r["status"] == 429)
    assert throttled["headers"]["Retry-After"] == "7"
    assert throttled["body"]["error"]["code"] == "TooManyRequests"
    # The envelope was 200, so kiota's retry handler had nothing to retry: one batch, three sub-requests.
    assert graph.counters["batches"] == 1 and graph.counters["sub_requests"] == 3


async def test_whole_batch_429_is_retried_by_kiota(
    graph: GraphDouble, connection: Connection, client: GraphServiceClient
) -> None:
    graph.fail_next(1, 429, retry_after=1, match="/$batch")

    answer = await post_batch(connection, [batch_item(graph, client, "a", LEAD)])

    assert answer["responses"][0]["status"] == 200
    assert [(r.path, r.status) for r in graph.requests if not r.in_batch] == [
        ("/$batch", 429),
        ("/$batch", 200),
    ]


# --- throttling, faults and retries -------------------------------------------------------------------


async def test_429_retry_after_is_honoured_by_kiota(graph: GraphDouble, client: GraphServiceClient) -> None:
    graph.add_message(REP, subject="x", sender=LEAD, to=[REP_MAIL])
    graph.fail_next(1, 429, retry_after=1)

    page = await client.users.by_user_id(REP).messages.get(search(LEAD, 5))

    assert page is not None and page.value is not None and len(page.value) == 1
    first, second = graph.requests
    assert (first.status, first.retry_after, second.status) == (429, 1, 200)
    assert second.at - first.at >= 1.0


async def test_503_is_retried_too(graph: GraphDouble, client: GraphServiceClient) -> None:
    graph.fail_next(1, 503)
    settings = await client.users.by_user_id(REP).mailbox_settings.get()
    assert settings is not None and [r.status for r in graph.requests] == [503, 200]


async def test_fifth_concurrent_request_on_a_mailbox_gets_429(
    graph: GraphDouble, client: GraphServiceClient
) -> None:
    graph.add_message(REP, subject="x", sender=LEAD, to=[REP_MAIL])
    graph.latency = 0.3
    await client.users.by_user_id(REP).mailbox_settings.get()  # the token, fetched once, before the burst

    pages = await asyncio.gather(
        *(client.users.by_user_id(REP).messages.get(search(LEAD, 5)) for _ in range(6))
    )

    assert all(page is not None and page.value for page in pages)
    throttled = [r for r in graph.requests if r.status == 429]
    assert len(throttled) == 2
    assert {r.error_code for r in throttled} == {"ApplicationThrottled"}
    # Each refused request would have been the 5th in flight; refused ones never count as in flight.
    assert [r.concurrency for r in throttled] == [5, 5] and graph.max_concurrency[REP] == 5
    assert all(r.retry_after == 1 for r in throttled)
    assert [r.status for r in graph.requests].count(200) == 7


async def test_request_budget_per_mailbox(
    identity: IdentityDouble, app: msal.ConfidentialClientApplication
) -> None:
    async with GraphDouble.for_identity(identity, mailbox_budget=(3, 60.0)) as graph:
        populate(graph)
        provider = MsalTokenProvider(obo(app, sso_token(identity), DELEGATED_SCOPES), ["127.0.0.1"])
        built = build_graph_client(graph, provider)
        client = built.sdk
        # Retrying would wait a minute; this test looks at the 429 itself.
        no_retry: RequestConfiguration[Any] = RequestConfiguration(
            options=[RetryHandlerOption(should_retry=False)]
        )
        try:
            for _ in range(3):
                await client.users.by_user_id(REP).mailbox_settings.get(no_retry)
            with pytest.raises(ODataError) as raised:
                await client.users.by_user_id(REP).mailbox_settings.get(no_retry)
        finally:
            await built.http.aclose()

    assert raised.value.response_status_code == 429
    assert graph.requests[3].retry_after is not None and 55 <= graph.requests[3].retry_after <= 60


async def test_seeded_fault_rate_is_repeatable(
    identity: IdentityDouble, app: msal.ConfidentialClientApplication
) -> None:
    token = await delegated_token(identity, app)
    runs = []
    for _ in range(2):
        async with GraphDouble.for_identity(identity, fault_rate=0.4, seed=11) as graph:
            populate(graph)
            async with httpx.AsyncClient(verify=graph.client_ssl_context(), trust_env=False) as http:
                for _ in range(12):
                    await http.get(
                        f"{graph.base_url}/me/mailboxSettings", headers={"Authorization": f"Bearer {token}"}
                    )
            runs.append([r.status for r in graph.requests])
    assert runs[0] == runs[1] and {429, 503} & set(runs[0]) and 200 in runs[0]


# --- authentication and modes -------------------------------------------------------------------------


async def test_missing_or_foreign_tokens_get_401(graph: GraphDouble, identity: IdentityDouble) -> None:
    wrong_audience = identity.access_token(client_id=CLIENT_ID, resource="https://api.botframework.com")
    forged = identity.access_token(client_id=CLIENT_ID, resource=GRAPH_RESOURCE, key=SigningKey())
    async with httpx.AsyncClient(verify=graph.client_ssl_context(), trust_env=False) as http:
        answers = [await http.get(f"{graph.base_url}/users/{REP}/messages")] + [
            await http.get(f"{graph.base_url}/users/{REP}/messages", headers={"Authorization": f"Bearer {t}"})
            for t in (wrong_audience, forged)
        ]
    assert [a.status_code for a in answers] == [401, 401, 401]
    assert {a.json()["error"]["code"] for a in answers} == {"InvalidAuthenticationToken"}
    assert all(r.outcome == "unauthorized" for r in graph.requests)


async def test_delegated_token_reads_only_its_own_mailbox(
    graph: GraphDouble, client: GraphServiceClient
) -> None:
    with pytest.raises(ODataError) as raised:
        await client.users.by_user_id(OTHER_REP).messages.get()
    assert raised.value.response_status_code == 403
    assert raised.value.error is not None and raised.value.error.code == "ErrorAccessDenied"


async def test_application_mode_is_recorded_and_scoped_by_rbac(
    graph: GraphDouble, app: msal.ConfidentialClientApplication
) -> None:
    async def app_only() -> dict[str, Any]:
        result: dict[str, Any] = await asyncio.to_thread(
            app.acquire_token_for_client, scopes=[f"{GRAPH_RESOURCE}/.default"]
        )
        return result

    graph.add_message(OTHER_REP, subject="team mailbox", sender=LEAD, to=["other@contoso.example"])
    built = build_graph_client(graph, MsalTokenProvider(app_only, ["127.0.0.1"]))
    client = built.sdk
    try:
        page = await client.users.by_user_id("other@contoso.example").messages.get(search(LEAD, 5))
        assert page is not None and page.value is not None and len(page.value) == 1
        record = graph.requests[-1]
        assert record.mode == "application" and "Mail.Read" in record.roles and record.scopes == ()
        assert record.app_id == CLIENT_ID and record.mailbox == OTHER_REP

        with pytest.raises(ODataError) as me:
            await client.me.messages.get()
        assert me.value.response_status_code == 400

        graph.restrict_app(CLIENT_ID, [REP])
        with pytest.raises(ODataError) as outside:
            await client.users.by_user_id(OTHER_REP).messages.get()
        assert outside.value.response_status_code == 403
    finally:
        await built.http.aclose()


def test_serves_from_its_own_thread(
    identity: IdentityDouble, app: msal.ConfidentialClientApplication
) -> None:
    """For blocking callers: the double on its own loop, a synchronous client on this thread."""
    token = app.acquire_token_on_behalf_of(sso_token(identity), DELEGATED_SCOPES)["access_token"]
    graph = GraphDouble.for_identity(identity).start_in_thread()
    try:
        populate(graph)
        session = requests.Session()
        session.trust_env = False
        answer = session.get(
            f"{graph.base_url}/me/mailboxSettings",
            headers={"Authorization": f"Bearer {token}"},
            verify=str(graph.ca_file),
            timeout=10,
        )
    finally:
        graph.stop()
    assert answer.status_code == 200 and answer.json()["timeZone"] == "UTC"


# --- where Graph is stricter than it looks -----------------------------------------------------------


def app_token_source(app: msal.ConfidentialClientApplication) -> Acquire:
    async def acquire() -> dict[str, Any]:
        result: dict[str, Any] = await asyncio.to_thread(
            app.acquire_token_for_client, scopes=[f"{GRAPH_RESOURCE}/.default"]
        )
        return result

    return acquire


async def test_delta_pages_are_as_large_as_each_request_asks(
    graph: GraphDouble, client: GraphServiceClient
) -> None:
    for n in range(30):
        graph.add_message(
            REP, subject=f"in {n}", sender=LEAD, to=[REP_MAIL], received=T0 + timedelta(minutes=n)
        )
    delta = client.users.by_user_id(REP).mail_folders.by_mail_folder_id("inbox").messages.delta
    config: RequestConfiguration[Any] = RequestConfiguration()
    config.headers.add("Prefer", "odata.maxpagesize=4")

    first = await delta.get(config)
    assert first is not None and first.value is not None and first.odata_next_link
    bare = await delta.with_url(first.odata_next_link).get()

    # The next link without the header falls back to Graph's default page of 10.
    assert (len(first.value), len(bare.value or []) if bare else None) == (4, 10)
    applied = [r for r in graph.requests if "delta" in r.path]
    assert len(applied) == 2


async def test_concurrency_is_per_app_across_mailboxes(
    identity: IdentityDouble, app: msal.ConfidentialClientApplication
) -> None:
    users = [f"0b5c7a4e-0000-4000-8000-00000000c{n:03d}" for n in range(6)]

    async def burst(rule: Any) -> list[int]:
        async with GraphDouble.for_identity(identity, latency=0.3, concurrency_per=rule) as graph:
            for n, user in enumerate(users):
                graph.add_user(user, mail=f"box{n}@contoso.example")
            built = build_graph_client(graph, MsalTokenProvider(app_token_source(app), ["127.0.0.1"]))
            no_retry: RequestConfiguration[Any] = RequestConfiguration(
                options=[RetryHandlerOption(should_retry=False)]
            )
            try:
                await built.sdk.users.by_user_id(users[0]).mailbox_settings.get()  # the token, first
                results = await asyncio.gather(
                    *(built.sdk.users.by_user_id(user).mailbox_settings.get(no_retry) for user in users),
                    return_exceptions=True,
                )
            finally:
                await built.http.aclose()
            assert len(results) == 6
            return [r.status for r in graph.requests[1:]]

    # Six mailboxes at once: the current rule counts them all against the app's 4; the older rule allowed
    # 4 on each mailbox.
    assert sorted(await burst("app")) == [200, 200, 200, 200, 429, 429]
    assert sorted(await burst("mailbox")) == [200] * 6


async def test_expanded_members_stop_at_25_and_the_members_route_lists_all(
    graph: GraphDouble, client: GraphServiceClient
) -> None:
    rep = GraphDouble.chat_member(REP, email=REP_MAIL, display_name="Riley Rep")
    others = [
        GraphDouble.chat_member(f"user-{n}", email=f"user{n}@contoso.example", display_name=f"User {n}")
        for n in range(39)
    ]
    chat_id = graph.add_chat(members=[rep, *others], chat_type="group", topic="All hands")
    chats_config = RequestConfiguration(
        query_parameters=ChatsRequestBuilder.ChatsRequestBuilderGetQueryParameters(expand=["members"], top=50)
    )

    chats = await client.users.by_user_id(REP).chats.get(chats_config)
    members = await client.chats.by_chat_id(chat_id).members.get()

    assert chats is not None and chats.value and chats.value[0].members is not None
    assert len(chats.value[0].members) == EXPANDED_MEMBERS_MAX
    assert members is not None and members.value is not None and len(members.value) == 40
    assert {m.email for m in members.value if isinstance(m, AadUserConversationMember)} >= {
        "user38@contoso.example"
    }
    with pytest.raises(ODataError) as raised:
        await (
            client.chats.by_chat_id(chat_id)
            .members.with_url(f"{graph.base_url}/chats/{chat_id}/members?$top=5")
            .get()
        )
    assert raised.value.response_status_code == 400


async def test_system_messages_are_unknown_future_values_without_a_sender(
    graph: GraphDouble, client: GraphServiceClient
) -> None:
    rep = GraphDouble.chat_member(REP, email=REP_MAIL, display_name="Riley Rep")
    chat_id = graph.add_chat(members=[rep, GraphDouble.chat_member("u2", email=None, display_name="U2")])
    graph.add_chat_message(
        chat_id,
        sender_id=REP,
        sender_name="Riley Rep",
        content="<systemEventMessage/>",
        message_type="systemEventMessage",
        created=T0,
    )
    messages = client.chats.by_chat_id(chat_id).messages

    plain = await messages.get()
    opted: RequestConfiguration[Any] = RequestConfiguration()
    opted.headers.add("Prefer", "include-unknown-enum-members")
    asked = await messages.get(opted)

    assert plain is not None and plain.value and asked is not None and asked.value
    assert plain.value[0].message_type == ChatMessageType.UnknownFutureValue
    assert plain.value[0].from_ is None and plain.value[0].event_detail is not None
    assert asked.value[0].message_type == ChatMessageType.SystemEventMessage


async def test_resource_specific_consent_opens_one_chat_only(
    graph: GraphDouble, app: msal.ConfidentialClientApplication
) -> None:
    rep = GraphDouble.chat_member(REP, email=REP_MAIL, display_name="Riley Rep")
    granted = graph.add_chat(members=[rep, GraphDouble.chat_member("u2", email=None, display_name="U2")])
    other = graph.add_chat(members=[rep, GraphDouble.chat_member("u3", email=None, display_name="U3")])
    graph.grant_in_chat(granted, CLIENT_ID, ["ChatMessage.Read.Chat"])
    built = build_graph_client(graph, MsalTokenProvider(app_token_source(app), ["127.0.0.1"]))
    try:
        # The app holds Chat.ReadBasic.All: chats and members, but no message outside an RSC grant.
        page = await built.sdk.chats.by_chat_id(granted).messages.get()
        with pytest.raises(ODataError) as refused:
            await built.sdk.chats.by_chat_id(other).messages.get()
    finally:
        await built.http.aclose()
    assert page is not None and refused.value.response_status_code == 403
