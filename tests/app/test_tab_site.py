"""The tab's page: served when built, and a clear how-to-build page when not."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from pytest_aiohttp import AiohttpClient

from app.tab_site import add_tab_routes


async def test_an_unbuilt_tab_says_how_to_build_it(aiohttp_client: AiohttpClient, tmp_path: Path) -> None:
    app = web.Application()
    add_tab_routes(app, dist=tmp_path / "missing")
    client = await aiohttp_client(app)
    response = await client.get("/tab/")
    assert response.status == 503
    text = await response.text()
    assert "not built" in text and "make tab" in text


async def test_a_built_tab_serves_deep_links_and_assets(
    aiohttp_client: AiohttpClient, tmp_path: Path
) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>Nurture</title>", encoding="utf-8")
    (tmp_path / "assets" / "app.js").write_text("console.log(1)", encoding="utf-8")
    app = web.Application()
    add_tab_routes(app, dist=tmp_path)
    client = await aiohttp_client(app)
    for path in ("/tab/", "/tab/leads/123?x=1"):
        response = await client.get(path)
        assert response.status == 200 and "Nurture" in await response.text()
        assert "frame-ancestors" in response.headers["Content-Security-Policy"]
    asset = await client.get("/tab/assets/app.js")
    assert asset.status == 200 and await asset.text() == "console.log(1)"
    redirect = await client.get("/tab", allow_redirects=False)
    assert redirect.status == 302 and redirect.headers["Location"] == "/tab/"
