import React from "react";
import {
  Badge,
  Button,
  Card,
  Dropdown,
  Field,
  Input,
  Link,
  Option,
  Subtitle2,
  Tab,
  TabList,
  Table,
  TableBody,
  TableCell,
  TableRow,
  Text,
  Textarea,
  Title3,
} from "@fluentui/react-components";
import { ApiError, ok, type Api, type FollowUp, type Lead } from "../api";
import { describe } from "../reasons";
import type { Strings } from "../i18n";
import { Problem, Success } from "../components/Problem";
import { useWords } from "../words";
import {
  activitySentence,
  byDay,
  effectSentence,
  threads,
  type ActivityEntry,
  type Entry,
  type HistoryState,
  type MessageEntry,
  type Thread,
} from "../timeline";
import type { components } from "../generated/openapi";

type Filter = "all" | "mail" | "chat" | "activity";
type TouchKind = components["schemas"]["TouchpointIn"]["kind"];
type Stage = components["schemas"]["StageIn"]["stage"];

export function LeadDetail({ api, strings, leadId, onBack }: { api: Api; strings: Strings; leadId: string; onBack: () => void }) {
  const words = useWords();
  const [lead, setLead] = React.useState<Lead | null>(null);
  const [followUps, setFollowUps] = React.useState<FollowUp[]>([]);
  const [problem, setProblem] = React.useState<string | null>(null);
  const [info, setInfo] = React.useState<string | null>(null);
  const [filter, setFilter] = React.useState<Filter>("all");
  const [items, setItems] = React.useState<Entry[] | null>(null);
  const [cursor, setCursor] = React.useState<string | null>(null);
  const [history, setHistory] = React.useState<HistoryState | null>(null);
  const [consentUrl, setConsentUrl] = React.useState<string | null>(null);

  const [note, setNote] = React.useState("");
  const [channel, setChannel] = React.useState<TouchKind>("call");
  const [stage, setStage] = React.useState<Stage | null>(null);
  const [stageReason, setStageReason] = React.useState("");

  const path = React.useMemo(() => ({ id: leadId }), [leadId]);
  const loadLead = React.useCallback(async () => {
    const [detail, planned] = await Promise.all([
      ok(api.GET("/api/v1/leads/{id}", { params: { path } })),
      ok(api.GET("/api/v1/follow-ups", { params: { query: { scope: "lead", lead: leadId } } })),
    ]);
    setLead(detail);
    setFollowUps(planned.items);
  }, [api, path, leadId]);
  const loadTimeline = React.useCallback(
    async (more: string | null) => {
      const page = await ok(
        api.GET("/api/v1/leads/{id}/timeline", {
          params: { path, query: { filter, limit: 100, ...(more ? { cursor: more } : {}) } },
        }),
      );
      setItems((current) => (more && current ? [...current, ...page.items] : page.items));
      setCursor(page.next_cursor);
      setHistory(page.history);
    },
    [api, path, filter],
  );

  React.useEffect(() => {
    loadLead().catch(() => setProblem(strings.error));
    // Pull the viewer's mail with this lead from Graph (the server skips it when it did so recently),
    // then show the conversation again with whatever arrived.
    ok(api.POST("/api/v1/leads/{id}/history/sync", { params: { path } }))
      .then((result) => ((result.stored ?? 0) > 0 ? loadTimeline(null) : undefined))
      .catch((error) => {
        if (error instanceof ApiError && error.status === 403) {
          const body = error.body as { status?: string; admin_consent_url?: string } | null;
          if (body?.status === "consent_required") setConsentUrl(body.admin_consent_url ?? "");
        }
      });
    // The sync runs once per visit; the timeline below reloads on its own when the filter changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, path, loadLead, strings]);
  React.useEffect(() => {
    setItems(null);
    loadTimeline(null).catch(() => setProblem(strings.error));
  }, [loadTimeline, strings]);

  async function run(action: () => Promise<unknown>, done: string) {
    try {
      await action();
      setInfo(done);
      setProblem(null);
    } catch (error) {
      setInfo(null);
      setProblem(error instanceof ApiError && error.status === 409 ? strings.stale : strings.notAllowed);
    }
    await Promise.all([loadLead(), loadTimeline(null)]).catch(() => undefined);
  }

  if (problem && !lead) return <Problem text={problem} />;
  if (!lead) return null;
  const name = `${lead.first_name} ${lead.last_name}`.trim() || lead.email;
  const entries = items ?? [];
  const conversation = threads(entries, strings);
  const activity = entries.filter((item): item is ActivityEntry => item.kind !== "message");
  const needsConsent = consentUrl !== null || history?.status === "consent_required";
  const consentLink = consentUrl || history?.admin_consent_url || null;

  return (
    <article style={{ display: "grid", gap: 12, marginTop: 16 }} aria-label={name}>
      <Button onClick={onBack} style={{ justifySelf: "start" }}>
        {strings.back}
      </Button>
      <Title3 as="h2" data-free-text>
        {name}
      </Title3>
      <Text>
        <span data-free-text>{[lead.title, lead.email].filter(Boolean).join(" · ")}</span> · {strings.stage}: {words.label("stage", lead.stage)} ·{" "}
        {strings.lifecycle}: {words.label("lifecycle", lead.lifecycle)} · {strings.score}: {words.number(lead.total_score)}
      </Text>
      {problem && <Problem text={problem} />}
      {info && <Success text={info} />}

      <section aria-labelledby="conversation-heading" style={{ display: "grid", gap: 8 }}>
        <Subtitle2 as="h3" id="conversation-heading">
          {strings.conversation}
        </Subtitle2>
        <TabList
          aria-label={strings.showing}
          selectedValue={filter}
          onTabSelect={(_, data) => setFilter(data.value as Filter)}
          data-testid="conversation-filter"
        >
          <Tab value="all">{strings.filterAll}</Tab>
          <Tab value="mail">{strings.filterMail}</Tab>
          <Tab value="chat">{strings.filterChat}</Tab>
          <Tab value="activity">{strings.filterActivity}</Tab>
        </TabList>
        {needsConsent && (
          <Text role="status" data-testid="consent-needed">
            {strings.consent}{" "}
            {consentLink && (
              <Link href={consentLink} target="_blank" rel="noreferrer">
                {strings.adminConsent}
              </Link>
            )}
          </Text>
        )}
        {history?.last_synced_at && history.status === "synced" && (
          <Text size={200}>{strings.lastSynced.replace("{when}", words.dateTime(history.last_synced_at))}</Text>
        )}
        {items !== null && filter !== "activity" && conversation.length === 0 && !needsConsent && (
          <Text data-testid="conversation-empty">
            {history?.status === "unavailable"
              ? strings.notConnected
              : history?.status === "not_synced"
                ? strings.noConversationYet
                : strings.noConversation}
          </Text>
        )}
        {conversation.map((thread) => (
          <ThreadCard key={thread.key} thread={thread} strings={strings} />
        ))}
        {items !== null && filter !== "mail" && filter !== "chat" && (
          <ActivityList items={activity} strings={strings} />
        )}
        {cursor && (
          <Button style={{ justifySelf: "start" }} onClick={() => loadTimeline(cursor).catch(() => setProblem(strings.error))}>
            {strings.moreHistory}
          </Button>
        )}
      </section>

      <form
        aria-label={strings.logTouch}
        style={{ display: "flex", gap: 8, alignItems: "end", flexWrap: "wrap" }}
        onSubmit={(event) => {
          event.preventDefault();
          run(
            () => ok(api.POST("/api/v1/leads/{id}/touchpoints", { params: { path }, body: { kind: channel, summary: note } })),
            strings.saved,
          ).then(() => setNote(""));
        }}
      >
        <Field label={strings.logTouch}>
          <Dropdown
            value={words.label("touchpoint_kind", channel)}
            selectedOptions={[channel]}
            onOptionSelect={(_, d) => setChannel((d.optionValue ?? "call") as TouchKind)}
          >
            {words.codes("touchpoint_kind").map((kind) => (
              <Option key={kind} value={kind}>
                {words.label("touchpoint_kind", kind)}
              </Option>
            ))}
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
          <Dropdown
            placeholder={words.label("stage", lead.stage)}
            onOptionSelect={(_, d) => setStage((d.optionValue ?? null) as Stage | null)}
          >
            {words.codes("stage").map((value) => (
              <Option key={value} value={value}>
                {words.label("stage", value)}
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
            stage &&
            run(
              () =>
                ok(
                  api.PUT("/api/v1/leads/{id}/stage", {
                    params: { path },
                    body: { stage, reason: stageReason, version: lead.version },
                  }),
                ),
              strings.saved,
            )
          }
        >
          {strings.save}
        </Button>
        <Button
          onClick={() =>
            run(() => ok(api.POST("/api/v1/leads/{id}/hand-offs", { params: { path }, body: { version: lead.version } })), strings.proposed)
          }
        >
          {strings.proposeHandOff}
        </Button>
      </div>

      <Subtitle2 as="h3">
        {strings.scoreWhy}: {words.number(lead.total_score)}
      </Subtitle2>
      <Table aria-label={strings.scoreWhy} size="small">
        <TableBody>
          {lead.score_explanation.map((item) => (
            <TableRow key={String(item.rule_id)}>
              <TableCell data-free-text>{String(item.label)}</TableCell>
              <TableCell>{Number(item.points) > 0 ? `+${item.points}` : String(item.points)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>

      <Subtitle2 as="h3">{strings.followUpHistory}</Subtitle2>
      <ul aria-label={strings.followUpHistory} style={{ margin: 0 }}>
        {followUps.map((item) => (
          <li key={item.id} data-testid="lead-follow-up">
            <Text>
              {words.label("follow_up_kind", item.kind)} · {words.label("follow_up_status", item.status)}
              {item.outcome ? ` · ${words.label("outcome", item.outcome)}` : ""} · {strings.due} {words.dateTime(item.due_at)}
              {item.reasons.length ? ` — ${item.reasons.map((reason) => describe(reason, words)).join(" · ")}` : ""}
            </Text>
          </li>
        ))}
      </ul>
    </article>
  );
}

function ThreadCard({ thread, strings }: { thread: Thread; strings: Strings }) {
  const words = useWords();
  const heading = `thread-${thread.key.replace(/[^a-zA-Z0-9_-]/g, "_")}`;
  return (
    <Card data-testid="thread" data-source={thread.source} role="group" aria-labelledby={heading}>
      <div style={{ display: "flex", gap: 8, alignItems: "center", flexWrap: "wrap" }}>
        <Badge appearance="outline">{thread.source === "chat" ? strings.filterChat : strings.filterMail}</Badge>
        <Text weight="semibold" id={heading} data-free-text>
          {thread.title}
        </Text>
        <Text size={200}>
          {thread.messages.length === 1
            ? strings.oneMessage
            : strings.messages.replace("{count}", words.number(thread.messages.length))}
        </Text>
        {thread.link && (
          <Link href={thread.link} target="_blank" rel="noreferrer" style={{ marginLeft: "auto" }}>
            {thread.source === "chat" ? strings.openInTeams : strings.openInOutlook}
          </Link>
        )}
      </div>
      <ol style={{ listStyle: "none", margin: 0, padding: 0, display: "grid", gap: 8 }}>
        {thread.messages.map((message) => (
          <MessageRow key={message.id} message={message} strings={strings} />
        ))}
      </ol>
    </Card>
  );
}

function MessageRow({ message, strings }: { message: MessageEntry; strings: Strings }) {
  const words = useWords();
  const reply = message.is_lead_reply;
  const effect = effectSentence(message.effect, words);
  const sender = message.sender.name || message.sender.address || "";
  return (
    <li
      data-testid="message"
      data-lead-reply={reply ? "true" : "false"}
      style={{
        borderInlineStart: `4px solid ${reply ? "var(--colorPaletteGreenBorderActive)" : "var(--colorNeutralStroke2)"}`,
        paddingInlineStart: 8,
        background: reply ? "var(--colorNeutralBackground2)" : undefined,
      }}
    >
      <div style={{ display: "flex", gap: 8, alignItems: "center", flexWrap: "wrap" }}>
        {reply ? (
          <Badge color="success" data-testid="lead-reply">
            {strings.leadReply}
          </Badge>
        ) : (
          <Badge appearance="tint" color="informative">
            {message.direction === "inbound" ? strings.fromLead : strings.toLead}
          </Badge>
        )}
        <Text weight="semibold" data-free-text>
          {sender}
        </Text>
        <Text size={200}>
          <time dateTime={message.at}>{words.dateTime(message.at)}</time>
        </Text>
      </div>
      <Text as="p" style={{ margin: "4px 0" }} data-free-text>
        {message.preview}
      </Text>
      {effect && (
        <Text block size={200} weight="semibold" data-testid="reply-effect">
          {effect}
        </Text>
      )}
    </li>
  );
}

function ActivityList({ items, strings }: { items: ActivityEntry[]; strings: Strings }) {
  const words = useWords();
  if (items.length === 0) return <Text>{strings.noActivity}</Text>;
  return (
    <div data-testid="activity" style={{ display: "grid", gap: 8 }}>
      {byDay(items, words).map((group) => (
        <section key={group.day} aria-label={group.heading}>
          <Text as="h4" weight="semibold" size={300} style={{ margin: "8px 0 4px" }}>
            {group.heading}
          </Text>
          <ul style={{ margin: 0, paddingInlineStart: 16 }}>
            {group.items.map((item) => (
              <li key={item.id} data-testid="timeline-item">
                <Text>
                  <time dateTime={item.at}>{words.time(item.at)}</time> · {activitySentence(item, words)}
                  <Detail item={item} strings={strings} />
                </Text>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

/** The free text a person wrote with an activity (a call note), and what an event changed. */
function Detail({ item, strings }: { item: ActivityEntry; strings: Strings }) {
  const words = useWords();
  const parts: string[] = [];
  if (item.kind === "touchpoint" && item.summary) parts.push(item.summary);
  if (item.kind === "touchpoint" && item.content_title) parts.push(item.content_title);
  if ((item.kind === "stage" || item.kind === "lifecycle") && item.reason?.text) {
    parts.push(item.reason.text[words.language] ?? item.reason.text.en ?? "");
  }
  if ((item.kind === "stage" || item.kind === "lifecycle" || item.kind === "ownership") && item.note) parts.push(item.note);
  if (item.kind === "ownership") parts.push(words.label("assignment_method", item.method));
  if ((item.kind === "stage" || item.kind === "lifecycle" || item.kind === "ownership") && "actor" in item && item.actor) {
    parts.push(`${strings.by} ${item.actor.display_name}`);
  }
  if (item.kind === "ownership" && item.changed_by) parts.push(`${strings.by} ${item.changed_by.display_name}`);
  if (item.kind === "event" && item.effect) {
    const delta = item.effect.score_delta;
    if (delta) parts.push(`${delta > 0 ? "+" : ""}${words.number(delta)}`);
  }
  const text = parts.filter(Boolean).join(" · ");
  return text ? <span data-free-text>{` — ${text}`}</span> : null;
}
