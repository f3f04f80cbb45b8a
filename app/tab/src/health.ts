// The practice health check's lines and findings in English and German. The codes come from
// app/services/practice_health.py; nothing on screen shows a code itself.
import type { PracticeHealth } from "./api";
import { plainWords, type Group, type Words } from "./words";

export type HealthLine = PracticeHealth["lines"][number];
export type HealthWhy = HealthLine["leads"][number]["why"];
export type Light = HealthLine["light"];

type Pair = [string, string];

const TITLES: Record<string, Pair> = {
  re_proposed_before_nurture_until: ["Proposed again before the nurture-until date", "Erneut vorgeschlagen vor dem Pflege-Enddatum"],
  re_proposed_within_30_days: ["Rejected hand-offs proposed again within 30 days", "Abgelehnte Übergaben, binnen 30 Tagen erneut vorgeschlagen"],
  hot_leads_parked: ["Hot leads parked over 3 business days", "Heiße Leads länger als 3 Arbeitstage geparkt"],
  over_contact_cap: ["Leads over the weekly contact cap", "Leads über der wöchentlichen Kontaktgrenze"],
  mail_to_unsubscribed: ["Mail suggested to unsubscribed leads", "Mail an abgemeldete Leads vorgeschlagen"],
  follow_ups_of_inactive_members: ["Follow-ups owned by inactive members", "Follow-ups bei inaktiven Mitgliedern"],
  leads_without_owner: ["Leads without an owner", "Leads ohne Verantwortlichen"],
  escalations_without_recipient: ["Escalations without a recipient", "Eskalationen ohne Empfänger"],
  stale_scores: ["Stale or out-of-range scores", "Veraltete Scores oder Scores außerhalb 0–100"],
  dormant_leads: ["Dormant leads", "Ruhende Leads"],
};

const WHY: Record<string, Pair> = {
  proposed_before_nurture_until: ["proposed on {proposed}, nurture until {nurture_until}", "am {proposed} vorgeschlagen, Pflege bis {nurture_until}"],
  proposed_again_after: ["proposed again {days} days after the rejection", "{days} Tage nach der Ablehnung erneut vorgeschlagen"],
  no_follow_up_after_intent: ["{signal} on {at}, no follow-up planned", "{signal} am {at}, kein Follow-up geplant"],
  follow_up_long_after_intent: ["{signal}, next follow-up {days} days later", "{signal}, nächstes Follow-up {days} Tage später"],
  touches_in_a_week: ["{touches} touches in the 7 days from {since} (limit {cap})", "{touches} Kontakte in 7 Tagen ab {since} (Grenze {cap})"],
  mail_suggested_to_unsubscribed: ["unsubscribed, but mail suggested for {due}", "abgemeldet, aber Mail für {due} vorgeschlagen"],
  owner_inactive: ["{kind} owned by {owner}, who is inactive", "{kind} bei {owner}, inaktiv"],
  no_owner: ["{lifecycle} without an owner", "{lifecycle} ohne Verantwortlichen"],
  escalation_without_team: ["escalated on {at} to nobody", "am {at} an niemanden eskaliert"],
  escalation_team_without_lead: ["escalated on {at} to {team}: no team lead, no manager", "am {at} an {team} eskaliert: keine Teamleitung, kein Manager"],
  score_out_of_range: ["score {stored} is outside 0–100", "Score {stored} liegt außerhalb 0–100"],
  score_stale: ["stored score {stored}, {current} today", "gespeicherter Score {stored}, heute {current}"],
  dormant_since: ["dormant since {since}", "ruht seit {since}"],
};

// Values of coded parameters (signals, lifecycles, follow-up kinds) as words of the API's vocabulary.
const CODED: Record<string, Group> = { signal: "event_kind", lifecycle: "lifecycle", kind: "follow_up_kind" };
const DATES = new Set(["proposed", "nurture_until", "at", "since", "due"]);

function pick(pair: Pair | undefined, words: Words, fallback: string): string {
  if (!pair) return fallback;
  return words.language === "de" ? pair[1] : pair[0];
}

export function checkTitle(check: string, words: Words): string {
  return pick(TITLES[check], words, plainWords(check));
}

export function describeFinding(why: HealthWhy, words: Words): string {
  const template = pick(WHY[why.code], words, "");
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = why.params[key];
    if (value === undefined || value === null) return "";
    if (CODED[key]) return words.label(CODED[key], String(value));
    if (DATES.has(key)) return words.day(String(value));
    return typeof value === "number" ? words.number(value) : String(value);
  });
}
