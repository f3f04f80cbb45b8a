import React from "react";
import { Subtitle2 } from "@fluentui/react-components";
import { Api } from "../api";
import type { Strings } from "../i18n";
import { Problem } from "../App";

export function Settings({ api, strings }: { api: Api; strings: Strings }) {
  const [document, setDocument] = React.useState<Record<string, unknown> | null>(null);
  const [problem, setProblem] = React.useState<string | null>(null);
  React.useEffect(() => {
    api.get<Record<string, unknown>>("/settings").then(setDocument).catch(() => setProblem(strings.notAllowed));
  }, [api, strings]);
  if (problem) return <Problem text={problem} />;
  if (!document) return null;
  return (
    <section aria-label={strings.settings} style={{ marginTop: 16 }}>
      <Subtitle2 as="h2">{strings.rules}</Subtitle2>
      {["thresholds", "cadence", "sla"].map((key) => (
        <details key={key} open={key === "thresholds"}>
          <summary>{key}</summary>
          <pre>{JSON.stringify(document[key], null, 2)}</pre>
        </details>
      ))}
    </section>
  );
}
