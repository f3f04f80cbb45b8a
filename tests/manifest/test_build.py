"""The package: filled placeholders, the tab entries of tabs.json, commands the bot knows, and the icons."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import TypedDict

import pytest
from PIL import Image, ImageChops

from app.manifest_build import (
    MANIFEST_DIR,
    TABS_FILE,
    ManifestSettingsError,
    ManifestValues,
    build_manifest,
    manifest_values,
    write_package,
)
from bot.commands import Command, parse
from tests.manifest.conftest import BOT_APP_ID, CLIENT_ID, HOST, TEAMS_APP_ID, make_settings


class PackageOptions(TypedDict, total=False):
    """The command-line options of `nurture manifest` that a case sets."""

    version: str
    privacy_url: str
    terms_url: str


def _pixel(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    """One pixel's channel values; Pillow types a pixel as a number too, which only one-band images give."""
    pixel = image.getpixel(xy)
    assert isinstance(pixel, tuple), f"a {image.mode} image has no per-channel pixels"
    return pixel


def test_placeholders_are_filled_from_the_settings(values: ManifestValues) -> None:
    manifest = build_manifest(values)
    assert "{{" not in json.dumps(manifest)
    assert manifest["id"] == TEAMS_APP_ID and manifest["version"] == "1.4.2"
    assert manifest["bots"][0]["botId"] == BOT_APP_ID
    assert manifest["webApplicationInfo"] == {"id": CLIENT_ID, "resource": f"api://{HOST}/{CLIENT_ID}"}
    assert manifest["validDomains"] == [HOST]
    assert "$comment" not in manifest


def test_the_tabs_come_from_tabs_json(values: ManifestValues) -> None:
    manifest = build_manifest(values)
    tabs = json.loads((MANIFEST_DIR / TABS_FILE).read_text(encoding="utf-8"))
    assert [tab["entityId"] for tab in manifest["staticTabs"]] == [
        tab["entityId"] for tab in tabs["staticTabs"]
    ]
    # {locale} is Teams' own placeholder; only the {{host}} ones are ours.
    assert manifest["staticTabs"][0]["contentUrl"] == f"https://{HOST}/tab/?locale={{locale}}"
    assert manifest["configurableTabs"][0]["configurationUrl"] == f"https://{HOST}/tab/?view=config"


def test_every_listed_command_is_one_the_bot_understands(values: ManifestValues) -> None:
    lists = {
        tuple(entry["scopes"]): entry["commands"]
        for entry in build_manifest(values)["bots"][0]["commandLists"]
    }
    personal = [command["title"] for command in lists[("personal",)]]
    group = [command["title"] for command in lists[("team", "groupChat")]]
    assert personal == ["help", "my follow-ups", "lead", "pipeline"]
    # The bot answers "my follow-ups" only in a 1:1 chat, so teams and group chats do not offer it.
    assert group == ["help", "lead", "pipeline"]
    for title in personal:
        assert parse(title).command is not Command.UNKNOWN, title


def test_an_explicit_application_id_uri_is_kept_when_it_names_the_host() -> None:
    uri = f"api://{HOST}/botid-{BOT_APP_ID}"
    values = manifest_values(make_settings(entra_app_id_uri=uri), version="1.0.0")
    assert build_manifest(values)["webApplicationInfo"]["resource"] == uri


def test_the_zip_holds_exactly_the_manifest_and_both_icons(values: ManifestValues, tmp_path: Path) -> None:
    package = write_package(build_manifest(values), out_dir=tmp_path)
    assert package.zip_path == tmp_path / "nurture-1.4.2.zip"
    with zipfile.ZipFile(package.zip_path) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        assert archive.read("manifest.json") == package.manifest_path.read_bytes()
        color = Image.open(io.BytesIO(archive.read("color.png")))
        outline = Image.open(io.BytesIO(archive.read("outline.png")))
    manifest = json.loads(package.manifest_path.read_text(encoding="utf-8"))
    assert (color.format, color.size) == ("PNG", (192, 192))
    assert (outline.format, outline.size, outline.mode) == ("PNG", (32, 32), "RGBA")
    # Teams tints the outline icon itself: it must be white on a transparent background, nothing else.
    pixels = [_pixel(outline, (x, y)) for y in range(32) for x in range(32)]
    assert {pixel[:3] for pixel in pixels if pixel[3]} == {(255, 255, 255)}
    assert sum(1 for pixel in pixels if pixel[3] == 0) > len(pixels) // 2
    assert all(_pixel(outline, corner)[3] == 0 for corner in ((0, 0), (31, 0), (0, 31), (31, 31)))
    # The colour icon's background is the accent colour, so the Teams tile around it matches.
    accent = manifest["accentColor"].lstrip("#")
    assert _pixel(color.convert("RGB"), (0, 0)) == tuple(int(accent[i : i + 2], 16) for i in (0, 2, 4))


