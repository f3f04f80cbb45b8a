import React from "react";
import {
  Badge,
  Button,
  Card,
  CardHeader,
  Menu,
  MenuItem,
  MenuList,
  MenuPopover,
  MenuTrigger,
  Text,
} from "@fluentui/react-components";
import { ApiError, ok, type Api, type FollowUp, type Lead } from "../api";
import type { Strings } from "../i18n";
import { describe } from "../reasons";
import { Problem } from "../components/Problem";
import { useWords } from "../words";
import type { components } from "../generated/openapi";

type Outcome = components["schemas"]["CompleteIn"]["outcome"];
type Preset = components["schemas"]["SnoozeIn"]["preset"];
const SNOOZES: [Preset, "oneHour" | "tomorrow" | "nextWeek"][] = [
  ["1h", "oneHour"],
  ["tomorrow", "tomorrow"],
  ["next_week", "nextWeek"],
];

/** A suggested content item by its title, linked; the key itself is never shown. */
function Suggested({ code }: { code: string }) {
  const words = useWords();
  const item = words.content(code);
  if (!item) return <>{words.label("content_kind", code)}</>;
  return (
    <a href={item.url} target="_blank" rel="noreferrer" data-free-text>
      {item.title}
    </a>
  );
}

export function FollowUps({ api, strings, onOpen }: { api: Api; strings: Strings; onOpen: (lead: string) => void }) {
  const [items, setItems] = React.useState<FollowUp[] | null>(null);
  const [leads, setLeads] = React.useState<Record<string, Lead>>({});
  const [problem, setProblem] = React.useState<string | null>(null);
  const words = useWords();

  const load = React.useCallback(async () => {
    const body = await ok(api.GET("/api/v1/follow-ups", { params: { query: { scope: "mine" } } }));
    setItems(body.items);
    const details = await Promise.all(
      body.items.map((item) => ok(api.GET("/api/v1/leads/{id}", { params: { path: { id: item.lead_id } } }))),
    );
    setLeads(Object.fromEntries(details.map((lead) => [lead.id, lead])));
  }, [api]);

  React.useEffect(() => {
    load().catch(() => setProblem(strings.error));
  }, [load, strings]);

  async function act(call: () => Promise<unknown>) {
    try {
      await call();
      setProblem(null);
    } catch (error) {
      setProblem(error instanceof ApiError && error.status === 409 ? strings.stale : strings.error);
    }
    await load();
  }

  if (items === null) return null;
  const now = Date.now();
  return (
    <section aria-label={strings.followUps} style={{ display: "grid", gap: 12, marginTop: 16 }}>
      {problem && <Problem text={problem} />}
      {items.length === 0 && <Text>{strings.nothingDue}</Text>}
      {items.map((item) => {
        const lead = leads[item.lead_id];
        const overdue = new Date(item.due_at).getTime() < now;
        const name = lead ? `${lead.first_name} ${lead.last_name}`.trim() || lead.email : "…";
        return (
          <Card key={item.id} data-testid="follow-up">
            <CardHeader
              header={
                <Button appearance="transparent" onClick={() => onOpen(item.lead_id)}>
                  <Text weight="semibold" data-free-text>
                    {name}
                  </Text>
                </Button>
              }
              description={
                <Text>
                  {words.label("follow_up_kind", item.kind)} · {strings.due}: {words.dateTime(item.due_at)}{" "}
                  {overdue && <Badge color="danger">{strings.overdue}</Badge>}
                </Text>
              }
            />
            <Text>
              {strings.why}: {item.reasons.map((reason) => describe(reason, words)).join(" · ")}
            </Text>
            {item.suggested_content_key && (
              <Text>
                {strings.suggestion}: {item.suggested_channel ? words.label("touchpoint_kind", item.suggested_channel) : ""}
                {" — "}
                <Suggested code={item.suggested_content_key} />
              </Text>
            )}
            <div style={{ display: "flex", gap: 8 }}>
              <Menu>
                <MenuTrigger disableButtonEnhancement>
                  <Button appearance="primary">{strings.done}</Button>
                </MenuTrigger>
                <MenuPopover>
                  <MenuList>
                    {words.codes("outcome").map((outcome) => (
                      <MenuItem
                        key={outcome}
                        onClick={() =>
                          act(() =>
                            ok(
                              api.POST("/api/v1/follow-ups/{id}/complete", {
                                params: { path: { id: item.id } },
                                body: { outcome: outcome as Outcome, version: lead?.version },
                              }),
                            ),
                          )
                        }
                      >
                        {words.label("outcome", outcome)}
                      </MenuItem>
                    ))}
                  </MenuList>
                </MenuPopover>
              </Menu>
              <Menu>
                <MenuTrigger disableButtonEnhancement>
                  <Button>{strings.snooze}</Button>
                </MenuTrigger>
                <MenuPopover>
                  <MenuList>
                    {SNOOZES.map(([preset, text]) => (
                      <MenuItem
                        key={preset}
                        onClick={() =>
                          act(() =>
                            ok(api.POST("/api/v1/follow-ups/{id}/snooze", { params: { path: { id: item.id } }, body: { preset } })),
                          )
                        }
                      >
                        {strings[text]}
                      </MenuItem>
                    ))}
                  </MenuList>
                </MenuPopover>
              </Menu>
            </div>
          </Card>
        );
      })}
    </section>
  );
}
