"""Who is calling: Teams SSO tokens for the tab and API, and the loopback-only dev sign-in."""
