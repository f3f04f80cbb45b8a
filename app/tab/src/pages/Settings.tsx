import React from "react";
import { Button, Field, MessageBar, MessageBarBody, SpinButton, Subtitle2, Textarea } from "@fluentui/react-components";
import { ok, type Api } from "../api";
import type { Strings } from "../i18n";
import { Problem } from "../components/Problem";
import { useWords } from "../words";
import type { components } from "../generated/openapi";

type Thresholds = Record<string, number>;
type Settings = components["schemas"]["SettingsOut"];
type Save = (api: Api, value: unknown) => Promise<unknown>;

// Rule sets an admin edits as JSON; the server validates each with the engine's own types.
function rules(key: "scoring" | "cadence" | "sla" | "routing_fallback"): Save {
  return (api, value) =>
    ok(
      api.PUT("/api/v1/settings/rules/{key}", {
        params: { path: { key } },
        // {"team_id": ...} or {"member_id": ...}; null (or {}) removes the routing fallback.
        body: { document: (value ?? {}) as Record<string, unknown> },
      }),
    );
}
const EDITABLE: [keyof Settings, Save][] = [
  ["scoring", rules("scoring")],
  ["cadence", rules("cadence")],
  ["sla", rules("sla")],
  ["content", (api, value) => ok(api.PUT("/api/v1/settings/content", { body: { items: value as never } }))],
  ["routing", (api, value) => ok(api.PUT("/api/v1/settings/routing", { body: { rules: value as never } }))],
  ["routing_fallback", rules("routing_fallback")],
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

export function Settings({ api, strings }: { api: Api; strings: Strings }) {
  const words = useWords();
  const canEdit = words.can("put_rules");
  const [document, setDocument] = React.useState<Settings | null>(null);
  const [thresholds, setThresholds] = React.useState<Thresholds>({});
  const [problem, setProblem] = React.useState<string | null>(null);
  const [saved, setSaved] = React.useState(false);
  React.useEffect(() => {
    ok(api.GET("/api/v1/settings"))
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
            ok(api.PUT("/api/v1/settings/rules/{key}", { params: { path: { key: "thresholds" } }, body: { document: thresholds } }))
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
      {EDITABLE.map(([key, save]) => (
        <RuleEditor
          key={key}
          label={words.label("settings_section", key)}
          initial={document[key]}
          canEdit={canEdit}
          strings={strings}
          save={(value) => save(api, value)}
        />
      ))}
    </section>
  );
}
