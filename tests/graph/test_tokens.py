"""Graph tokens with a certificate instead of a secret: msal signs a client assertion the identity double
verifies against the registered certificate."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from app.config import Settings
from app.graph.tokens import GraphAuthError, GraphTokens
from tests.doubles.identity import IdentityDouble

CLIENT_ID = "5b1b0a9e-0000-4000-8000-0000000ce271"
TENANT = "3f2c1d9e-7b4a-4e2f-9c1d-0de70de70de7"


@pytest.fixture(scope="module")
def identity(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IdentityDouble]:
    double = IdentityDouble(tmp_path_factory.mktemp("cert-identity")).start()
    double.grant_app_roles(CLIENT_ID, ["Mail.Read"])
    yield double
    double.stop()


def _certificate(tmp_path: Path, name: str) -> tuple[Path, str, bytes]:
    leaf = trustme.CA().issue_cert(name, key_type=trustme.KeyType.RSA)  # Entra ID takes RSA certificates
    chain = leaf.cert_chain_pems[0].bytes()
    pem = tmp_path / f"{name}.pem"
    pem.write_bytes(leaf.private_key_pem.bytes() + chain)
    der = x509.load_pem_x509_certificate(chain).public_bytes(Encoding.DER)
    return pem, hashlib.sha1(der).hexdigest().upper(), chain


def _settings(identity: IdentityDouble, pem: Path, thumbprint: str) -> Settings:
    return Settings(
        entra_client_id=CLIENT_ID,
        graph_certificate_file=str(pem),
        graph_certificate_thumbprint=thumbprint,
        graph_authority=identity.base_url,
        tls_ca_file=str(identity.ca_file),
    )


async def test_an_application_token_with_a_registered_certificate(
    identity: IdentityDouble, tmp_path: Path
) -> None:
    pem, thumbprint, chain = _certificate(tmp_path, "nurture-graph")
    identity.add_client_certificate(CLIENT_ID, chain)
    tokens = GraphTokens(_settings(identity, pem, thumbprint))
    assert tokens.configured
    token = await tokens.for_application(tenant_id=TENANT)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["roles"] == ["Mail.Read"] and claims["appid"] == CLIENT_ID


async def test_an_unregistered_certificate_is_refused(identity: IdentityDouble, tmp_path: Path) -> None:
    pem, thumbprint, _ = _certificate(tmp_path, "stranger")
    tokens = GraphTokens(_settings(identity, pem, thumbprint))
    with pytest.raises(GraphAuthError) as refused:
        await tokens.for_application(tenant_id=TENANT)
    assert refused.value.code == "invalid_client"
