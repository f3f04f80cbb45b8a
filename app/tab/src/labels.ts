// People read stages and lifecycles as words, in their language; the API sends the codes.
const LABELS: Record<string, Record<string, [string, string]>> = {
  stage: {
    awareness: ["Awareness", "Orientierung"],
    evaluation: ["Evaluation", "Evaluierung"],
    decision: ["Decision", "Entscheidung"],
  },
  lifecycle: {
    new: ["New", "Neu"],
    mql: ["MQL", "MQL"],
    sal: ["SAL", "SAL"],
    sql: ["SQL", "SQL"],
    opportunity: ["Opportunity", "Verkaufschance"],
    won: ["Won", "Gewonnen"],
    lost: ["Lost", "Verloren"],
    recycled: ["Recycled", "Zurück in Betreuung"],
    disqualified: ["Disqualified", "Disqualifiziert"],
  },
};

export type LabelGroup = "stage" | "lifecycle";

/** The word for a stage or lifecycle code; an unknown code is shown as it is. */
export function label(group: LabelGroup, code: string, locale: string): string {
  const pair = LABELS[group][code];
  if (!pair) return code;
  return locale.toLowerCase().startsWith("de") ? pair[1] : pair[0];
}

/** A conversion step such as "mql->sal", as "MQL → SAL". */
export function step(code: string, locale: string): string {
  const [from, to] = code.split("->");
  return to === undefined ? code : `${label("lifecycle", from, locale)} → ${label("lifecycle", to, locale)}`;
}
