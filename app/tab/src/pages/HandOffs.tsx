import React from "react";
import { Button, Card, CardHeader, Field, Input, Text } from "@fluentui/react-components";
import { Api, type Lead, type Reason } from "../api";
import type { Strings } from "../i18n";
import { Problem } from "../App";

type HandOff = { id: string; lead_id: string; evidence: Reason[]; proposed_at: string };

function evidenceText(reason: Reason): string {
  const params = Object.entries(reason.params)
    .filter(([, value]) => value !== "")
    .map(([key, value]) => `${key} ${value}`)
    .join(", ");
  return params ? `${reason.code} (${params})` : reason.code;
}

export function HandOffs({ api, strings, onOpen }: { api: Api; strings: Strings; onOpen: (lead: string) => void }) {
  const [items, setItems] = React.useState<HandOff[] | null>(null);
  const [leads, setLeads] = React.useState<Record<string, Lead>>({});
  const [reasons, setReasons] = React.useState<Record<string, string>>({});
  const [problem, setProblem] = React.useState<string | null>(null);

  const load = React.useCallback(async () => {
    const body = await api.get<{ items: HandOff[] }>("/hand-offs");
    setItems(body.items);
    const details = await Promise.all(body.items.map((item) => api.get<Lead>(`/leads/${item.lead_id}`)));
    setLeads(Object.fromEntries(details.map((lead) => [lead.id, lead])));
  }, [api]);
  React.useEffect(() => {
    load().catch(() => setProblem(strings.notAllowed));
  }, [load, strings]);

  async function decide(item: HandOff, accept: boolean) {
    try {
      if (accept) await api.post(`/hand-offs/${item.id}/accept`);
      else await api.post(`/hand-offs/${item.id}/reject`, { reason: reasons[item.id] ?? "" });
      setProblem(null);
    } catch {
      setProblem(strings.error);
    }
    await load();
  }

  if (problem && items === null) return <Problem text={problem} />;
  if (items === null) return null;
  return (
    <section aria-label={strings.handOffs} style={{ display: "grid", gap: 12, marginTop: 16 }}>
      {problem && <Problem text={problem} />}
      {items.length === 0 && <Text>{strings.noHandOffs}</Text>}
      {items.map((item) => {
        const lead = leads[item.lead_id];
        return (
          <Card key={item.id} data-testid="hand-off">
            <CardHeader
              header={
                <Button appearance="transparent" onClick={() => onOpen(item.lead_id)}>
                  {lead ? `${lead.first_name} ${lead.last_name}`.trim() || lead.email : "…"}
                </Button>
              }
              description={lead ? `${strings.score} ${lead.total_score} · ${lead.stage}` : ""}
            />
            <Text>
              {strings.evidence}: {item.evidence.map(evidenceText).join(" · ")}
            </Text>
            <div style={{ display: "flex", gap: 8, alignItems: "end" }}>
              <Button appearance="primary" onClick={() => decide(item, true)}>
                {strings.accept}
              </Button>
              <Field label={strings.reasonLabel}>
                <Input
                  value={reasons[item.id] ?? ""}
                  onChange={(_, data) => setReasons({ ...reasons, [item.id]: data.value })}
                />
              </Field>
              <Button disabled={!(reasons[item.id] ?? "").trim()} onClick={() => decide(item, false)}>
                {strings.reject}
              </Button>
            </div>
          </Card>
        );
      })}
    </section>
  );
}
