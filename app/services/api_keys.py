"""Per-tenant API keys for webhooks: shown once, stored as a hash, checked in constant time."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
import uuid
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import event
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import SessionMaker, transaction
from app.models import ApiKey
from app.nurturing.enums import Role
from app.services.access import Caller
from app.services.errors import NotAllowed, NotFound

PREFIX = "nk"


def _hash(secret: str) -> str:
    # The secret is 256 random bits, so a plain SHA-256 is enough; a slow password hash buys nothing here.
    return hashlib.sha256(secret.encode()).hexdigest()


def _require_admin(caller: Caller) -> None:
    if caller.role is not Role.ADMIN:
        raise NotAllowed("only admins manage API keys")


async def create_api_key(*, session: AsyncSession, caller: Caller, name: str) -> tuple[ApiKey, str]:
    """A new key and its full text, which is never shown again."""
    _require_admin(caller)
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    row = ApiKey(
        tenant_id=caller.tenant_id,
        key_id=key_id,
        secret_hash=_hash(secret),
        name=name.strip()[:120] or "integration",
        created_by=caller.member_id,
        created_at=caller.now,
    )
    session.add(row)
    await session.flush()
    return row, f"{PREFIX}_{key_id}_{secret}"


async def list_api_keys(*, session: AsyncSession, caller: Caller) -> Sequence[ApiKey]:
    """The tenant's keys, newest first, without secrets."""
    _require_admin(caller)
    statement = (
        select(ApiKey).where(ApiKey.tenant_id == caller.tenant_id).order_by(col(ApiKey.created_at).desc())
    )
    return (await session.exec(statement)).all()


async def revoke_api_key(*, session: AsyncSession, caller: Caller, key: uuid.UUID) -> ApiKey:
    """Stop a key from working, keeping the row for the audit trail."""
    _require_admin(caller)
    row = (
        await session.exec(select(ApiKey).where(ApiKey.tenant_id == caller.tenant_id, ApiKey.id == key))
    ).first()
    if row is None:
        raise NotFound("api key", key)
    row.revoked_at = row.revoked_at or caller.now
    session.add(row)
    forget_key(session=session, key_id=row.key_id)
    await session.flush()
    return row


# "Last used" is shown to admins to the minute. Stamping every call would make every webhook call of a key
# write, and wait for, the same row: concurrent posts of one integration would queue on it.
LAST_USED_PRECISION = timedelta(minutes=1)


async def authenticate_api_key(*, session: AsyncSession, presented: str, now: datetime) -> tuple[ApiKey, str]:
    """The live key behind a presented key text, and its secret for signature checks; NotAllowed otherwise."""
    key_id, secret = _split(presented)
    # The key id is public and unique, so this one lookup carries no tenant filter: the key names its tenant.
    row = (await session.exec(select(ApiKey).where(ApiKey.key_id == key_id))).first()
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.secret_hash, _hash(secret)):
        raise NotAllowed("unknown or revoked api key")
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_PRECISION:
        row.last_used_at = now
        session.add(row)
    return row, secret


@dataclass(frozen=True, slots=True)
class VerifiedKey:
    """What a webhook call needs of its key once the key checked out; never the secret."""

    key_id: str
    tenant_id: str
    secret_hash: str
    last_used_at: datetime | None


# A verified key's record is kept this long per process, so a stream of webhook calls does not read, and
# wait for a pooled connection to read, the same row each time. The presented secret is still hashed and
# compared on every call; only the row is reused. Revoking through this process applies at once
# (``forget_key``); a revocation made by another instance applies here within this many seconds.
KEY_TTL_SECONDS = 5.0
_verified: weakref.WeakKeyDictionary[object, dict[str, tuple[float, VerifiedKey]]] = (
    weakref.WeakKeyDictionary()
)


def _split(presented: str) -> tuple[str, str]:
    prefix, _, rest = presented.strip().partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != PREFIX or not key_id or not secret:
        raise NotAllowed("malformed api key")
    return key_id, secret


async def verify_api_key(*, sessions: SessionMaker, presented: str, now: datetime) -> tuple[VerifiedKey, str]:
    """``authenticate_api_key`` in its own short transaction, its row reused for a few seconds."""
    key_id, secret = _split(presented)
    engine = sessions.kw["bind"]
    entries = _verified.setdefault(engine, {})
    held = entries.get(key_id)
    if held is not None and time.monotonic() - held[0] < KEY_TTL_SECONDS:
        key = held[1]
        stamped = key.last_used_at is not None and now - key.last_used_at < LAST_USED_PRECISION
        if stamped:
            if not hmac.compare_digest(key.secret_hash, _hash(secret)):
                raise NotAllowed("unknown or revoked api key")
            return key, secret
    # One read per key at a time: when the record runs out, a stream of concurrent calls would otherwise
    # each read (and queue for a pooled connection to read) the same row, and every call arriving while
    # they wait would miss too. Calls presenting the same text share the one read; another text waits
    # for it and then reads for itself, so a wrong secret never rides on a right one.
    lookups = _lookups.setdefault(engine, {})
    pending = lookups.get(key_id)
    if pending is not None and hmac.compare_digest(pending[0], presented):
        key = await asyncio.shield(pending[1])
        return key, secret
    if pending is not None:
        await asyncio.wait([pending[1]])
    lookup = asyncio.ensure_future(_look_up(sessions, presented, now, entries, lookups))
    lookups[key_id] = (presented, lookup)
    lookup.add_done_callback(lambda done: _forget_lookup(lookups, key_id, done))
    key = await asyncio.shield(lookup)
    return key, secret


# A key's read under way: the key text it checks and the read itself.
_Lookups = dict[str, tuple[str, "asyncio.Future[VerifiedKey]"]]
_lookups: weakref.WeakKeyDictionary[object, _Lookups] = weakref.WeakKeyDictionary()


def _forget_lookup(lookups: _Lookups, key_id: str, done: asyncio.Future[VerifiedKey]) -> None:
    if lookups.get(key_id, ("", None))[1] is done:
        del lookups[key_id]
    if not done.cancelled():
        done.exception()  # retrieved here, so a failure nobody awaits any more is not reported as lost


async def _look_up(
    sessions: SessionMaker,
    presented: str,
    now: datetime,
    entries: dict[str, tuple[float, VerifiedKey]],
    lookups: _Lookups,
) -> VerifiedKey:
    # The transaction ends before the caller checks the body's signature: no connection is held for it.
    async with transaction(sessions) as session:
        row, _ = await authenticate_api_key(session=session, presented=presented, now=now)
        key = VerifiedKey(row.key_id, row.tenant_id, row.secret_hash, row.last_used_at)
    # Kept only if no revocation dropped this lookup meanwhile (``forget_key``).
    if lookups.get(key.key_id, ("", None))[1] is asyncio.current_task():
        entries[key.key_id] = (time.monotonic(), key)
    return key


def forget_key(*, session: AsyncSession, key_id: str) -> None:
    """Drop a key's cached record now and again once this transaction commits, so no call that verified
    it in between keeps it."""
    engine = session.bind

    def drop(*_: object) -> None:
        _verified.get(engine, {}).pop(key_id, None)
        _lookups.get(engine, {}).pop(key_id, None)

    drop()
    event.listen(session.sync_session, "after_commit", drop, once=True)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The expected ``X-Nurture-Signature`` header: HMAC-SHA256 over ``timestamp.body``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"
