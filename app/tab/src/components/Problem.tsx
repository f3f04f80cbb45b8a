import { MessageBar, MessageBarBody } from "@fluentui/react-components";

/** An error the person should read: announced to screen readers as an alert. */
export function Problem({ text }: { text: string }) {
  return (
    <MessageBar intent="error" role="alert">
      <MessageBarBody>{text}</MessageBarBody>
    </MessageBar>
  );
}

/** A confirmation that something was saved or sent. */
export function Success({ text }: { text: string }) {
  return (
    <MessageBar intent="success">
      <MessageBarBody>{text}</MessageBarBody>
    </MessageBar>
  );
}
