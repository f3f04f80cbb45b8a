"""Microsoft Graph: msal tokens, the msgraph-sdk client, and conversation history sync."""
