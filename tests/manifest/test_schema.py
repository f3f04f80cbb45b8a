"""The built manifest passes Microsoft's official Teams manifest schema (npm @microsoft/app-manifest)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator, Draft7Validator, FormatChecker, validators
from jsonschema.protocols import Validator

from app.manifest_build import MANIFEST_DIR, TEMPLATE_FILE, ManifestValues, build_manifest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(__file__).resolve().parent / "schema" / "node_modules" / "@microsoft" / "app-manifest"
TEAMS_SCHEMAS = PACKAGE / "build" / "json-schemas" / "teams"
IN_CI = os.environ.get("CI", "").lower() == "true"
# RFC 3986: a scheme, a colon, then no whitespace or characters that must be escaped.
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")
# ECMAScript Unicode property escapes such as \p{L}, which Python's re does not know.
_PROPERTY_ESCAPE = re.compile(r"\\([pP])\{[A-Za-z_=]+\}")


def _schemas_or_skip() -> Path:
    if (PACKAGE / "package.json").is_file():
        return TEAMS_SCHEMAS
    reason = (
        "the Teams manifest schema is not installed: "
        f"cd {PACKAGE.parents[2].relative_to(ROOT)} && npm install --no-audit --no-fund"
    )
    if IN_CI:
        pytest.fail(f"CI must validate the manifest against the official schema, but {reason}")
    pytest.skip(reason)


def _schema_for(manifest: dict[str, Any]) -> dict[str, Any]:
    path = _schemas_or_skip() / f"v{manifest['manifestVersion']}" / "MicrosoftTeams.schema.json"
    # utf-8-sig: some of the package's schema files start with a byte order mark.
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8-sig"))
    return schema


def _python_pattern(pattern: str) -> str:
    r"""An ECMAScript pattern for Python's re: \p{..} becomes \w, a superset of the \p{L} the schema uses."""
    return _PROPERTY_ESCAPE.sub(lambda match: r"\w" if match.group(1) == "p" else r"\W", pattern)


def _ecmascript_pattern(validator: Validator, pattern: str, instance: Any, schema: dict[str, Any]) -> Any:
    return Draft4Validator.VALIDATORS["pattern"](validator, _python_pattern(pattern), instance, schema)


def _formats() -> FormatChecker:
    """The formats ajv-formats checks for the package: uri, email and regex (ECMAScript flavour)."""
    formats = FormatChecker(["email"])
    # jsonschema checks "uri" only with the optional rfc3987 package installed, so check it here.
    formats.checks("uri")(lambda value: not isinstance(value, str) or bool(_URI.match(value)))
    formats.checks("regex", raises=re.error)(
        lambda value: not isinstance(value, str) or bool(re.compile(_python_pattern(value)))
    )
    return formats


def official_validator(schema: dict[str, Any]) -> Validator:
    """A validator that applies the schema the way the package's own ajv-draft-04 check does."""
    base = validators.validator_for(schema)
    assert base is Draft4Validator, f"the schema now declares {schema.get('$schema')}; revisit this validator"
    base.check_schema(schema, format_checker=_formats())
    # The Teams schemas declare draft-04 but also use `const` and `if`/`then`, which plain draft-04 ignores.
    # Microsoft validates them with ajv-draft-04, whose vocabulary includes both, so we add them too.
    keywords = {key: Draft7Validator.VALIDATORS[key] for key in ("const", "if")}
    # types-jsonschema leaves validators.extend unannotated.
    teams = validators.extend(base, {**keywords, "pattern": _ecmascript_pattern})  # type: ignore[no-untyped-call]
    validator: Validator = teams(schema, format_checker=_formats())
    return validator


def _problems(validator: Validator, manifest: dict[str, Any]) -> list[str]:
    return sorted(
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in validator.iter_errors(manifest)
    )


def test_the_built_manifest_is_valid_against_the_official_schema(values: ManifestValues) -> None:
    manifest = build_manifest(values)
    schema = _schema_for(manifest)
    assert _problems(official_validator(schema), manifest) == []
    # The manifest names the very schema it was checked against.
    assert manifest["$schema"] == (
        f"https://developer.microsoft.com/json-schemas/teams/v{manifest['manifestVersion']}/MicrosoftTeams.schema.json"
    )


def test_the_validator_catches_what_teams_would_reject(values: ManifestValues) -> None:
    manifest = build_manifest(values)
    validator = official_validator(_schema_for(manifest))
    broken = json.loads(json.dumps(manifest))
    broken["manifestVersion"] = "1.29"
    broken["bots"][0]["botId"] = "not-a-guid"
    broken["name"]["short"] = "N" * 31
    broken["$schema"] = "not a uri"
    del broken["developer"]["privacyUrl"]
    problems = "\n".join(_problems(validator, broken))
    # manifestVersion is a `const`, which a plain draft-04 validator would let through.
    for where in ("manifestVersion", "bots/0/botId", "name/short", "$schema", "developer"):
        assert f"\n{where}: " in f"\n{problems}", problems


def test_the_template_uses_the_newest_ga_schema_the_package_ships() -> None:
    shipped = [path.name for path in _schemas_or_skip().iterdir() if path.is_dir()]
    # vDevPreview holds preview features that Teams may change; only numbered versions are GA.
    ga = [
        tuple(int(part) for part in name[1:].split("."))
        for name in shipped
        if re.fullmatch(r"v\d+\.\d+", name)
    ]
    assert "vDevPreview" in shipped and ga
    newest = ".".join(map(str, max(ga)))
    template = json.loads((MANIFEST_DIR / TEMPLATE_FILE).read_text(encoding="utf-8"))
    assert template["manifestVersion"] == newest, "a newer GA manifest schema is available"
