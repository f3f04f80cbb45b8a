"""Serves the built tab (app/tab/dist) under /tab/, or a page that says how to build it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from aiohttp import web

TAB_DIST = Path(__file__).parent / "tab" / "dist"
TAB_INDEX = web.AppKey("tab_index", str)

NOT_BUILT = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Nurture tab not built</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>The Nurture tab is not built yet</h1>
<p>The server runs, but the tab's front end has not been compiled. From the repository root run:</p>
<pre>make tab</pre>
<p>(that is <code>npm install</code> and <code>npm run build</code> in <code>app/tab</code>), then reload
this page. <code>make demo</code> does it for you.</p>
</body></html>"""


def _index_loader(dist: Path) -> Callable[[web.Application], AsyncIterator[None]]:
    async def load(app: web.Application) -> AsyncIterator[None]:
        index = dist / "index.html"
        exists = await asyncio.to_thread(index.is_file)
        app[TAB_INDEX] = await asyncio.to_thread(index.read_text, "utf-8") if exists else ""
        yield

    return load


async def tab_page(request: web.Request) -> web.Response:
    """The single-page app; every /tab/ path that is not an asset gets it, so deep links work."""
    html = request.app[TAB_INDEX]
    if not html:
        return web.Response(text=NOT_BUILT, content_type="text/html", status=503)
    # The tab runs inside Teams' iframe; only Teams and this host may frame it.
    headers = {
        "Content-Security-Policy": "frame-ancestors 'self' https://teams.microsoft.com "
        "https://*.teams.microsoft.com https://*.cloud.microsoft https://*.office.com",
        "Cache-Control": "no-cache",
    }
    return web.Response(text=html, content_type="text/html", headers=headers)


async def _to_tab(_request: web.Request) -> web.Response:
    raise web.HTTPFound("/tab/")


def add_tab_routes(app: web.Application, dist: Path = TAB_DIST) -> None:
    """Register /tab/ and its assets, built into ``dist``."""
    app.cleanup_ctx.append(_index_loader(dist))
    app.router.add_get("/tab", _to_tab)
    if (dist / "assets").is_dir():
        app.router.add_static("/tab/assets/", dist / "assets", append_version=False)
    app.router.add_get("/tab/", tab_page)
    app.router.add_get("/tab/{tail:.*}", tab_page)
