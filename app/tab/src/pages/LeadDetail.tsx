import React from "react";
import { Button, Subtitle2, Table, TableBody, TableCell, TableRow, Text, Title3 } from "@fluentui/react-components";
import { Api, type Lead } from "../api";
import type { Strings } from "../i18n";
import { Problem } from "../App";

type Item = { at: string; id: string; kind: string; data: Record<string, unknown> };

export function LeadDetail({ api, strings, leadId, onBack }: { api: Api; strings: Strings; leadId: string; onBack: () => void }) {
  const [lead, setLead] = React.useState<Lead | null>(null);
  const [items, setItems] = React.useState<Item[]>([]);
  const [problem, setProblem] = React.useState<string | null>(null);
  const locale = document.documentElement.lang;

  React.useEffect(() => {
    Promise.all([api.get<Lead>(`/leads/${leadId}`), api.get<{ items: Item[] }>(`/leads/${leadId}/timeline`)])
      .then(([detail, timeline]) => {
        setLead(detail);
        setItems(timeline.items);
      })
      .catch(() => setProblem(strings.error));
  }, [api, leadId, strings]);

  if (problem) return <Problem text={problem} />;
  if (!lead) return null;
  return (
    <article style={{ display: "grid", gap: 12, marginTop: 16 }} aria-label={lead.email}>
      <Button onClick={onBack} style={{ justifySelf: "start" }}>
        {strings.back}
      </Button>
      <Title3 as="h2">{`${lead.first_name} ${lead.last_name}`.trim() || lead.email}</Title3>
      <Text>
        {lead.title ?? ""} · {lead.email} · {strings.stage}: {lead.stage} · {strings.lifecycle}: {lead.lifecycle}
      </Text>
      <Subtitle2 as="h3">
        {strings.scoreWhy}: {lead.total_score}
      </Subtitle2>
      <Table aria-label={strings.scoreWhy} size="small">
        <TableBody>
          {lead.score_explanation.map((item) => (
            <TableRow key={item.rule_id}>
              <TableCell>{item.label}</TableCell>
              <TableCell>{item.points > 0 ? `+${item.points}` : item.points}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Subtitle2 as="h3">{strings.timeline}</Subtitle2>
      <ol aria-label={strings.timeline} style={{ margin: 0 }}>
        {items.map((item) => (
          <li key={item.id} data-testid="timeline-item">
            <Text>
              {new Date(item.at).toLocaleString(locale)} — {item.kind}
              {summary(item)}
            </Text>
          </li>
        ))}
      </ol>
    </article>
  );
}

function summary(item: Item): string {
  const data = item.data;
  if (item.kind === "event") return `: ${data.event}`;
  if (item.kind === "touchpoint") return `: ${data.channel} ${data.summary ?? ""}`;
  if (item.kind === "message") return `: ${data.subject ?? ""} ${data.preview ?? ""}`;
  if (item.kind === "stage" || item.kind === "lifecycle") return `: ${data.from ?? "–"} → ${data.to}`;
  return "";
}
