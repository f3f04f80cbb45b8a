"""Refuse to serve with settings that would be unsafe or cannot work, naming each setting at fault."""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlparse

from app.config import Settings


class UnsafeSettings(Exception):
    """One or more settings are missing or unsafe; ``problems`` names each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _local_problems(settings: Settings) -> list[str]:
    """Local mode hands out a dev sign-in and an unauthenticated bot: only where nobody else reaches."""
    found: list[str] = []
    if settings.entra_client_id or settings.bot_app_id:
        found.append(
            "NURTURE_LOCAL_MODE=true with NURTURE_BOT_APP_ID or NURTURE_ENTRA_CLIENT_ID set: a configured "
            "install is not local; unset NURTURE_LOCAL_MODE"
        )
    if not _loopback(settings.host):
        found.append(
            f"NURTURE_HOST={settings.host} serves the dev sign-in and unauthenticated bot traffic off "
            "loopback: set NURTURE_HOST=127.0.0.1, or unset NURTURE_LOCAL_MODE and configure Entra ID"
        )
    url = urlparse(settings.public_url)
    if url.scheme == "https" and not _loopback(url.hostname or ""):
        # An https address others reach means this server is deployed, most likely behind a proxy, where
        # every request arrives from loopback.
        found.append(
            f"NURTURE_PUBLIC_URL={settings.public_url} is a deployed address: local mode is for this "
            "machine only; unset NURTURE_LOCAL_MODE"
        )
    if settings.trusted_proxies:
        found.append(
            "NURTURE_TRUSTED_PROXIES is set: behind a proxy, requests come from other machines; "
            "unset NURTURE_LOCAL_MODE"
        )
    return found


def problems(settings: Settings) -> list[str]:
    """Every reason not to start, in the order a person would fix them."""
    found: list[str] = []
    if settings.local_mode:
        return _local_problems(settings)
    if not settings.bot_app_id:
        found.append(
            "NURTURE_BOT_APP_ID is missing: the bot cannot check who sends it activities "
            "(to try Nurture on this machine, set NURTURE_LOCAL_MODE=true)"
        )
    if not settings.entra_client_id:
        found.append("NURTURE_ENTRA_CLIENT_ID is missing: the tab would have no sign-in")
    if settings.bot_app_id and settings.bot_app_type != "UserAssignedMSI":
        has_certificate = bool(settings.bot_certificate_file and settings.bot_certificate_thumbprint)
        if not settings.bot_app_password and not has_certificate:
            found.append(
                "NURTURE_BOT_APP_PASSWORD is missing (or set NURTURE_BOT_CERTIFICATE_FILE and "
                "NURTURE_BOT_CERTIFICATE_THUMBPRINT): the bot cannot sign its replies"
            )
        if settings.bot_certificate_file and not os.access(settings.bot_certificate_file, os.R_OK):
            found.append(f"NURTURE_BOT_CERTIFICATE_FILE={settings.bot_certificate_file} cannot be read")
    if settings.bot_app_type in ("SingleTenant", "UserAssignedMSI") and settings.bot_app_id:
        if not settings.bot_tenant_id:
            found.append(f"NURTURE_BOT_TENANT_ID is missing: a {settings.bot_app_type} bot needs its tenant")
    url = urlparse(settings.public_url)
    if url.scheme != "https" or _loopback(url.hostname or ""):
        found.append(
            f"NURTURE_PUBLIC_URL={settings.public_url} must be the public https address Teams reaches"
        )
    for name in ("bot_openid_metadata_url", "bot_login_url", "sso_jwks_url"):
        if urlparse(getattr(settings, name)).scheme != "https":
            found.append(f"NURTURE_{name.upper()} must use https")
    return found


def ensure_safe(settings: Settings) -> None:
    """Raise UnsafeSettings when ``problems`` finds any."""
    found = problems(settings)
    if found:
        raise UnsafeSettings(found)
