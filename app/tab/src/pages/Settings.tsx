import React from "react";
import { Button, Field, MessageBar, MessageBarBody, SpinButton, Subtitle2, Textarea } from "@fluentui/react-components";
import { Api, apiPath, type ApiPath } from "../api";
import type { Strings } from "../i18n";
import { Problem } from "../App";

type Thresholds = Record<string, number>;

// Rule sets an admin edits as JSON; the server validates each with the engine's own types.
const EDITABLE: [string, ApiPath, (value: unknown) => unknown][] = [
  ["scoring", apiPath`/settings/rules/scoring`, (value) => ({ document: value })],
  ["cadence", apiPath`/settings/rules/cadence`, (value) => ({ document: value })],
  ["sla", apiPath`/settings/rules/sla`, (value) => ({ document: value })],
  ["content", apiPath`/settings/content`, (value) => ({ items: value })],
  ["routing", apiPath`/settings/routing`, (value) => ({ rules: value })],
  // {"team_id": ...} or {"member_id": ...}; null (or {}) removes the fallback.
  ["routing_fallback", apiPath`/settings/rules/routing_fallback`, (value) => ({ document: value ?? {} })],
];

function RuleEditor(props: {
  label: string;
  initial: unknown;
  canEdit: boolean;
  strings: Strings;
  save: (value: unknown) => Promise<unknown>;
}) {
  const [text, setText] = React.useState(JSON.stringify(props.initial, null, 2));
  const [state, setState] = React.useState<"idle" | "saved" | "invalid">("idle");
  return (
    <details>
      <summary>{props.label}</summary>
      <Field
        label={props.label}
        validationState={state === "invalid" ? "error" : state === "saved" ? "success" : "none"}
        validationMessage={state === "invalid" ? props.strings.error : state === "saved" ? props.strings.saved : undefined}
      >
        <Textarea
          value={text}
          readOnly={!props.canEdit}
          rows={12}
          style={{ fontFamily: "monospace" }}
          onChange={(_, data) => setText(data.value)}
        />
      </Field>
      {props.canEdit && (
        <Button
          onClick={() => {
            let value: unknown;
            try {
              value = JSON.parse(text);
            } catch {
              setState("invalid");
              return;
            }
            props
              .save(value)
              .then(() => setState("saved"))
              .catch(() => setState("invalid"));
          }}
        >
          {props.strings.save} {props.label}
        </Button>
      )}
    </details>
  );
}

export function Settings({ api, strings, canEdit }: { api: Api; strings: Strings; canEdit: boolean }) {
  const [document, setDocument] = React.useState<Record<string, unknown> | null>(null);
  const [thresholds, setThresholds] = React.useState<Thresholds>({});
  const [problem, setProblem] = React.useState<string | null>(null);
  const [saved, setSaved] = React.useState(false);
  React.useEffect(() => {
    api
      .get<Record<string, unknown>>(apiPath`/settings`)
      .then((body) => {
        setDocument(body);
        setThresholds(body.thresholds as Thresholds);
      })
      .catch(() => setProblem(strings.notAllowed));
  }, [api, strings]);
  if (problem && !document) return <Problem text={problem} />;
  if (!document) return null;
  const fields: [string, string][] = [
    ["mql_score", strings.mqlScore],
    ["hand_off_fit_min", strings.handOffFit],
    ["hand_off_engagement_min", strings.handOffEngagement],
  ];
  return (
    <section aria-label={strings.settings} style={{ marginTop: 16, display: "grid", gap: 12, maxWidth: 520 }}>
      <Subtitle2 as="h2">{strings.rules}</Subtitle2>
      {problem && <Problem text={problem} />}
      {saved && (
        <MessageBar intent="success">
          <MessageBarBody>{strings.saved}</MessageBarBody>
        </MessageBar>
      )}
      {fields.map(([key, label]) => (
        <Field key={key} label={label}>
          <SpinButton
            value={thresholds[key] ?? 0}
            min={0}
            max={500}
            disabled={!canEdit}
            onChange={(_, data) => {
              const value = data.value ?? Number(data.displayValue);
              if (!Number.isNaN(value)) setThresholds({ ...thresholds, [key]: value });
            }}
          />
        </Field>
      ))}
      {canEdit && (
        <Button
          appearance="primary"
          onClick={() =>
            api
              .request("PUT", apiPath`/settings/rules/thresholds`, { document: thresholds })
              .then(() => {
                setSaved(true);
                setProblem(null);
              })
              .catch(() => setProblem(strings.error))
          }
        >
          {strings.save}
        </Button>
      )}
      {EDITABLE.map(([key, path, wrap]) => (
        <RuleEditor
          key={key}
          label={key}
          initial={document[key]}
          canEdit={canEdit}
          strings={strings}
          save={(value) => api.request("PUT", path, wrap(value))}
        />
      ))}
    </section>
  );
}
