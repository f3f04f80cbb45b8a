"""Every /api/v1 route, gathered from the module of its resource; each is declared beside its handler."""

from __future__ import annotations

from app.api import (
    admin_routes,
    assignment_routes,
    follow_up_routes,
    hand_off_routes,
    import_routes,
    lead_routes,
    pipeline_routes,
    settings_routes,
    vocabulary,
    webhooks,
)
from app.api.route_table import Route

ROUTES: tuple[Route, ...] = (
    *admin_routes.ROUTES,
    Route(
        "GET",
        "/api/v1/vocabulary",
        vocabulary.get_vocabulary,
        "Words for codes",
        response=vocabulary.VocabularyOut,
    ),
    *lead_routes.ROUTES,
    *import_routes.ROUTES,
    *assignment_routes.ROUTES,
    *follow_up_routes.ROUTES,
    *hand_off_routes.ROUTES,
    *pipeline_routes.ROUTES,
    *settings_routes.ROUTES,
    *webhooks.ROUTES,
)
