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
import { Api, ApiError, apiPath, type ApiPath, type FollowUp, type Lead } from "../api";
import type { Strings } from "../i18n";
import { describe } from "../reasons";
import { Problem } from "../App";

const OUTCOMES = ["replied", "no_answer", "meeting_booked", "not_interested"] as const;

export function FollowUps({ api, strings, onOpen }: { api: Api; strings: Strings; onOpen: (lead: string) => void }) {
  const [items, setItems] = React.useState<FollowUp[] | null>(null);
  const [leads, setLeads] = React.useState<Record<string, Lead>>({});
  const [problem, setProblem] = React.useState<string | null>(null);
  const locale = document.documentElement.lang;

  const load = React.useCallback(async () => {
    const body = await api.get<{ items: FollowUp[] }>(apiPath`/follow-ups?scope=mine`);
    setItems(body.items);
    const details = await Promise.all(body.items.map((item) => api.get<Lead>(apiPath`/leads/${item.lead_id}`)));
    setLeads(Object.fromEntries(details.map((lead) => [lead.id, lead])));
  }, [api]);

  React.useEffect(() => {
    load().catch(() => setProblem(strings.error));
  }, [load, strings]);

  async function act(path: ApiPath, body: unknown) {
    try {
      await api.post(path, body);
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
                  <Text weight="semibold">{name}</Text>
                </Button>
              }
              description={
                <Text>
                  {strings.due}: {new Date(item.due_at).toLocaleString(locale)}{" "}
                  {overdue && <Badge color="danger">{strings.overdue}</Badge>}
                </Text>
              }
            />
            <Text>
              {strings.why}: {item.reasons.map((reason) => describe(reason, locale)).join(" · ")}
            </Text>
            {item.suggested_content_key && (
              <Text>
                {strings.suggestion}: {item.suggested_channel} — {item.suggested_content_key}
              </Text>
            )}
            <div style={{ display: "flex", gap: 8 }}>
              <Menu>
                <MenuTrigger disableButtonEnhancement>
                  <Button appearance="primary">{strings.done}</Button>
                </MenuTrigger>
                <MenuPopover>
                  <MenuList>
                    {OUTCOMES.map((outcome) => (
                      <MenuItem
                        key={outcome}
                        onClick={() => act(apiPath`/follow-ups/${item.id}/complete`, { outcome, version: lead?.version })}
                      >
                        {strings[outcome]}
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
                    <MenuItem onClick={() => act(apiPath`/follow-ups/${item.id}/snooze`, { preset: "1h" })}>{strings.oneHour}</MenuItem>
                    <MenuItem onClick={() => act(apiPath`/follow-ups/${item.id}/snooze`, { preset: "tomorrow" })}>
                      {strings.tomorrow}
                    </MenuItem>
                    <MenuItem onClick={() => act(apiPath`/follow-ups/${item.id}/snooze`, { preset: "next_week" })}>
                      {strings.nextWeek}
                    </MenuItem>
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
