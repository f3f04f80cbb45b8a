import type { Reason } from "./api";

// The API sends each reason in words, in English and German, worded by the engine itself
// (app/nurturing/reasons.py), so the tab and the cards always say the same thing.
export function describe(reason: Reason, locale: string): string {
  const language = locale.toLowerCase().startsWith("de") ? "de" : "en";
  return reason.text?.[language] ?? reason.text?.en ?? reason.code;
}
