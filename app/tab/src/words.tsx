import React from "react";
import type { Vocabulary } from "./api";

// Every code the API sends is shown through this: the words come from GET /api/v1/vocabulary (one Python
// module, app/vocabulary.py, that the cards read too), dates and times in the reader's locale and zone.
export type Group = keyof Vocabulary["groups"] & string;

export type Words = {
  /** "de" or "en": the language of the labels. */
  language: "de" | "en";
  /** The locale for numbers and dates, e.g. "de-DE". */
  locale: string;
  /** The IANA time zone dates are shown in. */
  timeZone: string;
  /** The word for a code; a code the vocabulary lacks reads as plain words, never as snake_case. */
  label: (group: Group, code: string) => string;
  /** The codes of a group in reading order (the funnel, the buying journey). */
  codes: (group: Group) => string[];
  /** A sentence template of the "sentence" group, filled with its values. */
  sentence: (key: string, values?: Record<string, string | number>) => string;
  /** The title of a content item of the tenant's library, by its key. */
  content: (key: string) => { title: string; url: string } | null;
  /** Whether the signed-in member's role may call an API operation (by its operationId). */
  can: (operation: string) => boolean;
  dateTime: (iso: string) => string;
  date: (iso: string) => string;
  /** A calendar date such as 2026-12-07 (no time, no zone) in the reader's format. */
  day: (isoDate: string) => string;
  time: (iso: string) => string;
  /** The calendar day of a moment in the reader's zone, as a sortable key (YYYY-MM-DD). */
  dayKey: (iso: string) => string;
  number: (value: number) => string;
  percent: (share: number) => string;
};

export function plainWords(code: string): string {
  const words = code.replace(/[_.]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function validZone(zone: string | null | undefined): string | null {
  if (!zone) return null;
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return zone;
  } catch {
    return null;
  }
}

export function makeWords(vocabulary: Vocabulary, locale: string, timeZone: string | null): Words {
  const language = locale.toLowerCase().startsWith("de") ? "de" : "en";
  // A bare "de" formats dates as 7.12.2026 and "en" as 12/7/2026: the reader's own convention.
  const tag = locale.includes("-") ? locale : language === "de" ? "de-DE" : "en-GB";
  const zone = validZone(timeZone) ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC";
  const table = new Map<string, Map<string, string>>();
  for (const [group, terms] of Object.entries(vocabulary.groups)) {
    table.set(group, new Map(terms.map((term) => [term.code, language === "de" ? term.de : term.en])));
  }
  const content = new Map(vocabulary.content.map((item) => [item.id, { title: item.title, url: item.url }]));
  const allowed = new Set(vocabulary.capabilities);
  const dateTime = new Intl.DateTimeFormat(tag, { dateStyle: "medium", timeStyle: "short", timeZone: zone });
  const date = new Intl.DateTimeFormat(tag, { dateStyle: "full", timeZone: zone });
  const time = new Intl.DateTimeFormat(tag, { timeStyle: "short", timeZone: zone });
  const calendar = new Intl.DateTimeFormat(tag, { dateStyle: "medium", timeZone: "UTC" });
  const day = new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone: zone });
  const number = new Intl.NumberFormat(tag);
  const percent = new Intl.NumberFormat(tag, { style: "percent", maximumFractionDigits: 0 });
  const label = (group: Group, code: string) => table.get(group)?.get(code) ?? plainWords(code);
  return {
    language,
    locale: tag,
    timeZone: zone,
    label,
    codes: (group) => [...(table.get(group)?.keys() ?? [])],
    sentence: (key, values = {}) =>
      (table.get("sentence")?.get(key) ?? key).replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? "")),
    content: (key) => content.get(key) ?? null,
    can: (operation) => allowed.has(operation),
    dateTime: (iso) => dateTime.format(new Date(iso)),
    date: (iso) => date.format(new Date(iso)),
    time: (iso) => time.format(new Date(iso)),
    day: (isoDate) => calendar.format(new Date(`${isoDate.slice(0, 10)}T12:00:00Z`)),
    dayKey: (iso) => day.format(new Date(iso)),
    number: (value) => number.format(value),
    percent: (share) => percent.format(share),
  };
}

const WordsContext = React.createContext<Words | null>(null);

export function WordsProvider({ words, children }: { words: Words; children: React.ReactNode }) {
  return <WordsContext.Provider value={words}>{children}</WordsContext.Provider>;
}

/** The words of the signed-in member's language, role and zone. */
export function useWords(): Words {
  const words = React.useContext(WordsContext);
  if (!words) throw new Error("useWords outside WordsProvider");
  return words;
}
