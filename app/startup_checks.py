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


def problems(settings: Settings) -> list[str]:
    """Every reason not to start, in the order a person would fix them."""
    found: list[str] = []
    if settings.local_mode:
        if not _loopback(settings.host):
            # Behind a reverse proxy every request comes from loopback, so binding wider than loopback
            # would hand the dev sign-in and the unauthenticated bot endpoint to the whole network.
            found.append(
                f"NURTURE_HOST={settings.host} serves the dev sign-in and unauthenticated bot traffic off "
                "loopback: set NURTURE_BOT_APP_ID and NURTURE_ENTRA_CLIENT_ID, or NURTURE_HOST=127.0.0.1"
            )
        return found
    if not settings.bot_app_id:
        found.append(
            "NURTURE_BOT_APP_ID is missing: without it the bot endpoint accepts unauthenticated traffic"
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
