"""Every JSON body the Graph double serves agrees with Microsoft's published Graph v1.0 metadata.

``data/graph_v1_metadata.json`` is the CSDL of microsoftgraph/msgraph-metadata
(``clean_v10_metadata/cleanMetadata.xml``; repository, commit and date inside the file) reduced to the
entity, complex and enum types the double serves: property names, types, nullability and enum members.
The test drives every route the double has, with every kind of data it can hold, through the real
msgraph-sdk, and then checks each body it served: no property, type or enum member may be unknown."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.users.item.chats.chats_request_builder import ChatsRequestBuilder
from msgraph.generated.users.item.messages.messages_request_builder import MessagesRequestBuilder

from app.graph.mail import FIELDS
from tests.doubles.graph import DEFAULT_TENANT, GraphDouble
from tests.doubles.identity import IdentityDouble
from tests.graph.support import CLIENT_ID, application_connection

METADATA: dict[str, Any] = json.loads((Path(__file__).parent / "data" / "graph_v1_metadata.json").read_text())
TYPES: dict[str, dict[str, Any]] = METADATA["types"]
ENUMS: dict[str, list[str]] = METADATA["enums"]
# What each route family serves: a collection of entities, or one complex value.
ROOTS = {
    "mail": "Collection(message)",
    "delta": "Collection(message)",
    "mailboxSettings": "mailboxSettings",
    "chats": "Collection(chat)",
    "chatMembers": "Collection(conversationMember)",
    "chatMessages": "Collection(chatMessage)",
}
# Dynamic properties Graph documents on open types: the sender's tenant in a chat message's identity.
DYNAMIC = {"teamworkUserIdentity": frozenset({"tenantId"})}
_EDM = {
    "Edm.DateTimeOffset": re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})"),
    "Edm.TimeOfDay": re.compile(r"\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?"),
    "Edm.Date": re.compile(r"\d{4}-\d{2}-\d{2}"),
}
LEAD = "dana@fabrik.example"
REP = "7e0d7a0c-0000-4000-8000-00000000a001"
REP_MAIL = "rep@contoso.example"
T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _chain(name: str) -> list[str]:
    chain = []
    while name:
        chain.append(name)
        name = TYPES[name].get("base", "")
    return chain


def _member(name: str, key: str) -> dict[str, Any] | None:
    for type_name in _chain(name):
        entry = TYPES[type_name]
        found = entry["properties"].get(key) or entry.get("navigation", {}).get(key)
        if found is not None:
            return dict(found)
    return None


def check(value: Any, type_name: str, where: str = "$", *, nullable: bool = True) -> list[str]:
    """What in ``value`` the metadata does not know or allow, as ``path: problem`` lines."""
    if value is None:
        return [] if nullable else [f"{where}: null, but the metadata says Nullable=false"]
    if type_name.startswith("Collection("):
        if not isinstance(value, list):
            return [f"{where}: {type(value).__name__}, expected a collection"]
        inner = type_name[len("Collection(") : -1]
        return [
            p for n, item in enumerate(value) for p in check(item, inner, f"{where}[{n}]", nullable=nullable)
        ]
    if type_name in ENUMS:
        # Outlook writes some members capitalised (Graph's documented examples, "Scheduled"); clients read
        # them by lowering the first letter, as kiota does.
        members = ENUMS[type_name]
        if not isinstance(value, str) or (
            value not in members and value[:1].lower() + value[1:] not in members
        ):
            return [f"{where}: {value!r} is not a member of {type_name}"]
        return []
    if type_name.startswith("Edm."):
        return _scalar(value, type_name, where)
    if type_name not in TYPES:
        return [f"{where}: type {type_name} is not in the reduced metadata"]
    if not isinstance(value, dict):
        return [f"{where}: {type(value).__name__}, expected {type_name}"]
    actual = type_name
    if "@odata.type" in value:
        actual = str(value["@odata.type"]).removeprefix("#").removeprefix("microsoft.graph.")
        if actual not in TYPES or type_name not in _chain(actual):
            return [f"{where}: @odata.type {value['@odata.type']} is not a {type_name}"]
    if TYPES[actual].get("abstract"):
        return [f"{where}: {actual} is abstract; a value must name its concrete type"]
    problems = []
    for key, item in value.items():
        if "@" in key:  # instance annotations: @odata.etag, @removed, members@odata.context
            continue
        declared = _member(actual, key)
        if declared is None:
            open_type = any(TYPES[t].get("open") for t in _chain(actual))
            if not (open_type and key in DYNAMIC.get(actual, frozenset())):
                problems.append(f"{where}.{key}: no such property on {actual}")
            continue
        problems += check(item, declared["type"], f"{where}.{key}", nullable=declared.get("nullable", True))
    return problems


def _scalar(value: Any, type_name: str, where: str) -> list[str]:
    if type_name == "Edm.Boolean":
        ok = isinstance(value, bool)
    elif type_name in ("Edm.Int32", "Edm.Int64"):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif type_name == "Edm.Double":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif type_name in _EDM:
        ok = isinstance(value, str) and _EDM[type_name].fullmatch(value) is not None
    else:  # Edm.String, Edm.Guid, Edm.Binary
        ok = isinstance(value, str)
    return [] if ok else [f"{where}: {value!r} is not an {type_name}"]


def check_served(family: str, body: Any) -> list[str]:
    if family == "mailboxSettings":
        return check(body, ROOTS[family])
    return check(body.get("value"), ROOTS[family], f"{family}.value")


def _fill(graph: GraphDouble) -> tuple[str, str]:
    """Every kind of data the double holds; returns a small and a large chat's ids."""
    graph.add_user(REP, mail=REP_MAIL, display_name="Riley Rep")
    for n in range(4):
        graph.add_message(
            REP,
            subject=f"Re {n}",
            sender=("Dana", LEAD),
            to=[REP_MAIL],
            cc=["x@y.example"],
            received=T0 + timedelta(minutes=n),
            body_preview="Hallo",
        )
    sent = graph.add_message(
        REP, folder="sentitems", subject="Angebot", sender=REP_MAIL, to=[LEAD], received=T0
    )
    graph.set_mailbox_settings(
        REP,
        time_zone="W. Europe Standard Time",
        working_hours=GraphDouble.working_hours(
            days=("monday", "saturday"),
            time_zone=GraphDouble.custom_time_zone(
                bias=-200,
                standard=(5, 4, "sunday", "02:00:00.0000000"),
                daylight=(10, 2, "sunday", "02:00:00.0000000"),
                daylight_bias=-100,
            ),
        ),
        automatic_replies=GraphDouble.automatic_replies("scheduled", start=T0, end=T0 + timedelta(days=3)),
    )
    rep = GraphDouble.chat_member(REP, email=REP_MAIL, display_name="Riley Rep")
    guest = GraphDouble.chat_member(
        "fab-1", email=None, display_name="Dana", tenant_id="fab", roles=["guest"]
    )
    small = graph.add_chat(members=[rep, guest], created=T0)
    graph.add_chat_message(small, sender_id=REP, sender_name="Riley Rep", content="<p>Hallo</p>", created=T0)
    reply = graph.add_chat_message(
        small,
        sender_id="fab-1",
        sender_name="Dana",
        content="Hi",
        content_type="text",
        sender_tenant_id="fab",
        user_identity_type="federatedUser",
        created=T0 + timedelta(minutes=1),
    )
    graph.edit_chat_message(small, str(reply["id"]), "Hi!", at=T0 + timedelta(minutes=2))
    gone = graph.add_chat_message(
        small, sender_id=REP, sender_name="Riley Rep", content="x", created=T0 + timedelta(minutes=3)
    )
    graph.delete_chat_message(small, str(gone["id"]), at=T0 + timedelta(minutes=4))
    for n, kind in enumerate(("systemEventMessage", "chatEvent", "unknownFutureValue")):
        graph.add_chat_message(
            small,
            sender_id=REP,
            sender_name="Riley Rep",
            content="<systemEventMessage/>",
            message_type=kind,
            created=T0 + timedelta(minutes=5 + n),
        )
    others = [
        GraphDouble.chat_member(f"u-{n}", email=f"u{n}@contoso.example", display_name=f"U {n}")
        for n in range(39)
    ]
    large = graph.add_chat(members=[rep, *others], chat_type="group", topic="All hands", created=T0)
    graph.move_message(REP, str(sent["id"]), "inbox")
    return small, large


