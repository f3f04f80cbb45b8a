import React from "react";
import { Text, Title3 } from "@fluentui/react-components";
import { pages } from "@microsoft/teams-js";
import type { Strings } from "../i18n";

// Shown by Teams when someone adds the pipeline tab to a channel: one choice, so it is valid at once.
export function ChannelTabConfig({ strings }: { strings: Strings }) {
  React.useEffect(() => {
    const origin = window.location.origin;
    pages.config.registerOnSaveHandler((save) => {
      pages.config
        .setConfig({
          suggestedDisplayName: `Nurture ${strings.pipeline}`,
          entityId: "nurture-pipeline",
          contentUrl: `${origin}/tab/?view=pipeline`,
          websiteUrl: `${origin}/tab/?view=pipeline`,
        })
        .then(() => save.notifySuccess())
        .catch((error: unknown) => save.notifyFailure(String(error)));
    });
    pages.config.setValidityState(true);
  }, [strings]);
  return (
    <section style={{ padding: 24 }}>
      <Title3 as="h1">Nurture {strings.pipeline}</Title3>
      <Text>{strings.byLifecycle}, {strings.conversion}, {strings.overdueByRep}.</Text>
    </section>
  );
}
