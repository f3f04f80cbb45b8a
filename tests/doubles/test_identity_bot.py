"""The identity double's Bot Framework side, driven by the real msal and the real botframework-connector.

The SDK fetches OpenID metadata with a bare ``requests.get`` (a fresh session each time), so the only way to
make it trust the double's CA without touching library code is the ``REQUESTS_CA_BUNDLE`` environment
variable, set per test with monkeypatch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jwt
import msal
import pytest
import requests
from botbuilder.schema import Activity, ChannelAccount
from botframework.connector.auth import (
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    BotFrameworkAuthenticationFactory,
    PasswordServiceClientCredentialFactory,
)

from tests.doubles.identity import BOT_FRAMEWORK_ISSUER, IdentityDouble, SigningKey

APP_ID = "4b1f0d1e-bot-app"
SECRET = "correct horse battery staple"
SERVICE_URL = "https://smba.trafficmanager.net/emea/"
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"


@pytest.fixture(scope="module")
def identity(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IdentityDouble]:
    double = IdentityDouble(tmp_path_factory.mktemp("identity-bot")).start()
    double.add_client(APP_ID, SECRET)
    yield double
    double.stop()


@pytest.fixture
def trusted(identity: IdentityDouble, monkeypatch: pytest.MonkeyPatch) -> IdentityDouble:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(identity.ca_file))
    return identity


def http_client(identity: IdentityDouble) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.verify = str(identity.ca_file)
    return session


def msal_app(identity: IdentityDouble, secret: str = SECRET, tenant: str = "botframework.com") -> Any:
    return msal.ConfidentialClientApplication(
        APP_ID,
        client_credential=secret,
        authority=identity.authority(tenant),
        http_client=http_client(identity),
        instance_discovery=False,
        validate_authority=False,
    )


def configuration(identity: IdentityDouble) -> dict[str, Any]:
    """What ConfigurationBotFrameworkAuthentication (botbuilder-integration-aiohttp) reads from its
    configuration object; the values that point the SDK at the double."""
    return {
        "APP_ID": APP_ID,
        "APP_PASSWORD": SECRET,
        "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": identity.bot_channel_metadata_url,
        "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER": identity.bot_channel_issuer,
        "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL": identity.bot_emulator_metadata_url,
        "TO_CHANNEL_FROM_BOT_LOGIN_URL": identity.authority("botframework.com"),
        "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE": "https://api.botframework.com",
        "VALIDATE_AUTHORITY": False,
    }


def bot_authentication(identity: IdentityDouble) -> BotFrameworkAuthentication:
    """Exactly the call ConfigurationBotFrameworkAuthentication makes with ``configuration()``: that
    class lives in botbuilder-integration-aiohttp, which this project does not install."""
    config = configuration(identity)
    return BotFrameworkAuthenticationFactory.create(
        validate_authority=config["VALIDATE_AUTHORITY"],
        to_channel_from_bot_login_url=config["TO_CHANNEL_FROM_BOT_LOGIN_URL"],
        to_channel_from_bot_oauth_scope=config["TO_CHANNEL_FROM_BOT_OAUTH_SCOPE"],
        to_bot_from_channel_token_issuer=config["TO_BOT_FROM_CHANNEL_TOKEN_ISSUER"],
        to_bot_from_channel_open_id_metadata_url=config["TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL"],
        to_bot_from_emulator_open_id_metadata_url=config["TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL"],
        credential_factory=PasswordServiceClientCredentialFactory(config["APP_ID"], config["APP_PASSWORD"]),
    )


def activity(channel_id: str = "msteams", service_url: str = SERVICE_URL) -> Activity:
    return Activity(
        type="message",
        channel_id=channel_id,
        service_url=service_url,
        recipient=ChannelAccount(id=f"28:{APP_ID}"),
        from_property=ChannelAccount(id="29:user"),
        text="hi",
    )


async def authenticate(identity: IdentityDouble, token: str, **overrides: Any) -> AuthenticateRequestResult:
    return await bot_authentication(identity).authenticate_request(activity(**overrides), f"Bearer {token}")


# --- msal against the token endpoint ------------------------------------------------------------------


def test_msal_gets_a_bot_framework_token_and_caches_it(identity: IdentityDouble) -> None:
    before = identity.token_requests
    app = msal_app(identity)

    first = app.acquire_token_for_client(scopes=[BOT_FRAMEWORK_SCOPE])
    second = app.acquire_token_for_client(scopes=[BOT_FRAMEWORK_SCOPE])

    assert first["token_type"] == "Bearer" and first["expires_in"] == 3600
    assert first["token_source"] == "identity_provider" and second["token_source"] == "cache"
    assert identity.token_requests == before + 1
    key = identity.keys[0].private.public_key()
    claims = jwt.decode(
        first["access_token"], key, algorithms=["RS256"], audience="https://api.botframework.com"
    )
    assert claims["appid"] == APP_ID
    assert claims["iss"] == identity.issuer_v1("botframework.com")
    check = identity.access_token_check(audience="https://api.botframework.com")
    assert check(first["access_token"])
    assert not check(identity.access_token(client_id=APP_ID, resource="https://graph.microsoft.com"))
    assert not check(
        identity.access_token(client_id=APP_ID, resource="https://api.botframework.com", lifetime=-120)
    )


def test_msal_single_tenant_authority_gets_a_token_for_the_resource_it_asked_for(
    identity: IdentityDouble,
) -> None:
    result = msal_app(identity, tenant="contoso-tenant").acquire_token_for_client(
        scopes=["https://graph.microsoft.com/.default"]
    )

    claims = jwt.decode(result["access_token"], options={"verify_signature": False})
    assert claims["aud"] == "https://graph.microsoft.com"
    assert claims["tid"] == "contoso-tenant"
    assert identity.token_grants[-1].tenant == "contoso-tenant"


def test_a_wrong_secret_gets_entras_invalid_client(identity: IdentityDouble) -> None:
    result = msal_app(identity, secret="wrong").acquire_token_for_client(scopes=[BOT_FRAMEWORK_SCOPE])

    assert "access_token" not in result
    assert result["error"] == "invalid_client"
    assert result["error_codes"] == [7000215]
    assert identity.token_grants[-1].status == 401


def test_an_unknown_client_is_refused(identity: IdentityDouble) -> None:
    app = msal.ConfidentialClientApplication(
        "nobody",
        client_credential=SECRET,
        authority=identity.authority(),
        http_client=http_client(identity),
        instance_discovery=False,
        validate_authority=False,
    )

    result = app.acquire_token_for_client(scopes=[BOT_FRAMEWORK_SCOPE])

    assert result["error"] == "unauthorized_client"
    assert identity.token_grants[-1].status == 400


# --- the SDK's validation of incoming activities --------------------------------------------------------


def test_metadata_points_at_keys_with_endorsements(identity: IdentityDouble) -> None:
    session = http_client(identity)
    metadata = session.get(identity.bot_channel_metadata_url).json()
    keys = session.get(metadata["jwks_uri"]).json()["keys"]

    assert metadata["issuer"] == BOT_FRAMEWORK_ISSUER
    assert [key["kid"] for key in keys] == [key.kid for key in identity.bot_keys]
    assert all("msteams" in key["endorsements"] for key in keys)


async def test_the_sdk_accepts_a_bot_connector_token(trusted: IdentityDouble) -> None:
    result = await authenticate(trusted, trusted.bot_token(app_id=APP_ID, service_url=SERVICE_URL))

    assert result.claims_identity.is_authenticated
    assert result.claims_identity.claims["aud"] == APP_ID
    assert result.claims_identity.claims["serviceurl"] == SERVICE_URL
    assert result.audience == "https://api.botframework.com"


async def test_the_sdk_accepts_an_emulator_token_signed_with_entra_keys(trusted: IdentityDouble) -> None:
    for version in ("1.0", "2.0"):
        result = await authenticate(trusted, trusted.emulator_token(app_id=APP_ID, version=version))
        assert result.claims_identity.claims["ver"] == version


@pytest.mark.parametrize(
    ("case", "error", "message"),
    [
        ("forged signature, published kid", jwt.InvalidSignatureError, "Signature verification failed"),
        ("unpublished kid", IndexError, "list index out of range"),
        ("signed with an Entra ID key", IndexError, "list index out of range"),
        ("wrong audience", PermissionError, "Invalid AppId passed on token"),
        ("expired beyond the 5 minute leeway", jwt.ExpiredSignatureError, "Signature has expired"),
        ("wrong issuer", PermissionError, "Identity missing"),
        ("wrong serviceurl", PermissionError, "Invalid 'serviceurl' claim"),
        ("no serviceurl", PermissionError, "'serviceurl' claim missing"),
    ],
)
async def test_the_sdk_rejects_bad_bot_tokens(
    trusted: IdentityDouble, case: str, error: type[Exception], message: str
) -> None:
    good: dict[str, Any] = {"app_id": APP_ID, "service_url": SERVICE_URL}
    tokens: dict[str, dict[str, Any]] = {
        "forged signature, published kid": {"key": SigningKey(kid=trusted.bot_keys[0].kid)},
        "unpublished kid": {"key": SigningKey()},
        "signed with an Entra ID key": {"key": trusted.keys[0]},
        "wrong audience": {"audience": "someone-elses-bot"},
        "expired beyond the 5 minute leeway": {"lifetime": -301 - 60},
        "wrong issuer": {"issuer": "https://api.botframework.com.evil.example"},
        "wrong serviceurl": {"service_url": "https://attacker.example/"},
        "no serviceurl": {"serviceurl": None},
    }
    token = trusted.bot_token(**(good | tokens[case]))

    with pytest.raises(error, match=message):
        await authenticate(trusted, token)


async def test_the_sdk_rejects_a_key_not_endorsed_for_the_channel(trusted: IdentityDouble) -> None:
    token = trusted.bot_token(app_id=APP_ID, service_url=SERVICE_URL)

    with pytest.raises(Exception, match="Could not validate endorsement key"):
        await authenticate(trusted, token, channel_id="slack")


async def test_missing_and_empty_authorization_headers(trusted: IdentityDouble) -> None:
    """None is refused cleanly; an empty string (what ``headers.get(..., "")`` gives) crashes inside the
    SDK, so the bot's endpoint has to turn both into 401 itself."""
    auth = bot_authentication(trusted)

    with pytest.raises(PermissionError, match="not authorized"):
        # The SDK annotates the header as str; None is what it gets from a request that has none.
        await auth.authenticate_request(activity(), None)  # type: ignore[arg-type]
    with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'claims'"):
        await auth.authenticate_request(activity(), "")
