import React from "react";
import { Button, Field, Input, Title3 } from "@fluentui/react-components";
import type { Strings } from "../i18n";

export function DevSignIn({ strings, onSignIn }: { strings: Strings; onSignIn: (tenant: string, email: string) => void }) {
  const params = new URLSearchParams(window.location.search);
  const [tenant, setTenant] = React.useState(params.get("tenant") ?? "");
  const [email, setEmail] = React.useState("");
  return (
    <form
      style={{ maxWidth: 420, margin: "48px auto", display: "grid", gap: 12 }}
      onSubmit={(event) => {
        event.preventDefault();
        onSignIn(tenant.trim(), email.trim().toLowerCase());
      }}
    >
      <Title3 as="h1">{strings.devSignInTitle}</Title3>
      <Field label={strings.tenant} required>
        <Input value={tenant} onChange={(_, data) => setTenant(data.value)} />
      </Field>
      <Field label={strings.email} required>
        <Input type="email" value={email} onChange={(_, data) => setEmail(data.value)} />
      </Field>
      <Button appearance="primary" type="submit">
        {strings.signIn}
      </Button>
    </form>
  );
}
