"""The fields a lead file can fill, and the columns our own export adds."""

from __future__ import annotations

LEAD_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "title",
    "persona",
    "phone",
    "language",
    "source",
    "needs",
    "topics",
    "unsubscribed",
    "bounced",
)
COMPANY_FIELDS = ("company", "company_domain", "industry", "country", "employees")
OWNER_FIELD = "owner"
"""Mapped columns name the owner by e-mail or by display name."""
IMPORT_COLUMNS = (*LEAD_FIELDS, *COMPANY_FIELDS, "owner_email")
"""Column names of our own CSV layout whose values the import writes."""
READ_ONLY_COLUMNS = ("id", "lifecycle", "stage", "fit_score", "engagement_score", "total_score", "created_at")
"""Columns our export adds; in our own layout the import accepts them and ignores their values."""
CSV_COLUMNS = (*IMPORT_COLUMNS, *READ_ONLY_COLUMNS)
"""Every header of our own layout, in export order. ``custom.<name>`` columns come after them."""
TARGET_FIELDS = (*LEAD_FIELDS, *COMPANY_FIELDS, OWNER_FIELD, "owner_email", "lifecycle")
"""Every field a mapping may name, besides ``custom.<name>`` and ``ignore``."""
IGNORE = "ignore"
CUSTOM_PREFIX = "custom."
REQUIRED_FIELDS = ("email",)
