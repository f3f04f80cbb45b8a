import React from "react";
import { Button, Card, CardHeader, Dropdown, Field, Input, Option, Text } from "@fluentui/react-components";
import { Api, apiPath, type Lead, type Reason } from "../api";
import { label } from "../labels";
import { describe } from "../reasons";
import type { Strings } from "../i18n";
import { Problem } from "../App";

type HandOff = { id: string; lead_id: string; evidence: Reason[]; proposed_at: string };
type Rejection = { code?: string; until?: string; note?: string };
// The coded reasons of the API (RecycleReason), in the order a team lead reads them.
const RECYCLE_REASONS = [
  "no_budget",
  "bad_timing",
  "no_authority",
  "under_contract",
  "not_interested",
  "no_response",
  "not_a_fit",
];

function ready(rejection: Rejection | undefined): boolean {
  if (!rejection?.code) return false;
  return rejection.code !== "under_contract" || Boolean(rejection.until);
}

export function HandOffs({ api, strings, onOpen }: { api: Api; strings: Strings; onOpen: (lead: string) => void }) {
  const locale = document.documentElement.lang;
  const [items, setItems] = React.useState<HandOff[] | null>(null);
  const [leads, setLeads] = React.useState<Record<string, Lead>>({});
  const [rejections, setRejections] = React.useState<Record<string, Rejection>>({});
  const edit = (id: string, change: Rejection) =>
    setRejections((current) => ({ ...current, [id]: { ...current[id], ...change } }));
  const [problem, setProblem] = React.useState<string | null>(null);

  const load = React.useCallback(async () => {
    const body = await api.get<{ items: HandOff[] }>(apiPath`/hand-offs`);
    setItems(body.items);
    const details = await Promise.all(body.items.map((item) => api.get<Lead>(apiPath`/leads/${item.lead_id}`)));
    setLeads(Object.fromEntries(details.map((lead) => [lead.id, lead])));
  }, [api]);
  React.useEffect(() => {
    load().catch(() => setProblem(strings.notAllowed));
  }, [load, strings]);

  async function decide(item: HandOff, accept: boolean) {
    try {
      if (accept) await api.post(apiPath`/hand-offs/${item.id}/accept`);
      else {
        const rejection = rejections[item.id] ?? {};
        await api.post(apiPath`/hand-offs/${item.id}/reject`, {
          reason_code: rejection.code,
          ...(rejection.until ? { until: rejection.until } : {}),
          ...(rejection.note?.trim() ? { note: rejection.note.trim() } : {}),
        });
      }
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
              description={lead ? `${strings.score} ${lead.total_score} · ${label("stage", lead.stage, locale)}` : ""}
            />
            <Text>
              {strings.evidence}: {item.evidence.map((reason) => describe(reason, locale)).join(" · ")}
            </Text>
            <div style={{ display: "flex", gap: 8, alignItems: "end" }}>
              <Button appearance="primary" onClick={() => decide(item, true)}>
                {strings.accept}
              </Button>
              <Field label={strings.rejectWhy}>
                <Dropdown
                  aria-label={strings.rejectWhy}
                  value={rejections[item.id]?.code ? strings.recycleReasons[rejections[item.id]?.code ?? ""] : ""}
                  selectedOptions={rejections[item.id]?.code ? [rejections[item.id]?.code ?? ""] : []}
                  onOptionSelect={(_, data) => edit(item.id, { code: data.optionValue })}
                >
                  {RECYCLE_REASONS.map((code) => (
                    <Option key={code} value={code}>
                      {strings.recycleReasons[code]}
                    </Option>
                  ))}
                </Dropdown>
              </Field>
              <Field label={strings.rejectUntil}>
                <Input
                  type="date"
                  value={rejections[item.id]?.until ?? ""}
                  onChange={(_, data) => edit(item.id, { until: data.value })}
                />
              </Field>
              <Field label={strings.rejectNote}>
                <Input
                  value={rejections[item.id]?.note ?? ""}
                  maxLength={500}
                  onChange={(_, data) => edit(item.id, { note: data.value })}
                />
              </Field>
              <Button disabled={!ready(rejections[item.id])} onClick={() => decide(item, false)}>
                {strings.reject}
              </Button>
            </div>
          </Card>
        );
      })}
    </section>
  );
}
