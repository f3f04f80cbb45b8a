"""Errors a use case can end in. Transports translate each type once, at their edge; never match on text."""

from __future__ import annotations

from app.models import Lead, LeadPublic


class ServiceError(Exception):
    """Base class; ``code`` is stable and safe to show, the message is for logs."""

    code = "error"


class NotFound(ServiceError):
    code = "not_found"

    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"{what} {key} not found")
        self.what = what
        self.key = key


class LeadNotFound(NotFound):
    def __init__(self, key: object) -> None:
        super().__init__("lead", key)


class MemberNotFound(NotFound):
    def __init__(self, key: object) -> None:
        super().__init__("member", key)


class FollowUpNotFound(NotFound):
    def __init__(self, key: object) -> None:
        super().__init__("follow-up", key)


class TeamNotFound(NotFound):
    def __init__(self, key: object) -> None:
        super().__init__("team", key)


class NotAllowed(ServiceError):
    code = "not_allowed"


class StaleVersion(ServiceError):
    """The caller saw an older version of the lead; ``current`` is a snapshot of what it is now."""

    code = "stale_version"

    def __init__(self, expected: int, current: Lead) -> None:
        # A snapshot, because the transaction that raised this is rolled back and its rows expire.
        snapshot = LeadPublic.model_validate(current)
        super().__init__(f"expected version {expected}, lead is at {snapshot.version}")
        self.expected = expected
        self.current = snapshot


class Conflict(ServiceError):
    """The request is valid but the lead's state does not allow it (e.g. the follow-up is already done)."""

    code = "conflict"


class InvalidInput(ServiceError):
    code = "invalid_input"


class ReasonNeeded(InvalidInput):
    """Sales-owned work leaves sales only with a coded reason (no budget, under contract, ...)."""

    code = "reason_required"