async def test_every_body_the_double_serves_matches_graph_v1_metadata(
    identity: IdentityDouble, graph: GraphDouble
) -> None:
    small, large = _fill(graph)
    # Application mode with the least privileges: messages through resource-specific consent in the chat.
    graph.grant_in_chat(small, CLIENT_ID, ["ChatMessage.Read.Chat"])
    connection = application_connection(DEFAULT_TENANT, identity, graph)
    sdk = connection.sdk
    try:
        user = sdk.users.by_user_id(REP)
        search = MessagesRequestBuilder.MessagesRequestBuilderGetQueryParameters(
            search=f'"participants:{LEAD}"', top=2
        )
        page = await user.messages.get(RequestConfiguration(query_parameters=search))
        assert page is not None and page.odata_next_link
        await user.messages.with_url(page.odata_next_link).get()
        chosen = MessagesRequestBuilder.MessagesRequestBuilderGetQueryParameters(select=FIELDS, top=10)
        await user.messages.get(RequestConfiguration(query_parameters=chosen))
        delta = user.mail_folders.by_mail_folder_id("inbox").messages.delta
        first = await delta.get()
        assert first is not None and first.odata_delta_link
        graph.delete_message(REP, graph.messages(REP, "inbox")[0]["id"])
        graph.add_message(REP, subject="Neu", sender=LEAD, to=[REP_MAIL], received=T0 + timedelta(hours=1))
        await delta.with_url(first.odata_delta_link).get()
        await user.mailbox_settings.get()
        expand = ChatsRequestBuilder.ChatsRequestBuilderGetQueryParameters(expand=["members"], top=50)
        await user.chats.get(RequestConfiguration(query_parameters=expand))
        await sdk.chats.by_chat_id(large).members.get()
        await sdk.chats.by_chat_id(small).messages.get()
        newer: RequestConfiguration[Any] = RequestConfiguration()
        newer.headers.add("Prefer", "include-unknown-enum-members")
        await sdk.chats.by_chat_id(small).messages.get(newer)
    finally:
        await connection.close()

    assert {family for family, _ in graph.served} == set(ROOTS), "every route served at least once"
    problems = [p for family, body in graph.served for p in check_served(family, body)]
    assert problems == []


