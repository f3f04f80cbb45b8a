import React from "react";
import { Button, Card, CardHeader, Dropdown, Field, Input, Option, Text } from "@fluentui/react-components";
import { ok, type Api, type HandOff, type Lead } from "../api";
import { describe } from "../reasons";
import type { Strings } from "../i18n";
import { Problem } from "../components/Problem";
import { useWords } from "../words";
import type { components } from "../generated/openapi";

type ReasonCode = components["schemas"]["RejectIn"]["reason_code"];
type Rejection = { code?: ReasonCode; until?: string; note?: string };

function ready(rejection: Rejection | undefined): boolean {
  if (!rejection?.code) return false;
  return rejection.code !== "under_contract" || Boolean(rejection.until);
}

export function HandOffs({ api, strings, onOpen }: { api: Api; strings: Strings; onOpen: (lead: string) => void }) {
  const words = useWords();
  const canDecide = words.can("accept_hand_off");
  const [items, setItems] = React.useState<HandOff[] | null>(null);
  const [leads, setLeads] = React.useState<Record<string, Lead>>({});
  const [rejections, setRejections] = React.useState<Record<string, Rejection>>({});
  const edit = (id: string, change: Rejection) =>
    setRejections((current) => ({ ...current, [id]: { ...current[id], ...change } }));
  const [problem, setProblem] = React.useState<string | null>(null);

  const load = React.useCallback(async () => {
    const body = await ok(api.GET("/api/v1/hand-offs"));
    setItems(body.items);
    const details = await Promise.all(
      body.items.map((item) => ok(api.GET("/api/v1/leads/{id}", { params: { path: { id: item.lead_id } } }))),
    );
    setLeads(Object.fromEntries(details.map((lead) => [lead.id, lead])));
  }, [api]);
  React.useEffect(() => {
    load().catch(() => setProblem(strings.notAllowed));
  }, [load, strings]);

  async function decide(item: HandOff, accept: boolean) {
    try {
      const path = { id: item.id };
      if (accept) await ok(api.POST("/api/v1/hand-offs/{id}/accept", { params: { path } }));
      else {
        const rejection = rejections[item.id] ?? {};
        if (!rejection.code) return;
        await ok(
          api.POST("/api/v1/hand-offs/{id}/reject", {
            params: { path },
            body: {
              reason_code: rejection.code,
              ...(rejection.until ? { until: rejection.until } : {}),
              ...(rejection.note?.trim() ? { note: rejection.note.trim() } : {}),
            },
          }),
        );
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
                <Button appearance="transparent" onClick={() => onOpen(item.lead_id)} data-free-text>
                  {lead ? `${lead.first_name} ${lead.last_name}`.trim() || lead.email : "…"}
                </Button>
              }
              description={lead ? `${strings.score} ${lead.total_score} · ${words.label("stage", lead.stage)}` : ""}
            />
            <Text>
              {strings.evidence}: {item.evidence.map((reason) => describe(reason, words)).join(" · ")}
            </Text>
            {canDecide && (
            <div style={{ display: "flex", gap: 8, alignItems: "end", flexWrap: "wrap" }}>
              <Button appearance="primary" onClick={() => decide(item, true)}>
                {strings.accept}
              </Button>
              <Field label={strings.rejectWhy}>
                <Dropdown
                  aria-label={strings.rejectWhy}
                  value={rejections[item.id]?.code ? words.label("recycle_reason", rejections[item.id]?.code ?? "") : ""}
                  selectedOptions={rejections[item.id]?.code ? [rejections[item.id]?.code ?? ""] : []}
                  onOptionSelect={(_, data) => edit(item.id, { code: data.optionValue as ReasonCode | undefined })}
                >
                  {words.codes("recycle_reason").map((code) => (
                    <Option key={code} value={code}>
                      {words.label("recycle_reason", code)}
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
            )}
          </Card>
        );
      })}
    </section>
  );
}
