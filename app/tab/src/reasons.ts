import type { Reason } from "./api";
import { plainWords, type Words } from "./words";

// The API sends each reason in words, in English and German, worded by the engine itself
// (app/nurturing/reasons.py), so the tab and the cards always say the same thing.
export function describe(reason: Reason, words: Words): string {
  return reason.text?.[words.language] ?? reason.text?.en ?? plainWords(reason.code);
}
