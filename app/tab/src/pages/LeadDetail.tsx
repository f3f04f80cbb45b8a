import React from "react";
import {
  Button,
  Dropdown,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  Option,
  Subtitle2,
  Table,
  TableBody,
  TableCell,
  TableRow,
  Text,
  Textarea,
  Title3,
} from "@fluentui/react-components";
import { Api, ApiError, apiPath, type FollowUp, type Lead } from "../api";
import { label } from "../labels";
import { describe } from "../reasons";
import type { Strings } from "../i18n";
import { Problem } from "../App";

// Until the conversation view lands: the typed timeline items, read only for this one-line summary.
type Item = { at: string; id: string; kind: string } & Record<string, unknown>;

export function LeadDetail({ api, strings, leadId, onBack }: { api: Api; strings: Strings; leadId: string; onBack: () => void }) {
  const [lead, setLead] = React.useState<Lead | null>(null);
  const [items, setItems] = React.useState<Item[]>([]);
  const [followUps, setFollowUps] = React.useState<(FollowUp & { outcome?: string | null })[]>([]);
  const [problem, setProblem] = React.useState<string | null>(null);
  const locale = document.documentElement.lang;

  const [note, setNote] = React.useState("");
  const [channel, setChannel] = React.useState("call");
  const [stage, setStage] = React.useState<string | null>(null);
  const [stageReason, setStageReason] = React.useState("");
  const [info, setInfo] = React.useState<string | null>(null);

  const load = React.useCallback(async () => {
    const [detail, timeline, planned] = await Promise.all([
      api.get<Lead>(apiPath`/leads/${leadId}`),
      api.get<{ items: Item[] }>(apiPath`/leads/${leadId}/timeline`),
      api.get<{ items: FollowUp[] }>(apiPath`/follow-ups?scope=lead&lead=${leadId}`),
    ]);
    setLead(detail);
    setItems(timeline.items);
    setFollowUps(planned.items);
  }, [api, leadId]);
  const [consentUrl, setConsentUrl] = React.useState<string | null>(null);
  React.useEffect(() => {
    load().catch(() => setProblem(strings.error));
    // Pull the viewer's mail with this lead from Graph (the server skips it when it did so recently),
    // then show the timeline again with whatever arrived.
    api
      .post<{ status: string; stored: number }>(apiPath`/leads/${leadId}/history/sync`)
      .then((result) => (result.stored > 0 ? load() : undefined))
      .catch((error) => {
        if (error instanceof ApiError && error.status === 403) {
          const body = error.body as { status?: string; admin_consent_url?: string } | null;
          if (body?.status === "consent_required") setConsentUrl(body.admin_consent_url ?? null);
        }
      });
  }, [api, leadId, load, strings]);

  async function run(action: () => Promise<unknown>, done: string) {
    try {
      await action();
      setInfo(done);
      setProblem(null);
    } catch (error) {
      setInfo(null);
      setProblem(error instanceof ApiError && error.status === 409 ? strings.stale : strings.notAllowed);
    }
    await load();
  }

  if (problem && !lead) return <Problem text={problem} />;
  if (!lead) return null;
  return (
    <article style={{ display: "grid", gap: 12, marginTop: 16 }} aria-label={lead.email}>
      <Button onClick={onBack} style={{ justifySelf: "start" }}>
        {strings.back}
      </Button>
      <Title3 as="h2">{`${lead.first_name} ${lead.last_name}`.trim() || lead.email}</Title3>
      {consentUrl !== null && (
        <Text role="status" data-testid="consent-needed">
          {strings.consent}{" "}
          <a href={consentUrl} target="_blank" rel="noreferrer">
            {strings.adminConsent}
          </a>
        </Text>
      )}
      <Text>
        {lead.title ?? ""} · {lead.email} · {strings.stage}: {label("stage", lead.stage, locale)} · {strings.lifecycle}:{" "}
        {label("lifecycle", lead.lifecycle, locale)}
      </Text>
      {problem && <Problem text={problem} />}
      {info && (
        <MessageBar intent="success">
          <MessageBarBody>{info}</MessageBarBody>
        </MessageBar>
      )}
      <form
        aria-label={strings.logTouch}
        style={{ display: "flex", gap: 8, alignItems: "end", flexWrap: "wrap" }}
        onSubmit={(event) => {
          event.preventDefault();
          run(() => api.post(apiPath`/leads/${lead.id}/touchpoints`, { kind: channel, summary: note }), strings.saved).then(
            () => setNote(""),
          );
        }}
      >
        <Field label={strings.logTouch}>
          <Dropdown value={channel} selectedOptions={[channel]} onOptionSelect={(_, d) => setChannel(d.optionValue ?? "call")}>
            <Option value="call">call</Option>
            <Option value="mail">mail</Option>
            <Option value="meeting">meeting</Option>
          </Dropdown>
        </Field>
        <Field label={strings.summary} style={{ flexGrow: 1 }}>
          <Textarea value={note} onChange={(_, d) => setNote(d.value)} />
        </Field>
        <Button type="submit" disabled={!note.trim()}>
          {strings.save}
        </Button>
      </form>
      <div style={{ display: "flex", gap: 8, alignItems: "end", flexWrap: "wrap" }}>
        <Field label={strings.setStage}>
          <Dropdown placeholder={label("stage", lead.stage, locale)} onOptionSelect={(_, d) => setStage(d.optionValue ?? null)}>
            {["awareness", "evaluation", "decision"].map((value) => (
              <Option key={value} value={value}>
                {label("stage", value, locale)}
              </Option>
            ))}
          </Dropdown>
        </Field>
        <Field label={strings.reasonLabel}>
          <Input value={stageReason} onChange={(_, d) => setStageReason(d.value)} />
        </Field>
        <Button
          disabled={!stage || !stageReason.trim()}
          onClick={() =>
            run(
              () => api.request("PUT", apiPath`/leads/${lead.id}/stage`, { stage, reason: stageReason, version: lead.version }),
              strings.saved,
            )
          }
        >
          {strings.save}
        </Button>
        <Button onClick={() => run(() => api.post(apiPath`/leads/${lead.id}/hand-offs`, { version: lead.version }), strings.proposed)}>
          {strings.proposeHandOff}
        </Button>
      </div>
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
      <Subtitle2 as="h3">{strings.followUps}</Subtitle2>
      <ul aria-label={strings.followUps} style={{ margin: 0 }}>
        {followUps.map((item) => (
          <li key={item.id} data-testid="lead-follow-up">
            <Text>
              {new Date(item.due_at).toLocaleString(locale)} — {item.kind} — {item.status}
              {item.outcome ? ` (${item.outcome})` : ""}: {item.reasons.map((r) => describe(r, locale)).join(" · ")}
            </Text>
          </li>
        ))}
      </ul>
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
  if (item.kind === "event") return `: ${item.event}`;
  if (item.kind === "touchpoint") return `: ${item.channel} ${item.summary ?? ""}`;
  if (item.kind === "message") {
    const thread = item.thread as { title?: string | null } | undefined;
    return `: ${thread?.title ?? ""} ${item.preview ?? ""}`;
  }
  if (item.kind === "stage" || item.kind === "lifecycle") return `: ${item.from_value ?? "–"} → ${item.to_value}`;
  return "";
}