@pytest.mark.parametrize(
    ("value", "type_name", "problem"),
    [
        (
            {"delegateMeetingMessageDeliveryOptions": "sendToDelegateOrInformationToPrincipal"},
            "mailboxSettings",
            "is not a member of delegateMeetingMessageDeliveryOptions",
        ),
        ({"subject": "x", "leadScore": 3}, "message", "no such property on message"),
        ({"chatType": None}, "chat", "Nullable=false"),
        ({"isRead": "yes"}, "message", "is not an Edm.Boolean"),
        ({"eventDetail": {"@odata.type": "#microsoft.graph.eventMessageDetail"}}, "chatMessage", "abstract"),
        (
            {"from": {"user": {"@odata.type": "#microsoft.graph.teamworkUserIdentity", "tenant": "x"}}},
            "chatMessage",
            "no such property on teamworkUserIdentity",
        ),
        ({"startTime": "9 am"}, "workingHours", "is not an Edm.TimeOfDay"),
    ],
)
def test_the_check_finds_what_the_metadata_does_not_allow(value: Any, type_name: str, problem: str) -> None:
    found = check(value, type_name)
    assert len(found) == 1 and problem in found[0]


def test_the_reduced_metadata_names_its_source() -> None:
    source = METADATA["source"]
    assert source["repository"] == "microsoftgraph/msgraph-metadata"
    assert source["path"] == "clean_v10_metadata/cleanMetadata.xml"
    assert re.fullmatch(r"[0-9a-f]{40}", source["commit"]) and source["date"]