def test_the_same_inputs_give_a_byte_identical_package(values: ManifestValues, tmp_path: Path) -> None:
    first = write_package(build_manifest(values), out_dir=tmp_path / "a").zip_path.read_bytes()
    second = write_package(build_manifest(values), out_dir=tmp_path / "b").zip_path.read_bytes()
    assert first == second


def test_the_committed_icons_are_what_make_icons_draws() -> None:
    from manifest.make_icons import color_icon, outline_icon

    for name, drawn in (("color.png", color_icon()), ("outline.png", outline_icon())):
        committed = Image.open(MANIFEST_DIR / name)
        assert committed.mode == drawn.mode and committed.size == drawn.size
        # A small tolerance, so a Pillow upgrade that resamples a shade differently does not fail this.
        assert max(ImageChops.difference(committed, drawn).tobytes()) <= 2, name


def test_missing_settings_are_each_named() -> None:
    settings = make_settings(
        public_url="http://127.0.0.1:3978", teams_app_id=None, bot_app_id=None, entra_client_id=None
    )
    with pytest.raises(ManifestSettingsError) as refused:
        manifest_values(settings, version="1.0.0")
    problems = refused.value.problems
    for name in (
        "NURTURE_PUBLIC_URL",
        "NURTURE_TEAMS_APP_ID",
        "NURTURE_BOT_APP_ID",
        "NURTURE_ENTRA_CLIENT_ID",
    ):
        assert sum(problem.startswith(name) for problem in problems) == 1, (name, problems)
    assert len(problems) == 4


@pytest.mark.parametrize(
    "public_url",
    [
        f"http://{HOST}",
        "https://localhost",
        "https://127.0.0.1:8443",
        "https://[::1]",
        "https://0.0.0.0",
        f"https://{HOST}/nurture",
        f"https://{HOST}:notaport",
        HOST,
    ],
)
def test_a_public_url_teams_cannot_use_is_refused(public_url: str) -> None:
    with pytest.raises(ManifestSettingsError) as refused:
        manifest_values(make_settings(public_url=public_url), version="1.0.0")
    assert [problem.split(" ")[0] for problem in refused.value.problems] == ["NURTURE_PUBLIC_URL"]


def test_allow_local_accepts_the_local_default_for_test_packages() -> None:
    values = manifest_values(
        make_settings(public_url="http://127.0.0.1:3978"), version="1.0.0", allow_local=True
    )
    assert values.host == "127.0.0.1:3978"
    assert values.entra_app_id_uri == f"api://127.0.0.1:3978/{CLIENT_ID}"


@pytest.mark.parametrize(
    ("changes", "options", "named"),
    [
        ({"teams_app_id": "nurture"}, {}, "NURTURE_TEAMS_APP_ID"),
        ({"bot_app_id": "28:0b6e2f3a"}, {}, "NURTURE_BOT_APP_ID"),
        ({"entra_client_id": "  "}, {}, "NURTURE_ENTRA_CLIENT_ID"),
        ({"entra_app_id_uri": f"api://other.example/{CLIENT_ID}"}, {}, "NURTURE_ENTRA_APP_ID_URI"),
        ({}, {"version": "1.0"}, "--version"),
        ({}, {"version": "1.02.0"}, "--version"),
        ({}, {"privacy_url": "http://contoso.example/privacy"}, "--privacy-url"),
        ({}, {"terms_url": "terms"}, "--terms-url"),
    ],
)
def test_a_bad_value_is_refused_naming_its_setting(
    changes: dict[str, str], options: PackageOptions, named: str
) -> None:
    with pytest.raises(ManifestSettingsError) as refused:
        given: PackageOptions = {"version": "1.0.0", **options}
        manifest_values(make_settings(**changes), **given)
    assert [problem.split(" ")[0] for problem in refused.value.problems] == [named]
