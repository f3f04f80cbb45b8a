"""Build the Teams app package: manifest.json from the template and settings, zipped with the two icons."""

from __future__ import annotations

import ipaddress
import json
import re
import struct
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from app.config import Settings

# The repository's manifest/ folder: template, tab entries and icons.
MANIFEST_DIR = Path(__file__).resolve().parents[1] / "manifest"
TEMPLATE_FILE = "manifest.template.json"
TABS_FILE = "tabs.json"
# Teams rejects a package whose icons have other sizes, so the build checks them before zipping.
ICONS: Mapping[str, tuple[int, int]] = {"color.png": (192, 192), "outline.png": (32, 32)}

# The manifest schema's own patterns for its "guid" and "semver" definitions.
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_SEMVER = re.compile(r"^([0-9]|[1-9]+[0-9]*)\.([0-9]|[1-9]+[0-9]*)\.([0-9]|[1-9]+[0-9]*)$")
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
# Zip entries get this fixed time, so the same inputs always give a byte-identical package.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_NEW_GUID_HINT = "python -c 'import uuid; print(uuid.uuid4())'"


class ManifestSettingsError(Exception):
    """Settings that cannot make an installable package; ``problems`` names each setting at fault."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True, slots=True)
class ManifestValues:
    """The values the template's ``{{placeholders}}`` are filled with."""

    host: str
    teams_app_id: str
    bot_app_id: str
    entra_client_id: str
    entra_app_id_uri: str
    version: str
    privacy_url: str
    terms_url: str

    def placeholders(self) -> dict[str, str]:
        """Placeholder name to value."""
        return {
            "host": self.host,
            "teams_app_id": self.teams_app_id,
            "bot_app_id": self.bot_app_id,
            "entra_client_id": self.entra_client_id,
            "entra_app_id_uri": self.entra_app_id_uri,
            "version": self.version,
            "privacy_url": self.privacy_url,
            "terms_url": self.terms_url,
        }


@dataclass(frozen=True, slots=True)
class Package:
    """What ``write_package`` wrote."""

    manifest_path: Path
    zip_path: Path


def _is_local(hostname: str) -> bool:
    if hostname == "localhost" or hostname.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(hostname)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _host_of(public_url: str, allow_local: bool, problems: list[str]) -> str | None:
    """The host name (and port, if any) Teams loads the tab from, or None after recording why not."""
    parts = urlsplit(public_url.strip())
    hostname = parts.hostname
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when asked for it
    except ValueError:
        hostname = None
    if parts.scheme not in ("https", "http") or not hostname:
        problems.append(
            f"NURTURE_PUBLIC_URL must be an https URL such as https://nurture.example.com, got {public_url!r}"
        )
        return None
    if parts.username or parts.password or parts.query or parts.fragment or parts.path not in ("", "/"):
        # The tab and bot routes hang off the root (/tab/, /api/messages), so a path could not be honoured.
        problems.append(
            "NURTURE_PUBLIC_URL must be the bare origin Nurture is served at (https://<host>), "
            f"got {public_url!r}"
        )
        return None
    if not allow_local:
        if _is_local(hostname):
            problems.append(
                f"NURTURE_PUBLIC_URL is {public_url!r}, which Teams clients cannot reach; set it to the "
                "public https address of this deployment (or pass --allow-local for a package used only "
                "in tests)"
            )
            return None
        if parts.scheme != "https":
            problems.append(
                "NURTURE_PUBLIC_URL must use https, because Teams loads tabs only over https; "
                f"got {public_url!r}"
            )
            return None
    return parts.netloc.lower()


def _guid(name: str, value: str | None, purpose: str, problems: list[str]) -> str:
    if not value or not value.strip():
        problems.append(f"{name} is not set: {purpose}")
        return ""
    value = value.strip()
    if not _GUID.match(value):
        problems.append(f"{name} must be a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), got {value!r}")
    return value


def _https_url(option: str, value: str, problems: list[str]) -> str:
    if urlsplit(value).scheme != "https" or not urlsplit(value).hostname:
        problems.append(f"{option} must be an https URL, got {value!r}")
    return value


def default_version() -> str | None:
    """The installed nurture distribution's version, the package version unless --version is given."""
    try:
        return installed_version("nurture")
    except PackageNotFoundError:
        return None


