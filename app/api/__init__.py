"""The REST API for the tab and for integrations, under /api/v1, described by an OpenAPI 3.1 document."""
