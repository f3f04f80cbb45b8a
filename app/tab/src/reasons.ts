import type { Reason } from "./api";

// Reason codes come from app/nurturing/reasons.py; these are their English and German texts.
const TEMPLATES: Record<string, [string, string]> = {
  pricing_views: ["visited pricing {count} times in the last {days} days", "hat {count}× in {days} Tagen die Preise angesehen"],
  pricing_viewed: ["looked at pricing", "hat die Preise angesehen"],
  demo_requested: ["requested a demo", "hat eine Demo angefragt"],
  replied: ["replied to us", "hat geantwortet"],
  cadence: ["regular {stage} touch, every {days} days", "regelmäßiger Kontakt ({stage}), alle {days} Tage"],
  engagement_rising: ["engagement is rising, so sooner", "Interesse steigt, daher früher"],
  engagement_falling: ["engagement is falling: slow down, offer value", "Interesse sinkt: langsamer, mit Mehrwert"],
  no_reply_after: ["no reply after {touches} touches: a helpful reminder", "keine Antwort nach {touches} Kontakten: hilfreich erinnern"],
  long_term_nurture: ["no reply after {touches} touches: long-term nurture", "keine Antwort nach {touches} Kontakten: Langzeitpflege"],
  reply_pull_forward: ["they replied, so the next step comes sooner", "Antwort erhalten, daher früher"],
  discovery_call: ["hand-off accepted: book the discovery call", "Übergabe angenommen: Erstgespräch vereinbaren"],
  stage_content: ["fits the {stage} stage", "passt zur Phase {stage}"],
  topic_match: ["matches their interest in {topic}", "passt zum Interesse an {topic}"],
  persona_match: ["written for {persona}", "geschrieben für {persona}"],
  call_decision: ["they are deciding: call", "Entscheidungsphase: anrufen"],
  call_after_reply: ["they replied recently: call", "kürzlich geantwortet: anrufen"],
  library_exhausted: ["all fitting content sent: personal check-in", "alle passenden Inhalte versendet: persönlich nachfragen"],
};

export function describe(reason: Reason, locale: string): string {
  const pair = TEMPLATES[reason.code];
  if (!pair) return reason.code;
  const template = locale.toLowerCase().startsWith("de") ? pair[1] : pair[0];
  return template.replace(/\{(\w+)\}/g, (_, key: string) => String(reason.params[key] ?? ""));
}
