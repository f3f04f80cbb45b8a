"""A loopback stand-in for the Teams web client hosting a tab, for browser tests.

Teams shows a tab in an iframe and talks to it through teams-js, which posts messages to its parent
frame and only believes answers from Teams' own origins (``https://teams.microsoft.com`` among them).
This double serves a host page over real TLS (trustme) under that name; Chromium is told to resolve
the name to the double (``--host-resolver-rules``) and to accept the double's certificate and no other
(``--ignore-certificate-errors-spki-list``), so the tab's unmodified teams-js validates the origin as it
does in Teams.

The host page frames the tab and answers the calls the tab makes: ``initialize`` (frame context,
client type and a runtime), ``getContext`` (the user, tenant, locale and the sub-page a card deep link
carries) and ``authentication.getAuthToken``, whose token the page fetches from this server, which asks
the test's ``auth_token`` callback, as Teams asks Entra ID. On a configuration page (frame context
``settings``) it keeps what the tab saves, and ``window.teamsHost.save()`` presses Teams' Save button;
``window.teamsHost.send(func, args)`` sends any other event, such as a theme change.
Every call the tab made, and what it saved, is in the page's ``window.teamsHost``."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import ssl
from collections.abc import Callable
from typing import Any

import trustme
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import serialization

TEAMS_HOST = "teams.microsoft.com"

# What the Teams web client reports to teams-js: the runtime API version teams-js 2.x speaks and the
# capabilities a tab in a team or chat has.
RUNTIME: dict[str, Any] = {
    "apiVersion": 4,
    "isLegacyTeams": False,
    "hostVersionsInfo": {"adaptiveCardSchemaVersion": {"majorVersion": 1, "minorVersion": 5}},
    "supports": {
        "appEntity": {},
        "chat": {},
        "dialog": {"card": {"bot": {}}, "url": {"bot": {}}, "update": {}},
        "pages": {"appButton": {}, "tabs": {}, "config": {}, "backStack": {}, "fullTrust": {}},
        "teams": {"fullTrust": {}},
        "teamsCore": {},
    },
}

HOST_SCRIPT = """
const tabFrame = document.getElementById("tab");
const tabOrigin = new URL(tabFrame.src).origin;
const context = JSON.parse(document.getElementById("context").textContent);
const runtime = document.getElementById("runtime").textContent;
// What the tab told its host, for the test to read.
window.teamsHost = { calls: [], valid: null, settings: null, saved: null };
// An event from Teams to the tab, e.g. ("themeChange", ["dark"]) or Save on a configuration page.
window.teamsHost.send = (func, args) => tabFrame.contentWindow.postMessage({ func, args }, tabOrigin);
window.teamsHost.save = () => window.teamsHost.send("settings.save", [{}]);
window.addEventListener("message", async (event) => {
  // Like Teams, answer only the framed tab, and only at its own origin.
  if (event.source !== tabFrame.contentWindow || event.origin !== tabOrigin) return;
  const request = event.data;
  if (!request || typeof request.func !== "string") return;
  const host = window.teamsHost;
  host.calls.push(request.func);
  const reply = (args) => {
    const answer = { id: request.id, uuidAsString: request.uuidAsString, args };
    tabFrame.contentWindow.postMessage(answer, tabOrigin);
  };
  switch (request.func) {
    case "initialize":
      reply([context.frameContext, context.hostClientType, runtime, "2.58.0"]);
      break;
    case "getContext":
      reply([context]);
      break;
    case "authentication.getAuthToken": {
      const answer = await fetch("/auth-token", { method: "POST" });
      reply(answer.ok ? [true, await answer.text()] : [false, "FailedToObtainToken"]);
      break;
    }
    case "settings.setValidityState":
      host.valid = request.args[0];
      break;
    case "settings.setSettings":
      host.settings = request.args[0];
      reply([true]);
      break;
    case "settings.save.success":
      host.saved = true;
      break;
    case "settings.save.failure":
      host.saved = request.args[0] || "failed";
      break;
    default:
      // Other notifications (appInitialization.success, registerHandler, ...) need no answer.
      break;
  }
});
"""


class TeamsHostDouble:
    """The Teams web client, reduced to hosting one tab for one signed-in user."""

    def __init__(self, *, tab_url: str, context: dict[str, Any], auth_token: Callable[[], str]) -> None:
        self.tab_url = tab_url
        self.context = {"frameContext": "content", "hostClientType": "web", "hostName": "Teams", **context}
        self._auth_token = auth_token
        self.tokens_issued = 0
        ca = trustme.CA()
        self._leaf = ca.issue_cert(TEAMS_HOST)
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """The host page, under Teams' own name."""
        return f"https://{TEAMS_HOST}/v2/"

    def chromium_args(self) -> list[str]:
        """Flags that send Teams' name to this double and trust its certificate, and only its."""
        certificate = x509.load_pem_x509_certificate(self._leaf.cert_chain_pems[0].bytes())
        spki = certificate.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return [
            f"--host-resolver-rules=MAP {TEAMS_HOST} 127.0.0.1:{self.port}",
            f"--ignore-certificate-errors-spki-list={base64.b64encode(hashlib.sha256(spki).digest()).decode()}",
        ]

    async def __aenter__(self) -> TeamsHostDouble:
        app = web.Application()
        app.router.add_get("/v2/", self._page)
        app.router.add_post("/auth-token", self._token)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._leaf.configure_cert(tls)
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=tls)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _page(self, _request: web.Request) -> web.Response:
        # JSON inside <script type=application/json> must not be able to close the element.
        def embedded(value: Any) -> str:
            return json.dumps(value).replace("</", "<\\/")

        page = (
            "<!doctype html><html><head><meta charset='utf-8'><title>Microsoft Teams (double)</title></head>"
            "<body style='margin:0'>"
            f"<iframe id='tab' title='Nurture' src='{html.escape(self.tab_url, quote=True)}'"
            " style='width:100vw;height:100vh;border:0'></iframe>"
            f"<script type='application/json' id='context'>{embedded(self.context)}</script>"
            f"<script type='application/json' id='runtime'>{embedded(RUNTIME)}</script>"
            f"<script>{HOST_SCRIPT}</script></body></html>"
        )
        return web.Response(text=page, content_type="text/html")

    async def _token(self, _request: web.Request) -> web.Response:
        self.tokens_issued += 1
        return web.Response(text=self._auth_token())
