import type { Strings } from "./i18n";
import type { Words } from "./words";
import { plainWords } from "./words";
import type { components } from "./generated/openapi";

type Schemas = components["schemas"];
export type TimelinePage = Schemas["TimelineOut"];
export type Entry = TimelinePage["items"][number];
export type MessageEntry = Extract<Entry, { kind: "message" }>;
export type ActivityEntry = Exclude<Entry, { kind: "message" }>;
export type Effect = NonNullable<MessageEntry["effect"]>;
export type HistoryState = TimelinePage["history"];

export type Thread = { key: string; source: string; title: string; messages: MessageEntry[]; last: string; link: string | null };

/** Messages grouped by conversation, newest conversation first; each thread reads oldest to newest. */
export function threads(items: Entry[], strings: Strings): Thread[] {
  const byKey = new Map<string, Thread>();
  for (const item of items) {
    if (item.kind !== "message") continue;
    let thread = byKey.get(item.thread.key);
    if (!thread) {
      thread = { key: item.thread.key, source: item.source, title: threadTitle(item, strings), messages: [], last: item.at, link: null };
      byKey.set(item.thread.key, thread);
    }
    thread.messages.push(item);
    if (item.at > thread.last) thread.last = item.at;
    thread.link = thread.link ?? item.web_link ?? null;
  }
  for (const thread of byKey.values()) thread.messages.sort((a, b) => a.at.localeCompare(b.at));
  return [...byKey.values()].sort((a, b) => b.last.localeCompare(a.last));
}

function threadTitle(item: MessageEntry, strings: Strings): string {
  if (item.thread.title) return item.thread.title;
  if (item.source === "chat") {
    const names = item.thread.participants ?? [];
    return names.length ? strings.chatWith.replace("{names}", names.join(", ")) : strings.chat;
  }
  return strings.noSubject;
}

/** What a reply changed, as "this reply moved the lead to Evaluation, +14"; null when it changed nothing. */
export function effectSentence(effect: Effect | null | undefined, words: Words): string | null {
  if (!effect) return null;
  const targets = [
    effect.stage ? words.label("stage", effect.stage.to_value) : null,
    effect.lifecycle ? words.label("lifecycle", effect.lifecycle.to_value) : null,
  ].filter((target): target is string => target !== null);
  const delta = effect.score_delta;
  const points = delta > 0 ? `+${words.number(delta)}` : words.number(delta);
  if (targets.length) {
    const moved = words.sentence("effect_stage", { stage: targets.join(" · ") });
    return delta ? `${moved}, ${points}` : moved;
  }
  return delta ? words.sentence("effect_score", { points }) : null;
}

/** One human sentence for an activity entry, in the reader's language. */
export function activitySentence(item: ActivityEntry, words: Words): string {
  switch (item.kind) {
    case "event": {
      const known = words.codes("event_sentence").includes(item.event);
      return known ? words.label("event_sentence", item.event) : plainWords(item.event);
    }
    case "touchpoint": {
      const kind = words.label("touchpoint_kind", item.channel);
      return item.member
        ? words.sentence("touchpoint_by", { kind, name: item.member.display_name })
        : words.sentence("touchpoint", { kind });
    }
    case "stage":
      return words.sentence("stage", { stage: words.label("stage", item.to_value) });
    case "lifecycle":
      return words.label("lifecycle_sentence", item.to_value);
    case "ownership":
      return item.to_owner ? words.sentence("owner", { name: item.to_owner.display_name }) : words.sentence("owner_none");
  }
}

/** Activity grouped by calendar day in the reader's zone, newest day first. */
export function byDay(items: ActivityEntry[], words: Words): { day: string; heading: string; items: ActivityEntry[] }[] {
  const days = new Map<string, { day: string; heading: string; items: ActivityEntry[] }>();
  for (const item of items) {
    const key = words.dayKey(item.at);
    const group = days.get(key) ?? { day: key, heading: words.date(item.at), items: [] };
    group.items.push(item);
    days.set(key, group);
  }
  return [...days.values()].sort((a, b) => b.day.localeCompare(a.day));
}
