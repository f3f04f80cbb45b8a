"""The documentation and the deployment files name only settings that exist, and document every one.

README.md's Configuration table is what an installer reads; infra/ is what runs in production. Both must
agree with the one Settings object in app/config.py, in both directions, or a renamed or new setting
silently does nothing in production.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, TypeAdapter
from pydantic.fields import FieldInfo

from app.config import Settings

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
INFRA = ROOT / "infra"

NAME = re.compile(r"\bNURTURE_[A-Z0-9_]*[A-Z0-9]\b")
ROW = re.compile(r"^\|\s*`(NURTURE_[A-Z0-9_]+)`\s*\|(.*?)\|(.*)\|\s*$")
# Environment variables that README.md mentions which are not settings of the running service.
NOT_SETTINGS = {"NURTURE_TEST_PG_URL"}
STATEMENT = re.compile(r"(param|var|resource|module|output|targetScope|type|func|import)\b")


def setting_name(field: str) -> str:
    return f"NURTURE_{field.upper()}"


SETTINGS: dict[str, FieldInfo] = {setting_name(name): info for name, info in Settings.model_fields.items()}


def configuration_table() -> dict[str, str]:
    """README.md's Configuration table: setting name -> the default cell as written."""
    text = README.read_text("utf-8")
    match = re.search(r"^## Configuration\n(.*?)(?=^## )", text, flags=re.MULTILINE | re.DOTALL)
    assert match, "README.md has no '## Configuration' section"
    rows: dict[str, str] = {}
    for line in match.group(1).splitlines():
        row = ROW.match(line)
        if row:
            name, default = row.group(1), row.group(2).strip()
            assert name not in rows, f"{name} appears twice in README.md's Configuration table"
            rows[name] = default
    assert rows, "README.md's Configuration section has no `NURTURE_...` rows"
    return rows


def infra_files() -> list[Path]:
    """The deployment files that set or mention settings."""
    files = sorted(INFRA.rglob("*.bicep"))
    assert files, "infra/ has no Bicep files"
    return [*files, INFRA / "Dockerfile", INFRA / "docker-entrypoint.sh", INFRA / "README.md"]


def test_every_table_row_is_a_setting() -> None:
    unknown = sorted(set(configuration_table()) - set(SETTINGS))
    assert not unknown, f"README.md's Configuration table lists settings that app/config.py lacks: {unknown}"


def test_every_setting_is_in_the_table() -> None:
    missing = sorted(set(SETTINGS) - set(configuration_table()))
    assert not missing, f"README.md's Configuration table lacks these settings of app/config.py: {missing}"


def _default(info: FieldInfo) -> Any:
    value = info.get_default(call_default_factory=True)
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def _documented(name: str, cell: str) -> Any:
    """The value a default cell stands for, read the way the setting itself reads the environment."""
    if cell == "unset":
        return None
    literal = re.fullmatch(r"`([^`]*)`", cell)
    assert literal, f"{name}: write the default as `value` or unset, not {cell!r}"
    annotation = SETTINGS[name].annotation
    assert annotation is not None, f"{name}: the setting has no type"
    value = TypeAdapter(annotation).validate_python(literal.group(1))
    return value.get_secret_value() if isinstance(value, SecretStr) else value


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_documented_default_matches(name: str) -> None:
    table = configuration_table()
    if name not in table:
        pytest.skip(f"{name} is not in the table (test_every_setting_is_in_the_table says so)")
    assert _documented(name, table[name]) == _default(SETTINGS[name]), (
        f"README.md documents {name} with default {table[name]}, but app/config.py has "
        f"{_default(SETTINGS[name])!r}"
    )


def test_readme_mentions_only_real_settings() -> None:
    unknown = sorted(set(NAME.findall(README.read_text("utf-8"))) - set(SETTINGS) - NOT_SETTINGS)
    assert not unknown, f"README.md mentions settings that app/config.py lacks: {unknown}"


@pytest.mark.parametrize("path", infra_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_infra_uses_only_real_settings(path: Path) -> None:
    unknown = sorted(set(NAME.findall(path.read_text("utf-8"))) - set(SETTINGS))
    assert not unknown, f"{path.relative_to(ROOT)} uses settings that app/config.py lacks: {unknown}"


def test_container_app_sets_what_production_needs() -> None:
    """Without these, `nurture serve` refuses to start (app/startup_checks.py) or runs on SQLite."""
    used = set(NAME.findall((INFRA / "main.bicep").read_text("utf-8")))
    needed = {
        "NURTURE_DATABASE_URL",
        "NURTURE_HOST",
        "NURTURE_PUBLIC_URL",
        "NURTURE_ENTRA_CLIENT_ID",
        "NURTURE_ENTRA_APP_ID_URI",
        "NURTURE_BOT_APP_ID",
        "NURTURE_BOT_APP_TYPE",
        "NURTURE_BOT_TENANT_ID",
        "NURTURE_BOT_APP_PASSWORD",
    }
    assert needed <= used, f"infra/main.bicep does not set {sorted(needed - used)}"


def _undescribed_params(text: str) -> list[str]:
    lines = text.splitlines()
    found = []
    for index, line in enumerate(lines):
        declared = re.match(r"param\s+(\w+)", line)
        if not declared:
            continue
        decorators = []
        for previous in reversed(lines[:index]):
            if not previous.strip() or STATEMENT.match(previous):
                break
            decorators.append(previous.strip())
        if not any(decorator.startswith("@description(") for decorator in decorators):
            found.append(declared.group(1))
    return found


@pytest.mark.parametrize("path", sorted(INFRA.rglob("*.bicep")), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_bicep_parameter_is_described(path: Path) -> None:
    text = path.read_text("utf-8")
    assert re.search(r"^param\s", text, flags=re.MULTILINE), f"{path} declares no parameters"
    missing = _undescribed_params(text)
    assert not missing, f"{path.relative_to(ROOT)}: parameters without @description: {missing}"