def manifest_values(
    settings: Settings,
    *,
    version: str | None = None,
    allow_local: bool = False,
    privacy_url: str | None = None,
    terms_url: str | None = None,
) -> ManifestValues:
    """Check the settings a package needs and derive the placeholder values; reports every problem at once."""
    problems: list[str] = []
    host = _host_of(settings.public_url, allow_local, problems)
    teams_app_id = _guid(
        "NURTURE_TEAMS_APP_ID",
        settings.teams_app_id,
        f"the Teams app id, a GUID you choose once and keep for every version (e.g. {_NEW_GUID_HINT})",
        problems,
    )
    bot_app_id = _guid(
        "NURTURE_BOT_APP_ID",
        settings.bot_app_id,
        "the Microsoft App id of the Azure Bot registration whose messaging endpoint is /api/messages",
        problems,
    )
    client_id = _guid(
        "NURTURE_ENTRA_CLIENT_ID",
        settings.entra_client_id,
        "the Entra ID application (client) id the tab signs users in with (Teams SSO)",
        problems,
    )
    app_id_uri = (settings.entra_app_id_uri or "").strip()
    if host is not None and client_id:
        if not app_id_uri:
            app_id_uri = f"api://{host}/{client_id}"
        elif not app_id_uri.startswith(f"api://{host}/"):
            # Teams issues SSO tokens to a tab only when the resource names the domain the tab is loaded from.
            problems.append(
                f"NURTURE_ENTRA_APP_ID_URI must be api://{host}/<client-id> (the host of "
                f"NURTURE_PUBLIC_URL), got {app_id_uri!r}"
            )
    app_version = version or default_version()
    if not app_version or not _SEMVER.match(app_version):
        problems.append(
            f"--version must be X.Y.Z (three numbers, as Teams requires), got {app_version!r}"
            if app_version
            else "--version is needed: the nurture distribution is not installed, so its version is unknown"
        )
    tab_url = f"https://{host}/tab/"
    privacy = _https_url("--privacy-url", privacy_url, problems) if privacy_url else tab_url
    terms = _https_url("--terms-url", terms_url, problems) if terms_url else tab_url
    if problems or host is None or app_version is None:
        raise ManifestSettingsError(problems)
    return ManifestValues(
        host=host,
        teams_app_id=teams_app_id,
        bot_app_id=bot_app_id,
        entra_client_id=client_id,
        entra_app_id_uri=app_id_uri,
        version=app_version,
        privacy_url=privacy,
        terms_url=terms,
    )


def _fill(node: Any, values: Mapping[str, str]) -> Any:
    """The JSON tree with ``{{name}}`` replaced inside string leaves, so a value can never break the JSON."""
    if isinstance(node, str):

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in values:
                raise ValueError(f"the manifest template uses an unknown placeholder {{{{{name}}}}}")
            return values[name]

        return _PLACEHOLDER.sub(substitute, node)
    if isinstance(node, list):
        return [_fill(item, values) for item in node]
    if isinstance(node, dict):
        return {key: _fill(value, values) for key, value in node.items()}
    return node


def _read_json(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold a JSON object")
    # "$comment" documents the file for people; the manifest schema allows no such property.
    data.pop("$comment", None)
    return data


def build_manifest(values: ManifestValues, *, source: Path = MANIFEST_DIR) -> dict[str, Any]:
    """The manifest: the template with the tab entries of tabs.json merged in, placeholders filled."""
    template = _read_json(source / TEMPLATE_FILE)
    tabs = _read_json(source / TABS_FILE)
    clash = sorted(set(tabs) & set(template))
    if clash:
        raise ValueError(f"{TABS_FILE} and {TEMPLATE_FILE} both declare {', '.join(clash)}")
    merged: dict[str, Any] = {}
    for key, value in template.items():
        if key == "bots":
            # Tabs go before the bot, where Microsoft's samples keep them.
            merged.update(tabs)
        merged[key] = value
    merged.update({key: value for key, value in tabs.items() if key not in merged})
    filled: dict[str, Any] = _fill(merged, values.placeholders())
    return filled


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, which the format puts first."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def write_package(manifest: Mapping[str, Any], *, out_dir: Path, source: Path = MANIFEST_DIR) -> Package:
    """Write manifest.json and nurture-<version>.zip (it and both icons, at the zip root) to ``out_dir``."""
    icons: dict[str, bytes] = {}
    for name, expected in ICONS.items():
        data = (source / name).read_bytes()
        size = png_size(data)
        if size != expected:
            raise ValueError(
                f"{source / name} is {size[0]}x{size[1]}; Teams needs {expected[0]}x{expected[1]}"
            )
        icons[name] = data
    document = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = out_dir / "manifest.json"
    manifest_path.write_bytes(document)
    zip_path = out_dir / f"nurture-{manifest['version']}.zip"
    with zipfile.ZipFile(zip_path, "w") as package:
        package.writestr(_entry("manifest.json"), document)
        for name, data in icons.items():
            package.writestr(_entry(name), data)
    return Package(manifest_path=manifest_path, zip_path=zip_path)
