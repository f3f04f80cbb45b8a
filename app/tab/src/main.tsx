import React from "react";
import { createRoot } from "react-dom/client";
import {
  FluentProvider,
  teamsDarkTheme,
  teamsHighContrastTheme,
  teamsLightTheme,
  type Theme,
} from "@fluentui/react-components";
import { app, authentication } from "@microsoft/teams-js";
import { App } from "./App";
import { ChannelTabConfig } from "./pages/ChannelTabConfig";
import { stringsFor } from "./i18n";
import { asId, type Auth } from "./api";

const THEMES: Record<string, Theme> = {
  default: teamsLightTheme,
  dark: teamsDarkTheme,
  contrast: teamsHighContrastTheme,
};

type Boot = {
  inTeams: boolean;
  locale: string;
  timeZone: string | null;
  theme: string;
  leadId: string | null;
  view: string | null;
};

async function boot(): Promise<Boot> {
  const params = new URLSearchParams(window.location.search);
  try {
    // Outside Teams initialize never settles, so give up after a moment and run as a plain web page.
    await Promise.race([
      app.initialize(),
      new Promise((_, reject) => setTimeout(() => reject(new Error("not in Teams")), 1500)),
    ]);
    const context = await app.getContext();
    return {
      inTeams: true,
      locale: context.app.locale,
      timeZone: context.app.osLocaleInfo?.timezone ?? null,
      theme: context.app.theme || "default",
      // Deep links from cards carry the lead id; anyone can post a deep link, so only a uuid is taken.
      leadId: asId(context.page.subPageId),
      view: context.page.frameContext === "settings" ? "config" : params.get("view"),
    };
  } catch {
    return {
      inTeams: false,
      locale: params.get("locale") || navigator.language || "en",
      timeZone: null, // the member's stored zone, from /api/v1/me
      theme: params.get("theme") || "default",
      leadId: asId(params.get("lead")),
      view: params.get("view"),
    };
  }
}

function Root({ start }: { start: Boot }) {
  const [theme, setTheme] = React.useState(start.theme);
  React.useEffect(() => {
    if (start.inTeams) app.registerOnThemeChangeHandler(setTheme);
  }, [start.inTeams]);
  const strings = stringsFor(start.locale);
  const sso: Auth | null = start.inTeams ? { kind: "sso", token: () => authentication.getAuthToken() } : null;
  return (
    <FluentProvider theme={THEMES[theme] ?? teamsLightTheme} style={{ minHeight: "100vh" }}>
      {start.view === "config" ? (
        <ChannelTabConfig strings={strings} />
      ) : (
        <App
          strings={strings}
          locale={start.locale}
          timeZone={start.timeZone}
          sso={sso}
          initialLead={start.leadId}
          initialView={start.view}
        />
      )}
    </FluentProvider>
  );
}

boot().then((start) => {
  document.documentElement.lang = start.locale.slice(0, 2);
  createRoot(document.getElementById("root")!).render(<Root start={start} />);
});
