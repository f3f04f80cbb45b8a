import React from "react";
import { Tab, TabList, Title3 } from "@fluentui/react-components";
import { makeApi, ok, type Auth, type Member } from "./api";
import type { Strings } from "./i18n";
import { Problem } from "./components/Problem";
import { makeWords, WordsProvider, type Words } from "./words";
import { DevSignIn } from "./pages/DevSignIn";
import { FollowUps } from "./pages/FollowUps";
import { DeliveryProblems } from "./pages/DeliveryProblems";
import { HandOffs } from "./pages/HandOffs";
import { Leads } from "./pages/Leads";
import { LeadDetail } from "./pages/LeadDetail";
import { Pipeline } from "./pages/Pipeline";
import { Settings } from "./pages/Settings";

type Page = "followups" | "leads" | "handoffs" | "pipeline" | "settings";

// Each page is offered to whoever may call the operation it is built on (the API's own role rules).
const PAGES: { page: Page; operation: string }[] = [
  { page: "followups", operation: "get_follow_ups" },
  { page: "leads", operation: "get_leads" },
  { page: "handoffs", operation: "get_hand_offs" },
  { page: "pipeline", operation: "get_pipeline" },
  { page: "settings", operation: "get_settings" },
];

export function App({
  strings,
  locale,
  timeZone,
  sso,
  initialLead,
  initialView,
}: {
  strings: Strings;
  locale: string;
  timeZone: string | null;
  sso: Auth | null;
  initialLead: string | null;
  initialView: string | null;
}) {
  const [auth, setAuth] = React.useState<Auth | null>(sso ?? storedDevAuth());
  const [me, setMe] = React.useState<Member | null>(null);
  const [words, setWords] = React.useState<Words | null>(null);
  const [page, setPage] = React.useState<Page | null>(null);
  const [lead, setLead] = React.useState<string | null>(initialLead);
  const [problem, setProblem] = React.useState<string | null>(null);
  const api = React.useMemo(() => (auth ? makeApi(auth) : null), [auth]);

  React.useEffect(() => {
    if (!api) return;
    Promise.all([ok(api.GET("/api/v1/me")), ok(api.GET("/api/v1/vocabulary"))])
      .then(([body, vocabulary]) => {
        // Teams tells the zone the person works in; outside Teams the member's stored zone stands in.
        setWords(makeWords(vocabulary, locale, timeZone ?? body.member.time_zone ?? null));
        setMe(body.member);
      })
      .catch(() => setProblem(strings.notAllowed));
  }, [api, strings, locale, timeZone]);

  if (!auth) {
    return (
      <DevSignIn
        strings={strings}
        onSignIn={(tenant, email) => {
          const value: Auth = { kind: "dev", tenant, email };
          sessionStorage.setItem("nurture.dev", JSON.stringify({ tenant, email }));
          setAuth(value);
        }}
      />
    );
  }
  if (!api || !me || !words) {
    return problem ? <Problem text={problem} /> : null;
  }
  const offered = PAGES.filter((entry) => words.can(entry.operation)).map((entry) => entry.page);
  const shown: Page = page ?? (offered.includes(initialView as Page) ? (initialView as Page) : "followups");
  const titles: Record<Page, string> = {
    followups: strings.followUps,
    leads: strings.leads,
    handoffs: strings.handOffs,
    pipeline: strings.pipeline,
    settings: strings.settings,
  };
  return (
    <WordsProvider words={words}>
      <main style={{ padding: 16 }} aria-label={strings.appTitle}>
        <header style={{ display: "flex", alignItems: "center", gap: 24, flexWrap: "wrap" }}>
          <Title3 as="h1">{strings.appTitle}</Title3>
          <TabList
            selectedValue={shown}
            onTabSelect={(_, data) => {
              setLead(null);
              setPage(data.value as Page);
            }}
          >
            {offered.map((entry) => (
              <Tab key={entry} value={entry}>
                {titles[entry]}
              </Tab>
            ))}
          </TabList>
          <span style={{ marginLeft: "auto" }} data-testid="signed-in-as" data-free-text>
            {me.display_name}
          </span>
        </header>
        {lead ? (
          <LeadDetail api={api} strings={strings} leadId={lead} onBack={() => setLead(null)} />
        ) : shown === "followups" ? (
          <FollowUps api={api} strings={strings} onOpen={setLead} />
        ) : shown === "leads" ? (
          <Leads api={api} strings={strings} me={me} onOpen={setLead} />
        ) : shown === "handoffs" ? (
          <>
            <HandOffs api={api} strings={strings} onOpen={setLead} />
            {words.can("get_delivery_problems") && <DeliveryProblems api={api} strings={strings} />}
          </>
        ) : shown === "pipeline" ? (
          <Pipeline api={api} strings={strings} onOpen={setLead} />
        ) : (
          <Settings api={api} strings={strings} />
        )}
      </main>
    </WordsProvider>
  );
}

function storedDevAuth(): Auth | null {
  const saved = sessionStorage.getItem("nurture.dev");
  if (!saved) return null;
  const { tenant, email } = JSON.parse(saved);
  return { kind: "dev", tenant, email };
}
