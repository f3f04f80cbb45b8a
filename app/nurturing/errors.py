"""Domain errors. Callers map the type to a response; the message is only for logs."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base class of everything the engine refuses."""

    code = "domain_error"


class InvalidTransition(DomainError):
    code = "invalid_transition"

    def __init__(self, current: Any, target: Any) -> None:
        super().__init__(f"cannot move from {current} to {target}")
        self.current = current
        self.target = target


class ReasonRequired(DomainError):
    code = "reason_required"


class NotEligible(DomainError):
    code = "not_eligible"
