import React from "react";
import { Tab, TabList, Title3, MessageBar, MessageBarBody } from "@fluentui/react-components";
import { Api, apiPath, type Auth, type Member } from "./api";
import type { Strings } from "./i18n";
import { DevSignIn } from "./pages/DevSignIn";
import { FollowUps } from "./pages/FollowUps";
import { DeliveryProblems } from "./pages/DeliveryProblems";
import { HandOffs } from "./pages/HandOffs";
import { Leads } from "./pages/Leads";
import { LeadDetail } from "./pages/LeadDetail";
import { Pipeline } from "./pages/Pipeline";
import { Settings } from "./pages/Settings";

type Page = "followups" | "leads" | "handoffs" | "pipeline" | "settings";

const PAGES: Page[] = ["followups", "leads", "handoffs", "pipeline", "settings"];

export function App({
  strings,
  sso,
  initialLead,
  initialView,
}: {
  strings: Strings;
  sso: Auth | null;
  initialLead: string | null;
  initialView: string | null;
}) {
  const [auth, setAuth] = React.useState<Auth | null>(sso ?? storedDevAuth());
  const [me, setMe] = React.useState<Member | null>(null);
  const [page, setPage] = React.useState<Page>(
    PAGES.includes(initialView as Page) ? (initialView as Page) : "followups",
  );
  const [lead, setLead] = React.useState<string | null>(initialLead);
  const [problem, setProblem] = React.useState<string | null>(null);
  const api = React.useMemo(() => (auth ? new Api(auth) : null), [auth]);

  React.useEffect(() => {
    if (!api) return;
    api
      .get<{ member: Member }>(apiPath`/me`)
      .then((body) => setMe(body.member))
      .catch(() => setProblem(strings.notAllowed));
  }, [api, strings]);

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
  if (!api || !me) {
    return problem ? <Problem text={problem} /> : null;
  }
  const canManage = me.role === "admin" || me.role === "manager";
  const canPipeline = canManage || me.role === "lead";
  return (
    <main style={{ padding: 16 }} aria-label={strings.appTitle}>
      <header style={{ display: "flex", alignItems: "center", gap: 24 }}>
        <Title3 as="h1">{strings.appTitle}</Title3>
        <TabList
          selectedValue={page}
          onTabSelect={(_, data) => {
            setLead(null);
            setPage(data.value as Page);
          }}
        >
          <Tab value="followups">{strings.followUps}</Tab>
          <Tab value="leads">{strings.leads}</Tab>
          {canPipeline && <Tab value="handoffs">{strings.handOffs}</Tab>}
          {canPipeline && <Tab value="pipeline">{strings.pipeline}</Tab>}
          {canManage && <Tab value="settings">{strings.settings}</Tab>}
        </TabList>
        <span style={{ marginLeft: "auto" }} data-testid="signed-in-as">
          {me.display_name}
        </span>
      </header>
      {lead ? (
        <LeadDetail api={api} strings={strings} leadId={lead} onBack={() => setLead(null)} />
      ) : page === "followups" ? (
        <FollowUps api={api} strings={strings} onOpen={setLead} />
      ) : page === "leads" ? (
        <Leads api={api} strings={strings} me={me} onOpen={setLead} />
      ) : page === "handoffs" ? (
        <>
          <HandOffs api={api} strings={strings} onOpen={setLead} />
          <DeliveryProblems api={api} strings={strings} />
        </>
      ) : page === "pipeline" ? (
        <Pipeline api={api} strings={strings} showHealth={canManage} onOpen={setLead} />
      ) : (
        <Settings api={api} strings={strings} canEdit={me.role === "admin"} />
      )}
    </main>
  );
}

export function Problem({ text }: { text: string }) {
  return (
    <MessageBar intent="error" role="alert">
      <MessageBarBody>{text}</MessageBarBody>
    </MessageBar>
  );
}

function storedDevAuth(): Auth | null {
  const saved = sessionStorage.getItem("nurture.dev");
  if (!saved) return null;
  const { tenant, email } = JSON.parse(saved);
  return { kind: "dev", tenant, email };
}
